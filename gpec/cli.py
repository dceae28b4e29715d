"""Command-line interface (typer + rich). Thin: parses options, calls the Python API, prints.

Any :class:`~gpec.errors.GpecError` (bad input, bad option) ends the command with one line on stderr
and exit code 2, and nothing already written is touched.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from gpec.errors import GpecError
from gpec.lever_names import LEVERS

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="gpec: workforce planning for the care sector, by bassin de vie.")
instance_app = typer.Typer(no_args_is_help=True, help="Build instances from the raw public data.")
app.add_typer(instance_app, name="instance")
# on a terminal, tables fit its width; in a pipe or a log, nothing is clipped or wrapped
console = Console(width=None if sys.stdout.isatty() else 100_000)


def _workers_option(what: str, when: str = ""):
    """``--workers``, worded alike for every command that runs tasks in parallel (:mod:`gpec.parallel`);
    ``when`` (``"With --all: "``) says when it applies."""
    return typer.Option(None, "--workers", help=_after(when, f"processes solving {what} at once (default: the "
                                                              "number of cores)."))


def _dask_option(when: str = ""):
    """``--dask``, worded alike for every command that runs tasks in parallel (:mod:`gpec.parallel`)."""
    return typer.Option(None, "--dask", help=_after(when, "run on a Dask scheduler (tcp://HOST:PORT) or a local "
                                                          "cluster (local)."))


def _after(when: str, text: str) -> str:
    return when + text if when else text[:1].upper() + text[1:]


@app.command("solve", no_args_is_help=True)
def solve_command(
    instance: Path = typer.Argument(..., help="Instance folder, e.g. instances/landes."),
    out: Optional[Path] = typer.Option(None, "--out", help="Output folder (default out/<instance name>)."),
    budget: list[str] = typer.Option([], "--budget", help="FUNDER=EUR every year, e.g. cd40=600000, or "
                                     "FUNDER:YEAR=EUR one year, e.g. cd40:2027=800000 (repeatable; a year "
                                     "overrides the flat value whatever the order). FUNDER is a body's code "
                                     "(funders.csv) or its kind (departement, region, ars) when the instance has "
                                     "one body of that kind."),
    horizon: Optional[str] = typer.Option(None, "--horizon", help="FIRST-LAST model years, e.g. 2026-2035."),
    time_limit: Optional[float] = typer.Option(None, "--time-limit", help="Seconds for the whole run (load, "
                                               "build, both stages, --verify, shadow prices or diagnosis, check, "
                                               "outputs); default 60. With --by-region, for all régions, shared "
                                               "by size; default 80 per région on average (régions x 80 / "
                                               "workers)."),
    gap: float = typer.Option(1e-3, "--gap", help="Relative MIP gap tolerance of stage 1 (unmet need)."),
    cost_gap: float = typer.Option(1e-2, "--cost-gap", help="Relative gap tolerance of stage 2 (least cost)."),
    no_levers: bool = typer.Option(False, "--no-levers", help="Solve the calibrated baseline alone."),
    lever_off: list[str] = typer.Option([], "--lever-off", help=f"Switch a lever off (repeatable): "
                                        f"{', '.join(LEVERS)}."),
    set_: list[str] = typer.Option([], "--set", help="Override a parameter: NAME=VALUE or NAME[KEY]=VALUE "
                                   "(repeatable), e.g. --set eff_qvct_exit=0.2 --set retire_rate[as]=0.04."),
    solver: str = typer.Option("highs", "--solver", help="Solver backend: highs (default) or ortools (SCIP)."),
    maps: bool = typer.Option(True, "--maps/--no-maps", help="Write the PNG maps and results.gpkg."),
    service_level: Optional[float] = typer.Option(None, "--service-level", help="Require unmet need <= (1 - X) "
                                                  "of need in every bassin, métier and year a lever can reach."),
    min_places: list[str] = typer.Option([], "--min-places", help="Require at least N extra training places of "
                                         "a métier over the horizon: METIER=N (repeatable)."),
    prices: bool = typer.Option(True, "--shadow-prices/--no-shadow-prices", help="Write shadow_prices.csv."),
    verify: bool = typer.Option(False, "--verify", help="Re-solve with the other backend, started from the "
                                "first one's plan, and report whether both agree."),
    reference: Optional[Path] = typer.Option(None, "--reference", help="Output folder of an earlier run: among "
                                             "equally good plans, return the one closest to its decisions."),
    quiet: bool = typer.Option(False, "--quiet", help="No progress on stderr while solving."),
    lang: str = typer.Option("en", "--lang", help="Language for people (explanation, workbook): en or fr."),
    scenario_file: Optional[Path] = typer.Option(None, "--scenario", help="A scenario file (YAML): budgets, "
                                                 "parameters, levers, service level, horizon, reference; "
                                                 "the options given here override its values."),
    by_region: bool = typer.Option(False, "--by-region", help="A folder of régions (gpec instance build "
                                   "--france): solve each région as its own model, in parallel, and merge."),
    workers: Optional[int] = _workers_option("régions", "With --by-region: "),
    dask: Optional[str] = _dask_option("With --by-region: "),
):
    """Solve an instance; write the decision tables, result.json, report.md, results.xlsx, maps and a
    GeoPackage. Ctrl-C (or SIGTERM) stops the solve and writes the best plan found (maps aside, for
    speed), then exits 130; with no plan yet, the output folder is left as it was (gpec.interrupt)."""
    from gpec import interrupt
    from gpec.explain import plain_words
    from gpec.i18n import fmt_eur, fmt_number, fmt_percent, t
    from gpec.instance import load_instance
    from gpec.outputs import check_out, write_outputs
    from gpec.progress import Progress
    from gpec.report import CONSOLE_TABLES, people_tables
    from gpec.results import read_reference
    from gpec.scenario import Scenario, budgets_from_options, parse_horizon, parse_min_places, parse_parameter
    from gpec.solving import solve, time_budget

    _check_lang(lang)
    unknown = sorted(set(lever_off) - set(LEVERS))
    if unknown:
        raise GpecError(f"--lever-off {unknown[0]}: unknown lever (known: {', '.join(LEVERS)})")
    levers = () if no_levers else tuple(name for name in LEVERS if name not in lever_off)
    scenario = Scenario(horizon=parse_horizon(horizon) if horizon else None,
                        budgets=budgets_from_options(budget),
                        parameters=dict(parse_parameter(p) for p in set_), levers=levers,
                        time_limit=Scenario().time_limit if time_limit is None else time_limit, mip_gap=gap,
                        cost_gap=cost_gap, solver=solver,
                        service_level=service_level, min_places=dict(parse_min_places(m) for m in min_places),
                        shadow_prices=prices, verify=verify)
    if by_region:
        if scenario_file is not None:
            raise GpecError("--scenario goes with one instance, not --by-region (name bodies with --budget)")
        _solve_by_region(instance, out, scenario, workers, dask, maps, lang, quiet, time_limit)
        return
    if workers is not None or dask is not None:
        raise GpecError("--workers and --dask go with --by-region")
    budget = time_budget(scenario)  # the limit covers loading and writing too
    with budget.phase("load"):
        inst = load_instance(instance)
        if scenario_file is not None:
            from gpec.scenario_file import read_scenario_file, with_options

            base = read_scenario_file(scenario_file, inst)
            given = {name for name, on in (("horizon", horizon), ("levers", no_levers or lever_off),
                                           ("service_level", service_level is not None),
                                           ("min_places", min_places)) if on}
            scenario = with_options(base.scenario, scenario, given)
            reference = reference if reference is not None else base.reference
        plan = read_reference(reference) if reference is not None else None
    out = check_out(out or Path("out") / inst.name)  # before the solve: a bad folder fails at once
    # a first Ctrl-C or SIGTERM stops the solver with its plan, a second one stops at once
    with interrupt.catching(hard=True) as caught:
        _import_writers_meanwhile()
        with Progress(quiet=quiet) as progress:
            result = solve(inst, scenario, budget=budget, reference=plan, progress=progress, check=False)
        result.reference_folder = str(Path(reference).resolve()) if reference is not None else ""
        stopped = caught.signum is not None
        if stopped and not result.has_solution:
            found = ("the scenario is infeasible, its diagnosis cut short" if result.status == "infeasible"
                     else "no plan found")
            raise interrupt.Interrupted(f"{found}; {out} left as it was")
        if stopped and maps and result.has_solution:
            result.message += "; maps not drawn (interrupted)"
        # the folder is replaced as one unit (gpec.outputs): never a mix of two runs; a signal now lets
        # it finish
        write_outputs(result, out, maps=maps and not stopped, budget=budget, lang=lang, check=True)  # (checked
        # while the workbook is written)
    inst = result.applied  # the instance with the scenario's overrides, as the model saw it

    style = {"optimal": "green", "feasible": "yellow"}.get(result.status, "red")
    status = result.status if lang == "en" else t(f"status.{result.status}", lang)
    console.print(t("report.status_line", lang).format(
        instance=f"[bold]{escape(inst.name)}[/]", first=result.horizon[0], last=result.horizon[1],
        status=f"[{style}]{escape(status)}[/]", gap=fmt_percent(result.gap, lang, 3),
        obj=fmt_number(result.objective, lang, 1), bound=fmt_number(result.bound, lang, 1),
        cost=fmt_eur(result.cost, lang), violations=_num(result.violations, "d")))
    console.print(escape(plain_words(result, lang, inst)))
    console.print(f"[dim]{result.message}[/]")
    console.print(f"[dim]{_timings_line(result.timings)}[/]")
    if result.reference_change is not None:
        console.print(f"{t('report.units_moved', lang).format(reference=reference)}: "
                      f"{fmt_number(result.reference_change, lang, 1)}")
    if result.verification:
        console.print(_verification_line(result.verification, result.mip_gap, markup=True))
    if result.diagnosis:
        _print_diagnosis(result.diagnosis)
    for title, table in people_tables(result, inst, lang, CONSOLE_TABLES):
        console.print(_table(title, table, lang))
    console.print(t("report.written", lang).format(out=out))
    if caught.signum is not None:  # (a signal while writing: the result of the whole run is written)
        what = "the best plan found is" if result.has_solution else "the result (no plan) is"
        raise interrupt.Interrupted(f"{what} written to {out}")
    if not result.has_solution:
        raise typer.Exit(1)


def _import_writers_meanwhile() -> None:
    """Import what writes the outputs (the workbook, charts and maps: about 1 s) in a thread while the
    solver runs, so that an interrupted run writes its plan at once."""
    import importlib
    import threading

    def load() -> None:
        for name in ("gpec.charts", "gpec.geo.maps", "gpec.workbook"):  # (gpec.report: imported already)
            importlib.import_module(name)

    threading.Thread(target=load, name="gpec-import", daemon=True).start()


def _solve_by_region(instance: Path, out: Optional[Path], scenario, workers, dask, maps: bool, lang: str,
                     quiet: bool, time_limit: Optional[float]) -> None:
    """``gpec solve FOLDER --by-region``: every région solved in parallel, one line each as it finishes."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from gpec.by_region import check_region_out, region_folders, solve_by_region

    parts = region_folders(instance)
    out = check_region_out(out or Path("out") / instance.name)
    columns = (TextColumn("régions"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True), disable=quiet) as bar:
        job = bar.add_task("régions", total=len(parts))

        def report(done, total, result):
            bar.update(job, completed=done)
            what = result.error or f"{result.value['status']}, gap {_num(result.value['gap'], '.2e')}"
            bar.console.print(f"{parts[result.key].name}: {what} ({result.seconds:.0f} s)")

        summary = solve_by_region(instance, out, scenario, workers=workers, dask=dask, maps=maps, lang=lang,
                                  progress=report, time_limit=time_limit)
    console.print(f"{instance.name} by région: status {summary['status']}, gap {_num(summary['gap'], '.3%')}, "
                  f"unmet {_num(summary['objective'], ',.1f')} FTE-years, violations {summary['violations']}")
    console.print(f"written to {out}/")
    if summary["status"] not in ("optimal", "feasible"):
        raise typer.Exit(1)


