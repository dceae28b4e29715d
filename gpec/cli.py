"""Command-line interface (typer + rich). Thin: parses options, calls the Python API, prints.

Any :class:`~gpec.errors.GpecError` (bad input, bad option) ends the command with one line on stderr
and exit code 2, and nothing already written is touched.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

from gpec.errors import GpecError

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="gpec: workforce planning for the care sector, by bassin de vie.")
instance_app = typer.Typer(no_args_is_help=True, help="Build instances from the raw public data.")
app.add_typer(instance_app, name="instance")
console = Console()


@app.command("solve", no_args_is_help=True)
def solve_command(
    instance: Path = typer.Argument(..., help="Instance folder, e.g. instances/landes."),
    out: Optional[Path] = typer.Option(None, "--out", help="Output folder (default out/<instance name>)."),
    budget: list[str] = typer.Option([], "--budget", help="FUNDER=EUR per year, e.g. departement=600000 (repeatable)."),
    horizon: Optional[str] = typer.Option(None, "--horizon", help="FIRST-LAST model years, e.g. 2026-2035."),
    time_limit: float = typer.Option(60.0, "--time-limit", help="Seconds for the whole solve."),
    gap: float = typer.Option(1e-3, "--gap", help="Relative MIP gap tolerance of stage 1 (unmet need)."),
    cost_gap: float = typer.Option(1e-2, "--cost-gap", help="Relative gap tolerance of stage 2 (least cost)."),
    no_levers: bool = typer.Option(False, "--no-levers", help="Solve the calibrated baseline alone."),
    lever_off: list[str] = typer.Option([], "--lever-off", help="Switch a lever off (repeatable): training, "
                                        "apprenticeship, qvct, vehicles, pools, promotion, vae, reconversion, "
                                        "immersion, social."),
    set_: list[str] = typer.Option([], "--set", help="Override a parameter: NAME=VALUE or NAME[KEY]=VALUE "
                                   "(repeatable), e.g. --set eff_qvct_exit=0.2 --set retire_rate[as]=0.04."),
    solver: str = typer.Option("highs", "--solver", help="Solver backend: highs (default) or ortools (SCIP)."),
    maps: bool = typer.Option(True, "--maps/--no-maps", help="Write the PNG maps and results.gpkg."),
):
    """Solve an instance; write the decision tables, result.json, report.md, maps and a GeoPackage."""
    from gpec.charts import write_inflow_chart
    from gpec.geo.maps import write_geopackage, write_maps
    from gpec.instance import load_instance
    from gpec.models import LEVER_BUILDERS
    from gpec.report import (allocation_by_bassin, lever_summary, reservoir_summary, spend_by_year, unmet_by_year,
                             write_report)
    from gpec.scenario import Scenario, parse_budget, parse_horizon, parse_parameter
    from gpec.solve import solve

    unknown = sorted(set(lever_off) - set(LEVER_BUILDERS))
    if unknown:
        raise GpecError(f"--lever-off {unknown[0]}: unknown lever (known: {', '.join(LEVER_BUILDERS)})")
    levers = () if no_levers else tuple(name for name in LEVER_BUILDERS if name not in lever_off)
    scenario = Scenario(horizon=parse_horizon(horizon) if horizon else None,
                        budgets=dict(parse_budget(b) for b in budget),
                        parameters=dict(parse_parameter(p) for p in set_), levers=levers,
                        time_limit=time_limit, mip_gap=gap, cost_gap=cost_gap, solver=solver)
    inst = load_instance(instance)
    out = out or Path("out") / inst.name
    if out.exists() and not out.is_dir():
        raise GpecError(f"--out {out}: exists and is not a folder")
    result = solve(inst, scenario)
    # every run writes its complete set of files (empty tables when there is no plan), so the folder
    # always describes one run; each file is replaced atomically
    inst = result.applied  # the instance with the scenario's overrides, as the model saw it
    try:
        result.write(out)
        write_report(result, inst, out / "report.md")
        drawn = []
        if result.has_solution:
            drawn.append(write_inflow_chart(result, out / "inflows.png"))
        if maps and result.has_solution:
            drawn += write_maps(result, inst, out) + [write_geopackage(result, inst, out / "results.gpkg")]
        for stale in [*out.glob("map_*.png"), out / "results.gpkg", out / "inflows.png"]:  # from an earlier run
            if stale not in drawn:
                stale.unlink(missing_ok=True)
    except OSError as exc:
        raise GpecError(f"--out {out}: cannot write the results ({exc.strerror or exc})") from None

    style = {"optimal": "green", "feasible": "yellow"}.get(result.status, "red")
    console.print(f"[bold]{inst.name}[/] {result.horizon[0]}-{result.horizon[1]}: status "
                  f"[{style}]{result.status}[/]  gap {result.gap:.2e}  "
                  f"unmet {result.objective:,.1f} FTE-years (bound {result.bound:,.1f})  "
                  f"cost {result.cost:,.0f} EUR  violations {result.violations}  ({result.runtime_s:.1f} s)")
    console.print(f"[dim]{result.message}[/]")
    if result.has_solution:
        console.print(_table("Unmet need by year (FTE)", unmet_by_year(result, inst)))
        console.print(_table("Spending by funder and year (EUR)", spend_by_year(result)))
        console.print(_table("Levers (units over the horizon; 0 = available but not chosen)", lever_summary(result)))
        console.print(_table("Inflow mix by reservoir (FTE over the horizon)", reservoir_summary(result)))
        if len(result.decisions):
            console.print(_table("Top bassins by allocation", allocation_by_bassin(result, inst)))
    console.print(f"written to {out}/")
    if not result.has_solution:
        raise typer.Exit(1)


@app.command("export", no_args_is_help=True)
def export_command(
    instance: Path = typer.Argument(..., help="Instance folder."),
    out: Path = typer.Option(..., "--out", help="File to write (.mps or .lp)."),
    fmt: str = typer.Option("mps", "--format", help="mps or lp."),
    horizon: Optional[str] = typer.Option(None, "--horizon", help="FIRST-LAST model years."),
):
    """Write the model (stage 1: weighted unmet need) as MPS or LP with readable names, for other solvers."""
    from gpec.instance import load_instance
    from gpec.models import build_model
    from gpec.scenario import Scenario, parse_horizon
    from gpec.solvers.export import write_model

    if fmt not in ("mps", "lp"):
        raise GpecError(f"--format {fmt}: expected mps or lp")
    if out.suffix != f".{fmt}":
        out = out.with_suffix(f".{fmt}")
    inst, years = Scenario(horizon=parse_horizon(horizon) if horizon else None).apply(load_instance(instance))
    model = build_model(inst, years)
    write_model(model.lp, model.stages[0], out)
    console.print(f"model written to {out} ({model.lp.n_cols} columns, {model.lp.n_rows} rows)")


@instance_app.command("build")
def build_command(
    dep: str = typer.Option(..., "--dep", help="Department code(s), comma-separated, e.g. 40."),
    out: Path = typer.Option(..., "--out", help="Instance folder to write."),
    raw: Path = typer.Option(Path("data/raw"), "--raw", help="Folder of the raw public data."),
):
    """Rebuild an instance from data/raw (reproducible)."""
    from gpec.builder import build_instance
    from gpec.instance import load_instance

    build_instance([d.strip() for d in dep.split(",") if d.strip()], raw, out)
    inst = load_instance(out)
    console.print(f"instance {inst.name} written to {out}/ ({len(inst.bassins)} bassins, "
                  f"{len(inst.metiers)} métiers, sha256 {inst.sha256[:12]})")


def _table(title: str, frame) -> Table:
    table = Table(title=title, title_justify="left")
    for col in frame.columns:
        table.add_column(str(col), justify="right")
    for row in frame.itertuples(index=False):
        table.add_row(*[_fmt(v) for v in row])
    return table


def _fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:.3f}" if abs(value) < 1 else f"{value:,.1f}"
    return str(value)


def main() -> None:
    """Console-script entry point: user errors become one line on stderr and exit code 2."""
    try:
        app()
    except GpecError as exc:
        print(f"gpec: error: {exc}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