@app.command("groups", no_args_is_help=True)
def groups_command(
    instance: Path = typer.Argument(..., help="A folder with structures.csv, post_types.csv and parameters.csv."),
    post: str = typer.Option(..., "--post", help="Post type of post_types.csv, e.g. night_nurse."),
    max_minutes: float = typer.Option(30.0, "--max-minutes", help="Longest trip from a member to its hub."),
    out: Optional[Path] = typer.Option(None, "--out", help="Output folder (default out/groups_<post>)."),
    min_size: int = typer.Option(2, "--min-size", help="Fewest structures in a group (hub included)."),
    max_size: int = typer.Option(8, "--max-size", help="Most structures in a group (hub included; 0: no bound)."),
    groups: Optional[int] = typer.Option(None, "--groups", help="Number of groups (exactly; see --at-most)."),
    at_most: bool = typer.Option(False, "--at-most", help="--groups is a maximum, not an exact number."),
    structures: Optional[Path] = typer.Option(None, "--structures", help="CSV: structure, name, lon, lat (or "
                                              "bassin; neither needed with --travel), places or need_<post>."),
    travel: Optional[Path] = typer.Option(None, "--travel", help="CSV: origin, destination, minutes between "
                                          "structures (pairs not given are out of reach)."),
    alone: list[str] = typer.Option([], "--alone", help="FINESS id of a structure that stays alone (repeatable)."),
    no_alone: bool = typer.Option(False, "--no-alone", help="Every structure joins a group; none stays alone."),
    together: list[str] = typer.Option([], "--together", help="ID1,ID2: two structures in the same group."),
    keep: list[str] = typer.Option([], "--keep", help="HUB:ID1,ID2,...: an existing group kept as it is."),
    cost_per_minute: Optional[float] = typer.Option(None, "--travel-cost", help="EUR per minute of member-to-hub "
                                                    "travel (default: travel_cost_per_minute of parameters.csv)."),
    solver: str = typer.Option("highs", "--solver", help="highs (MILP) or cpsat (OR-Tools CP-SAT)."),
    method: str = typer.Option("columns", "--method", help="columns (candidate groups, proves optimality) or "
                               "compact (hub/member model)."),
    time_limit: float = typer.Option(60.0, "--time-limit", help="Seconds."),
    gap: float = typer.Option(0.0, "--gap", help="Relative gap tolerance (costs are whole euros: 0 proves the "
                              "optimum exactly)."),
    maps: bool = typer.Option(True, "--maps/--no-maps", help="Write map_groups.png."),
    quiet: bool = typer.Option(False, "--quiet", help="No progress on stderr while solving."),
    lang: str = typer.Option("en", "--lang", help="Language for people (console, map): en or fr."),
):
    """Size groupements d'employeurs: which structures pool which posts, and the posts they save. The output
    folder is replaced as one unit. Ctrl-C (or SIGTERM) stops the solve and writes the best grouping found
    (no map, for speed), then exits 130; with no grouping yet, the output folder is left as it was
    (gpec.interrupt)."""
    from gpec import interrupt
    from gpec.groupings import GroupingOptions, load_group_data, people_lines, people_tables, solve_groups
    from gpec.groupings.options import check_run
    from gpec.groupings.output import check_grouping_out, write_grouping
    from gpec.i18n import t

    _check_lang(lang)
    check_run(time_limit, gap)  # before loading: solve_groups checks the rest (options, data) again

    def pair(option: str, text: str, sep: str) -> tuple[str, str]:
        head, _, tail = text.partition(sep)
        if not head.strip() or not tail.strip():
            raise GpecError(f"{option} '{text}': expected two parts separated by '{sep}'")
        return head.strip(), tail.strip()

    options = GroupingOptions(
        max_minutes=max_minutes, min_size=min_size, max_size=max_size, groups=groups, groups_exact=not at_most,
        alone=tuple(alone), no_alone=no_alone, together=tuple(pair("--together", t, ",") for t in together),
        fixed_groups={h: tuple(m.strip() for m in ms.split(",") if m.strip())
                      for h, ms in (pair("--keep", k, ":") for k in keep)})
    data = load_group_data(instance, post, structures, travel)
    if cost_per_minute is not None:
        data = data.with_travel_cost(cost_per_minute)
    out = check_grouping_out(out or Path("out") / f"groups_{post}")  # before the solve: a bad folder fails at once
    from gpec.progress import Progress

    # a first Ctrl-C or SIGTERM stops the solver with its plan (no plan: Interrupted, nothing written), a
    # second one stops at once
    with interrupt.catching(hard=True) as caught:
        with Progress(quiet=quiet) as progress:
            result = solve_groups(data, options, solver=solver, time_limit=time_limit, mip_gap=gap, method=method,
                                  progress=progress)
        stopped = caught.signum is not None
        if stopped and maps and result.has_solution:
            result.message += "; map not drawn (interrupted)"
        # the folder is replaced as one unit (gpec.outputs.write_folder): never a mix of two runs; a signal
        # now lets it finish
        drawn = write_grouping(result, data, out, maps=maps and not stopped, lang=lang)
    first, second = people_lines(result, lang, data.post["label"])
    console.print(escape(first))
    console.print(f"[dim]{escape(result.message)}[/]")
    console.print(escape(second))
    if maps and not stopped and result.has_solution and drawn is None:  # no structure has a point to draw
        console.print(escape(t("groups.map_none", lang)))
    for title, table in people_tables(result, lang):
        console.print(_table(title, table, lang))
    console.print(t("report.written", lang).format(out=out))
    if caught.signum is not None:  # (a signal while writing: the whole grouping is written)
        what = "the best plan found is" if result.has_solution else "the result (no plan) is"
        raise interrupt.Interrupted(f"{what} written to {out}")
    if not result.has_solution:
        raise typer.Exit(1)


@app.command("explain", no_args_is_help=True)
def explain_command(
    out: Path = typer.Argument(..., help="Output folder of a gpec solve."),
    lang: str = typer.Option("en", "--lang", help="Language of the explanation: en or fr."),
):
    """Explain a result: a paragraph in plain words (what the plan does, what binds, what one more
    thousand euros buys; if infeasible, what cannot be reached and why), then the proof of quality, the
    conflicting constraints and what suffices, and the shadow prices."""
    from gpec.explain import plain_words
    from gpec.outputs import load_result
    from gpec.report import binding_summary

    _check_lang(lang)
    # one line, exit 2, for a folder that is not a gpec solve's output or is damaged: every key and table
    # printed below was checked there
    result = load_result(out)
    console.print(f"[bold]{escape(result.instance)}[/] {result.horizon[0]}-{result.horizon[1]}: status "
                  f"{result.status}; unmet {_num(result.objective)} FTE-years, bound {_num(result.bound)}, "
                  f"gap {_num(result.gap, '.2e')}; cost {_num(result.cost, ',.0f')} EUR; "
                  f"violations {_num(result.violations, 'd')}")
    console.print(escape(plain_words(result, lang, _instance_of(result))))
    for stage in result.stages:
        console.print(f"  stage {escape(stage.name)}: {stage.status} ({escape(stage.solver_status)}), objective "
                      f"{_num(stage.objective)}, bound {_num(stage.bound)}, gap {_num(stage.gap, '.2e')}")
    if result.timings:
        console.print(f"  {_timings_line(result.timings)}")
    if result.verification:
        console.print(f"  {_verification_line(result.verification, result.mip_gap)}")
    if result.diagnosis:
        _print_diagnosis(result.diagnosis)
    if not result.shadow_prices.empty:
        for title, frame in binding_summary(result.shadow_prices):
            console.print(_table(title, frame))


@app.command("compare", no_args_is_help=True)
def compare_command(
    out_a: Path = typer.Argument(..., help="Output folder of the first run (the reference)."),
    out_b: Path = typer.Argument(..., help="Output folder of the second run."),
    out: Optional[Path] = typer.Option(None, "--out", help="Folder for the difference tables, comparison.json "
                                       "and the difference map."),
    lang: str = typer.Option("en", "--lang", help="Language of what is printed: en or fr."),
):
    """Compare two runs of the same instance and horizon: what differs in the inputs and in the outputs
    (unmet need, spending, levers, bassins), each total's difference judged against the runs' gaps."""
    from gpec.comparison import compare, people_lines, people_tables, write_comparison
    from gpec.outputs import load_result

    _check_lang(lang)
    a, b = load_result(out_a), load_result(out_b)
    comparison = compare(a, b, labels=(str(out_a), str(out_b)))
    for line in people_lines(comparison, lang):
        console.print(escape(line))
    for title, table in people_tables(comparison, lang):
        console.print(_table(title, table, lang))
    if out is not None:
        instance = _instance_of(a)
        write_comparison(comparison, out, instance=instance)
        console.print(f"written to {out}/" + ("" if instance is not None else
                                              f" (no map: instance folder {a.instance_folder or '?'} not found)"))


@app.command("alternatives", no_args_is_help=True)
def alternatives_command(
    out_run: Path = typer.Argument(..., help="Output folder of a gpec solve with a plan."),
    slack: float = typer.Option(0.02, "--slack", help="Relative slack on unmet need and on cost: 0.02 keeps "
                                "every alternative within 2 % of the plan's unmet need and of its cost."),
    count: int = typer.Option(5, "--count", help="Alternatives to look for."),
    out: Optional[Path] = typer.Option(None, "--out", help="Folder for the tables (default OUT/alternatives)."),
    time_limit: Optional[float] = typer.Option(None, "--time-limit", help="Seconds for the whole command "
                                               "(default: the run's time limit x --count)."),
    quiet: bool = typer.Option(False, "--quiet", help="No progress on stderr while solving."),
    lang: str = typer.Option("en", "--lang", help="Language of what is printed: en or fr."),
):
    """Near-optimal alternatives: plans within --slack of a run's unmet need and cost that differ most
    from it and from each other (units per lever and bassin, L1), and what they all share (the robust
    decisions) or not; writes alternatives.csv, plans.csv, robust.csv and alternatives.json."""
    from gpec.alternatives import alternatives, people_lines, people_tables
    from gpec.i18n import t
    from gpec.progress import Progress

    _check_lang(lang)
    if not 0 <= slack < 1:
        raise GpecError(f"--slack {slack:g}: must lie in [0, 1), e.g. 0.02 for 2 %")
    if count < 1:
        raise GpecError(f"--count {count}: must be at least 1")
    if time_limit is not None and not (time_limit > 0 and math.isfinite(time_limit)):
        raise GpecError(f"--time-limit {time_limit:g}: must be a positive number of seconds")
    out = out or out_run / "alternatives"
    if out.exists() and not out.is_dir():
        raise GpecError(f"--out {out}: exists and is not a folder")
    with Progress(quiet=quiet) as progress:
        found = alternatives(out_run, slack=slack, count=count, time_limit=time_limit, progress=progress)
    found.write(out)
    for line in people_lines(found, lang):
        console.print(escape(line))
    for title, table in people_tables(found, lang):
        console.print(_table(title, table, lang))
    console.print(t("report.written", lang).format(out=out))


@app.command("sweep", no_args_is_help=True)
def sweep_command(
    instance: Path = typer.Argument(..., help="Instance folder."),
    spec: Path = typer.Argument(..., help="Sweep spec (YAML): a grid, one at a time, Latin hypercube or Morris "
                                "over envelopes, parameters, levers and service levels (README 'Sweeps')."),
    out: Optional[Path] = typer.Option(None, "--out", help="The sweep's folder (default out/sweep_<spec name>); "
                                       "scenarios already solved there are skipped."),
    workers: Optional[int] = _workers_option("scenarios"),
    dask: Optional[str] = _dask_option(),
    quiet: bool = typer.Option(False, "--quiet", help="No progress on stderr."),
):
    """Solve every scenario of a sweep spec, in parallel, each persisted as it finishes (DIR/runs, one
    Parquet row per scenario; DIR/sweep.json says what this run solved, skipped and failed). Exit 0 when
    every scenario has a plan or a proof it has none, 1 when any failed."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, \
        TimeRemainingColumn

    from gpec.sweeps.run import run_sweep

    err = Console(stderr=True, width=None if sys.stderr.isatty() else 100_000)
    out = out or Path("out") / f"sweep_{spec.stem}"
    bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                   TextColumn("ETA"), TimeRemainingColumn(), console=err, disable=quiet, transient=True)
    task = None

    def progress(event: str, done: int, total: int, info: dict) -> None:
        nonlocal task
        if event == "start":
            task = bar.add_task(f"sweep ({done} of {total} already solved)" if done else "sweep",
                                total=max(info["to_solve"], 1))
            return
        row = info["row"]
        bar.advance(task)
        if not quiet:
            what = row["error"] if row["status"] == "error" else (
                f"unmet {row['objective']:,.1f} FTE-years, gap {row['gap']:.2%}, {row['seconds']:.0f} s")
            style = {"optimal": "green", "feasible": "yellow"}.get(row["status"], "red")
            for name in info["names"]:
                bar.console.print(f"{escape(name)}: [{style}]{row['status']}[/] {escape(what)}", highlight=False)

    with bar:
        run = run_sweep(instance, spec, out, workers=workers, dask=dask, progress=progress)
    console.print(f"{len(run.table)} scenarios: {len(run.solved)} solved, {len(run.skipped)} already solved, "
                  f"{len(run.failed)} failed, in {run.seconds:.0f} s; written to {out}/")
    for name, error in run.failed:
        console.print(f"[red]failed[/] {escape(name)}: {escape(error)}")
    if not run.ok:
        raise typer.Exit(1)


@app.command("sweep-report", no_args_is_help=True)
def sweep_report_command(
    folder: Path = typer.Argument(..., help="A sweep's folder (gpec sweep --out)."),
    lang: str = typer.Option("en", "--lang", help="Language of the charts, summary.xlsx and what is printed: en "
                             "or fr."),
    out: Optional[Path] = typer.Option(None, "--out", help="Folder for the report (default: the sweep's folder)."),
):
    """Report a sweep: budget_response.png (unmet need against each body's envelope, with the proven band and
    what each extra 100 k€ a year buys), pareto.png, tornado.png and morris.png when the sweep has those
    designs, summary.xlsx (scenarios, budget response, tornado, Morris, decisions that flip) and the tables as
    CSV. Scenarios not solved yet or failed are listed as missing, never drawn."""
    from gpec.i18n import t
    from gpec.sweeps.report import summary_lines, sweep_report, write_sweep_report

    _check_lang(lang)
    report = sweep_report(folder, lang)
    write_sweep_report(report, out)
    for line in summary_lines(report):
        console.print(escape(line), highlight=False)
    console.print(t("report.written", lang).format(out=out or folder))


@app.command("serve", no_args_is_help=True)
def serve_command(
    instances: list[str] = typer.Argument(..., help="Instance folders, e.g. instances/landes, each served under its "
                                          "folder's name, or NAME=FOLDER."),
    port: int = typer.Option(8000, "--port", help="TCP port."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to bind: this machine only by default; "
                             "0.0.0.0 opens the page to the network."),
    time_limit: float = typer.Option(60.0, "--time-limit", help="Seconds per what-if (and again for its shadow "
                                     "prices, computed after the answer)."),
    cache: Optional[Path] = typer.Option(None, "--cache", help="Cache folder of the results (default "
                                         "$XDG_CACHE_HOME/gpec/serve)."),
    warm: bool = typer.Option(True, "--warm/--no-warm", help="Solve each instance's default scenario at start, "
                              "so that the first what-if is a warm re-solve."),
):
    """Serve the what-if page and its API (http://HOST:PORT/, French; ?lang=en for English): one warm solving
    process per instance, one what-if at a time each, results cached by scenario. Ctrl-C stops it."""
    import uvicorn

    from gpec.web import create_app

    if not (time_limit > 0 and math.isfinite(time_limit)):
        raise GpecError(f"--time-limit {time_limit:g}: a positive number of seconds")
    folders = {}
    for text in instances:
        name, _, folder = text.partition("=") if "=" in text else (Path(text).resolve().name, "", text)
        if name in folders:
            raise GpecError(f"instance name '{name}' given twice (name them: NAME=FOLDER)")
        folders[name] = Path(folder)
    app_ = create_app(folders, host=host, port=port, cache_dir=cache, time_limit=time_limit, warm=warm)
    console.print(f"gpec serve: http://{'[' + host + ']' if ':' in host else host}:{port}/ "
                  f"({', '.join(folders)}); Ctrl-C stops it")
    uvicorn.run(app_, host=host, port=port, log_level="warning")


def _check_lang(lang: str) -> None:
    from gpec.i18n import LANGUAGES

    if lang not in LANGUAGES:
        raise GpecError(f"--lang {lang}: expected one of {', '.join(LANGUAGES)}")


def _instance_of(result):
    """The instance a loaded result was solved on, with its parameter overrides (None when its folder is
    not there any more or changed since the run): what the comparison with doing nothing needs."""
    from gpec.rerun import recorded_instance
    from gpec.scenario import parse_parameter

    try:
        instance = recorded_instance(result)
        overrides = dict(parse_parameter(f"{name}={value}") for name, value in result.overrides.items())
        return instance.with_parameters(overrides) if overrides else instance
    except GpecError:
        return None


def _timings_line(t: dict) -> str:
    """``time 55.0 s of the 60 s limit: load 0.1, build 0.5, stage unmet 4.9 (of 28.9), ...``."""
    def phase(name: str, p: dict) -> str:
        given = f" (of {p['limit_s']:.1f})" if p.get("limit_s") is not None else ""
        return f"{name} {_num(p.get('seconds'), '.1f')}{given}"

    phases = ", ".join(phase(name, p) for name, p in t.get("phases", {}).items())
    return f"time {_num(t.get('total_s'), '.1f')} s of the {t.get('limit_s'):g} s limit: {phases}"


def _verification_line(v: dict, mip_gap: float | None, markup: bool = False) -> str:
    """What ``--verify`` found: the other backend's answer, and agreement by bounds and by incumbents."""
    yes = lambda flag: "n/a" if flag is None else "yes" if flag else "no"
    verdict = {True: "agree", False: "DISAGREE", None: "no verdict (no plan to compare)"}[v.get("agree")]
    if markup:
        verdict = f"[{'green' if v.get('agree') else 'red' if v.get('agree') is False else 'yellow'}]{verdict}[/]"
    start = f", started from the {v['started_from']} plan" if v.get("started_from") else ""
    diff = v.get("relative_difference")
    return (f"verify with {v['solver']}{start}: {v['status']}, unmet {_num(v.get('objective'))} (bound "
            f"{_num(v.get('bound'))}), {'n/a' if diff is None else f'{diff:.3%}'} apart: {verdict}; bounds "
            f"below the other's incumbent: {yes(v.get('bounds_agree'))}; incumbents within the "
            f"{_num(mip_gap, 'g')} gap: {yes(v.get('incumbents_within_gap'))}, within 1 %: "
            f"{yes(v.get('incumbents_within_1pct'))}; start kept: {yes(v.get('start_kept'))}")


def _print_diagnosis(d: dict) -> None:
    lp, iis = d.get("lp_relaxation"), d.get("iis")
    console.print("[bold red]Infeasible.[/] " + (
        "Conflicting constraints (an irreducible infeasible set of the LP relaxation):" if d.get("conflict") else
        f"The LP relaxation is {lp}: the conflict comes from whole units (no LP IIS)." if lp == "optimal" else
        f"The LP relaxation is infeasible; its conflict was {iis} (a longer --time-limit reduces it)."
        if lp == "infeasible" and iis != "irreducible" else f"No conflict: the LP relaxation is {lp}."))
    for item in d.get("conflict", [])[:40]:
        console.print(f"  - {escape(item['text'])} ({'both bounds' if item['bound'] == 'both' else item['bound'] + ' bound'})")
    if d.get("conflict_size", 0) > 40:
        console.print(f"  ... {d['conflict_size'] - 40} more in result.json (diagnosis)")
    if d.get("budget_increase"):
        console.print("Smallest budget increase that restores feasibility:")
        for row in d["budget_increase"]:
            console.print(f"  - {row['funder']} {row['year']}: +{row['increase_eur']:,.0f} EUR "
                          f"(envelope {row['envelope_eur']:,.0f} EUR)")
    elif d.get("suggested_service_level") is not None:
        console.print(f"No budget increase suffices; the largest service level these budgets allow is "
                      f"{d['suggested_service_level']:g}.")
    console.print(f"Suggestion: {d['suggestion']}" if d.get("suggestion") else "No relaxation found within the "
                  "time limit.")


def _num(value, fmt: str = ",.2f") -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    return format(value, fmt)


@app.command("export", no_args_is_help=True)
def export_command(
    instance: Path = typer.Argument(..., help="Instance folder."),
    out: Path = typer.Option(..., "--out", help="File to write, ending in .mps or .lp (added when missing)."),
    fmt: Optional[str] = typer.Option(None, "--format", help="mps or lp (default: from --out's extension, else "
                                      "mps)."),
    horizon: Optional[str] = typer.Option(None, "--horizon", help="FIRST-LAST model years."),
):
    """Write the model (stage 1: weighted unmet need) as MPS or LP with readable names, for other solvers."""
    from gpec.instance import load_instance
    from gpec.models import build_model
    from gpec.scenario import Scenario, parse_horizon
    from gpec.solvers.export import write_model

    out = _export_file(out, fmt)  # before the model is built: a bad path fails at once
    inst, years = Scenario(horizon=parse_horizon(horizon) if horizon else None).apply(load_instance(instance))
    model = build_model(inst, years)
    try:
        write_model(model.lp, model.stages[0], out)
    except OSError as exc:
        raise GpecError(f"--out {out}: cannot write the model ({exc.strerror or exc})") from None
    console.print(f"model written to {out} ({model.lp.n_cols} columns, {model.lp.n_rows} rows)")


def _export_file(out: Path, fmt: Optional[str]) -> Path:
    """The file ``gpec export`` writes: ``out``, its extension telling the format (``.mps`` or ``.lp``;
    ``--format``'s, or ``.mps``, added when it has none).

    Raises
    ------
    GpecError
        On an unknown ``--format``, an extension other than .mps or .lp or that disagrees with
        ``--format``, an existing folder at ``out``, or a folder above it that is a file or cannot be
        written.
    """
    if fmt is not None and fmt not in ("mps", "lp"):
        raise GpecError(f"--format {fmt}: expected mps or lp")
    if not out.name:
        raise GpecError(f"--out '{out}': give a file name ending in .mps or .lp")
    if out.is_dir():
        raise GpecError(f"--out {out}: is a folder; give a file name ending in .mps or .lp")
    suffix = out.suffix
    if suffix in (".mps", ".lp"):
        if fmt is not None and suffix != f".{fmt}":
            raise GpecError(f"--out {out} and --format {fmt}: the extension says {suffix[1:]} (give one of the two, "
                            "or make them agree)")
    elif suffix:
        raise GpecError(f"--out {out}: the file must end in .mps or .lp (the extension tells HiGHS the format)")
    else:
        out = out.with_name(f"{out.name}.{fmt or 'mps'}")
        if out.is_dir():
            raise GpecError(f"--out {out}: is a folder; give a file name ending in .mps or .lp")
    from gpec.atomic import check_writable

    check_writable(out, "--out")
    return out


@instance_app.command("build")
def build_command(
    out: Path = typer.Option(..., "--out", help="Instance folder to write."),
    dep: Optional[str] = typer.Option(None, "--dep", help="Département code(s), comma-separated, e.g. 40 or 40,64."),
    region: Optional[str] = typer.Option(None, "--region", help="Région INSEE code, e.g. 75 (Nouvelle-Aquitaine)."),
    france: bool = typer.Option(False, "--france", help="Metropolitan France (the DROM lack age bands: excluded)."),
    raw: Path = typer.Option(Path("data/raw"), "--raw", help="Folder of the raw public data."),
):
    """Build the instance of départements, a région or metropolitan France from data/raw (reproducible)."""
    from gpec.instance import load_instance
    from gpec.territory import build_instance

    build_instance(dep, raw, out, region=region, france=france)
    if france:
        from gpec.by_region import region_folders

        parts = region_folders(out)
        console.print(f"{len(parts)} régions written to {out}/ ({', '.join(p.name for p in parts.values())})")
        return
    inst = load_instance(out)
    console.print(f"instance {inst.name} written to {out}/ ({len(inst.bassins)} bassins, "
                  f"{len(inst.table('structures.csv'))} structures, {len(inst.metiers)} métiers, "
                  f"sha256 {inst.sha256[:12]})")


def _table(title: str, frame, lang: str = "en") -> Table:
    table = Table(title=title, title_justify="left")
    for col in frame.columns:
        table.add_column(str(col), justify="right")
    for row in frame.itertuples(index=False):
        table.add_row(*[escape(_fmt(v, lang)) for v in row])  # labels such as budget[region, 2027] are not markup
    return table


def _fmt(value, lang: str = "en") -> str:
    """A table cell for people: numbers in the language's format, no raw ``nan``, ``inf`` or ``None``."""
    from gpec.i18n import MISSING, fmt_number

    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return MISSING[lang]
    if isinstance(value, float):
        return fmt_number(value, lang, 3 if abs(value) < 1 else 1)
    return str(value)


@app.command("breakeven", no_args_is_help=True)
def breakeven_command(
    instance: Path = typer.Argument(..., help="Instance folder, e.g. instances/landes."),
    param: Optional[str] = typer.Option(None, "--param", help="A lever's effect of parameters.csv: NAME or "
                                        "NAME[KEY], e.g. eff_qvct_exit or pathway_success[carers]."),
    all_: bool = typer.Option(False, "--all", help="Every lever's effect labelled ass (confidence), in parallel."),
    out: Optional[Path] = typer.Option(None, "--out", help="Output folder (default out/breakeven_<instance name>)."),
    gap: float = typer.Option(1e-3, "--gap", help="Relative MIP gap each probe is proven to (stage 1, unmet need)."),
    time_limit: Optional[float] = typer.Option(None, "--time-limit", help="Seconds per probe (default 60); a probe "
                                               "not proven in it leaves an interval, not a point."),
    workers: Optional[int] = _workers_option("effects", "With --all: "),
    dask: Optional[str] = _dask_option("With --all: "),
    scenario_file: Optional[Path] = typer.Option(None, "--scenario", help="A scenario file (YAML): budgets, other "
                                                 "parameters, levers, horizon under which the effects are probed."),
    lang: str = typer.Option("en", "--lang", help="Language for people (console): en or fr."),
    quiet: bool = typer.Option(False, "--quiet", help="No line per probe on stderr."),
):
    """The smallest value of a lever's effect, within its low-high range, at which the lever enters the
    optimal plan: bisection over warm re-solves, each probe proven to --gap; writes breakeven.csv and
    probes.csv."""
    from dataclasses import replace as _replace

    from gpec.breakeven import (PROBE_TIME_LIMIT, breakeven, breakeven_all, probe_scenario, record, write)
    from gpec.i18n import fmt_number, label, t
    from gpec.instance import load_instance
    from gpec.scenario import Scenario

    _check_lang(lang)
    if all_ == (param is not None):
        raise GpecError("give either --param NAME or --all" + (", not both" if all_ else ""))
    if not all_ and (workers is not None or dask is not None):
        raise GpecError("--workers and --dask go with --all")
    if not 0 <= gap < 1:
        raise GpecError(f"--gap {gap}: must lie in [0, 1)")
    time_limit = PROBE_TIME_LIMIT if time_limit is None else time_limit
    if not (time_limit > 0 and math.isfinite(time_limit)):
        raise GpecError(f"--time-limit {time_limit}: a positive number of seconds per probe")
    inst = load_instance(instance)
    scenario = Scenario()
    if scenario_file is not None:
        from gpec.scenario_file import read_scenario_file

        base = read_scenario_file(scenario_file, inst)
        if base.reference is not None:
            raise GpecError(f"{scenario_file}: reference: not used by gpec breakeven (remove it)")
        scenario = base.scenario
    scenario = probe_scenario(_replace(scenario, time_limit=time_limit, mip_gap=gap))
    if not all_:
        record(inst, param)  # a bad --param fails before anything runs
    out = out or Path("out") / f"breakeven_{inst.name}"
    if out.exists() and not out.is_dir():
        raise GpecError(f"--out {out}: exists and is not a folder")

    stderr = Console(stderr=True)
    say = (lambda text: None) if quiet else (lambda text: stderr.print(escape(text), highlight=False, soft_wrap=True))

    def probe_line(row: dict) -> None:
        name = f"{row['param']}[{row['key']}]" if row["key"] else row["param"]
        effect = record(inst, name)
        verdict = ("not_proven" if not row["proven"] else "in_plan" if row["enters"] else "not_in_plan")
        say(t("breakeven.probe_line", lang).format(
            param=name, value=_value(row["value"], effect["low"], effect["high"], lang),
            lever=label("lever", effect["lever"], lang),
            status=row["status"] if lang == "en" else t(f"status.{row['status']}", lang),
            units=fmt_number(row["lever_units"], lang, 1), verdict=t(f"breakeven.{verdict}", lang),
            seconds=fmt_number(row["runtime_s"], lang, 1)))

    if all_:
        def finished(done: int, total: int, result) -> None:
            for row in result.probes.to_dict("records"):
                probe_line(row)
            say(t("breakeven.record_line", lang).format(
                done=done, total=total, param=result.name, answer=_answer(result, lang),
                probes=len(result.probes), seconds=fmt_number(result.probes["runtime_s"].sum(), lang)))

        results = breakeven_all(instance, scenario, workers=workers, dask=dask, progress=finished)
    else:
        results = [breakeven(inst, param, scenario, progress=probe_line)]
    write(results, out)

    table = Table(title=t("breakeven.title", lang).format(instance=escape(inst.name)), title_justify="left")
    for column in ("col_param", "col_lever", "col_value", "col_range", "col_answer", "col_probes"):
        table.add_column(t(f"breakeven.{column}", lang))
    for r in results:
        value = lambda v: _value(v, r.low, r.high, lang)
        table.add_row(escape(r.name), escape(label("lever", r.lever, lang)), value(r.default),
                      f"{value(r.low)} – {value(r.high)}", escape(_answer(r, lang)),
                      f"{r.row()['probes']} ({r.row()['proven']})")
    console.print(table)
    console.print(t("report.written", lang).format(out=out))
    if any(r.answer == "error" for r in results):
        raise typer.Exit(1)


def _answer(result, lang: str) -> str:
    """A break-even's answer in words, its bracket formatted for people."""
    from gpec.i18n import t

    value = lambda v: _value(v, result.low, result.high, lang)
    return t(f"breakeven.answer_{result.answer}", lang).format(
        a=value(result.threshold_low), b=value(result.threshold_high), note=result.note)


def _value(value, low: float, high: float, lang: str) -> str:
    """A value of a record for people, one decimal finer than its break-even's tolerance (so that the
    probes of a bisection read apart)."""
    from gpec.breakeven import TOLERANCE
    from gpec.i18n import fmt_number

    step = TOLERANCE * (float(high) - float(low))
    return fmt_number(value, lang, max(0, 1 - math.floor(math.log10(step))) if step > 0 else 3)


def main() -> None:
    """Console-script entry point: user errors (ours, and options typer cannot parse) become one line on
    stderr and exit code 2; an interrupt (Ctrl-C, SIGTERM) one line and exit code 130: ``gpec:
    interrupted: ...`` saying what was written when a command caught it (:mod:`gpec.interrupt`), ``gpec:
    interrupted`` elsewhere."""
    from gpec.interrupt import EXIT_CODE, Interrupted, last

    try:  # typer >= 0.20 carries its own copy of click
        from typer._click.exceptions import NoArgsIsHelpError, UsageError
    except ImportError:  # pragma: no cover
        from click.exceptions import NoArgsIsHelpError, UsageError

    before = last()  # a catcher of an earlier call in this process (tests) is not this command's

    def caught_here() -> bool:  # this command caught a signal (not a catcher of an earlier call)
        caught = last()
        return caught is not before and caught is not None and caught.signum is not None

    def caught_and_went_on(code) -> None:  # a command that caught an interrupt, wrote its plan and ended
        if code in (0, 1, None) and caught_here():
            _interrupted("gpec: interrupted: the best plan found is written (see above)", at_once=True)
        if code == EXIT_CODE:  # typer's answer to a Ctrl-C outside a catching block
            _interrupted("gpec: interrupted")

    try:
        code = app(standalone_mode=False)
    except NoArgsIsHelpError as exc:  # a command alone: its help
        print(exc.ctx.get_help())
        sys.exit(0)
    except UsageError as exc:  # an option typer cannot parse or check: one line, like our own errors
        print(f"gpec: error: {exc.format_message()}", file=sys.stderr)
        sys.exit(2)
    except GpecError as exc:
        print(f"gpec: error: {exc}", file=sys.stderr)
        sys.exit(2)
    except Interrupted as exc:
        _interrupted(f"gpec: interrupted: {exc}", at_once=caught_here())
    except SystemExit as exc:
        caught_and_went_on(exc.code)
        raise
    except (KeyboardInterrupt, typer.Abort):  # typer.Abort: typer's name for Ctrl-C outside a solve
        print("gpec: interrupted", file=sys.stderr)
        sys.exit(EXIT_CODE)
    caught_and_went_on(code)
    sys.exit(code if isinstance(code, int) else 0)  # typer.Exit(code) returns its code when not standalone


def _interrupted(line: str, at_once: bool = False) -> None:
    """End an interrupted command: ``line`` on stderr, exit code 130. At once (no interpreter shutdown,
    which takes 0.3-0.5 s in a process holding a solved model) when the command caught the signal
    (``at_once``: everything it writes is written by then) or a solver was left running in a thread
    (gpec.interrupt.call_stoppable)."""
    import os

    from gpec.interrupt import EXIT_CODE, last

    print(line, file=sys.stderr)
    caught = last()
    if at_once or (caught is not None and caught.abandoned):
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(EXIT_CODE)
    sys.exit(EXIT_CODE)


if __name__ == "__main__":
    main()
