"""Sweep specs: which scenarios a sweep solves, in YAML (``gpec sweep INSTANCE SPEC``)::

    name: budget
    description: each body's envelope in turn at 0 to 2x its default, under three departure rates
    base: ../scenarios/roadmap_2024.yaml   # optional: a scenario file, or its keys inline; default: none
    scenarios: [a.yaml, b.yaml]            # optional named scenarios: every design runs on each of them
    solve: {time_limit: 30, gap: 0.001}    # options of every solve: time_limit (s), gap, cost_gap,
                                           #   solution_limit, solver
    grid:                                  # the Cartesian product of its dimensions
      envelope:                            #   each body in turn, the others at their envelope
        budgets: [cd40, cr75]
        factors: [0, 0.5, 1, 1.5, 2]       #   x the body's yearly envelope (or euros: [...] a year)
      departures:                          #   several records together at each level
        parameters: [exit_rate, retire_rate]
        levels: [low, default, high]       #   each record's own low / value / high, or numbers
      service: {service_level: [null, 0.9]}
      levers: {levers_off: [[], [vehicles]]}
    one_at_a_time:                         # each record at its low, then its high, the others at their
      parameters: ass                      #   value: `ass`, `all` or a list of NAME / NAME[KEY]
    latin_hypercube: {parameters: [eff_qvct_exit, eff_pool_fill], samples: 20, seed: 1}
    morris: {parameters: ass, trajectories: 4, levels: 4, seed: 1}   # SALib's Morris screening

Every design is optional; the points of all of them are solved, each design on the base and on every
named scenario. A parameter named without a key (``exit_rate``) is every record of that name: one
factor each in ``one_at_a_time``, ``latin_hypercube`` and ``morris``, all of them together in a grid
dimension. ``ass`` is every record whose ``confidence`` is ``ass`` and ``all`` every record, each only
when its ``low`` is below its ``high`` and it is not a whole number of years (sampled designs need a
continuous range). A sampled design (Latin hypercube, Morris) draws from ``[low, high]`` of
``parameters.csv`` with SALib and the seed given (default 1), so a spec always gives the same points.

Everything is checked against the instance when the spec is read: an unknown key, body, parameter or
lever, a value not of its kind is one line naming the file and the key (:class:`~gpec.errors.GpecError`),
like a scenario file's (:mod:`gpec.scenario_file`), whose rules the ``base`` and the named scenarios follow.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field, replace
from pathlib import Path

from gpec.domains import WHOLE_PARAMETERS, violation
from gpec.errors import GpecError, InputError
from gpec.instance import Instance
from gpec.lever_names import LEVERS
from gpec.scenario import Scenario
from gpec.scenario_file import KEYS as SCENARIO_KEYS
from gpec.scenario_file import read_scenario_file, read_yaml, scenario_from_mapping, with_options
from gpec.schema import EUR_MAX

#: The keys a sweep spec may hold.
KEYS = ("name", "description", "base", "scenarios", "solve", "grid", "one_at_a_time", "latin_hypercube", "morris")
#: The solve options of ``solve:`` -> the :class:`~gpec.scenario.Scenario` field each sets.
SOLVE_OPTIONS = {"time_limit": "time_limit", "gap": "mip_gap", "cost_gap": "cost_gap",
                 "solution_limit": "solution_limit", "solver": "solver"}
#: The largest factor of an envelope in a grid: a thousand times a body's envelope is no scenario (and
#: euros stay under :data:`gpec.schema.EUR_MAX`, checked again when a point is applied).
FACTOR_MAX = 1000.0
#: Default seed of the sampled designs, and Morris's default trajectories and levels (SALib's advice:
#: an even number of levels, 4 to 10 trajectories for screening: Campolongo et al. 2007, assumption).
SEED, TRAJECTORIES, MORRIS_LEVELS = 1, 4, 4

Record = tuple[str, str]


@dataclass(frozen=True)
class Point:
    """One scenario of a sweep.

    Attributes
    ----------
    name : str
        Unique within the sweep: ``base``, ``envelope=cd40 x0.5, departures=low``, ``exit_rate[as]=low``,
        ``lhs 3``, ``morris 12``; prefixed ``NAMED: `` on a named scenario.
    design : str
        ``base``, ``grid``, ``one_at_a_time``, ``latin_hypercube`` or ``morris``.
    scenario : Scenario
        The whole scenario solved (base, named scenario, the design's values, the solve options).
    named : str
        The named scenario it runs on, ``""`` for the base.
    index : int
        Its place in its design (a Morris trajectory's order matters to the analysis).
    levels : dict
        What it sets, for people and reports: grid dimension -> level label; ``parameter`` and ``side``
        (``low``/``high``) for one at a time.
    """

    name: str
    design: str
    scenario: Scenario
    named: str = ""
    index: int = 0
    levels: dict = field(default_factory=dict)


@dataclass(frozen=True)
class SweepSpec:
    """A sweep spec read and checked against an instance (the module docstring)."""

    path: Path
    name: str
    description: str
    #: the base scenario with the solve options: its plan is every other point's reference
    base: Scenario
    #: every point, each named scenario's base first (the sweep's base is ``points[0]``)
    points: tuple[Point, ...]
    #: the parameter records some point sets (the parameter columns of the sweep's table), in order
    varied: tuple[Record, ...]
    #: the grid's dimensions, in order (the ``level:DIM`` columns of the sweep's table)
    dimensions: tuple[str, ...] = ()
    #: Morris's SALib problem (``names``, ``bounds``, ``num_vars``) and levels, or ``None``
    morris: dict | None = None


def read_sweep_spec(path: str | Path, instance: Instance) -> SweepSpec:
    """Read the sweep spec ``path`` and make its points for ``instance`` (module docstring)."""
    path = Path(path)
    data = read_yaml(path, "a sweep spec", KEYS)
    fail = lambda key, message: GpecError(f"{path}: {key}: {message}")
    unknown = [k for k in data if k not in KEYS]
    if unknown:
        raise fail(unknown[0], f"unknown key (known: {', '.join(KEYS)})")

    options = _solve_options(data.get("solve"), fail)
    base = _base(data.get("base"), path, instance, fail)
    base = replace(base, **options)
    named = [("", base)]
    scenarios = data.get("scenarios") or []
    if not isinstance(scenarios, list):
        raise fail("scenarios", "a list of scenario files, e.g. [scenarios/published_only.yaml]")
    for i, file in enumerate(scenarios):
        if not isinstance(file, str):
            raise fail(f"scenarios[{i}]", f"{file!r} is not a file name")
        read = _no_reference(read_scenario_file(_relative(path, file), instance), f"scenarios[{i}]", fail)
        if read.name in {n for n, _ in named} or read.name == "base":
            raise fail(f"scenarios[{i}]", f"a scenario named '{read.name}' is already in the sweep")
        named.append((read.name, replace(with_options(base, read.scenario, read.given), **options)))

    table = instance.parameters.set_index(["name", "key"]).sort_index()
    grid = _grid(data.get("grid"), instance, table, fail)
    oat = _records(_design(data, "one_at_a_time", fail).get("parameters"), table, "one_at_a_time", fail,
                   sampled=False) if "one_at_a_time" in data else []
    lhs = _sampled(data, "latin_hypercube", table, fail)
    morris = _sampled(data, "morris", table, fail)

    points, varied = [], dict.fromkeys(r for _, values in grid for level in values for r in level[1].get("parameters", {}))
    varied.update(dict.fromkeys(oat))
    for design in (lhs, morris):
        varied.update(dict.fromkeys(design["records"] if design else ()))
    for name, scenario in named:
        prefix = f"{name}: " if name else ""
        applied, _ = scenario.apply(instance)
        points.append(Point(name or "base", "base", scenario, name))
        for i, combo in enumerate(itertools.product(*[values for _, values in grid]) if grid else []):
            levels = {dim: label for (dim, _), (label, _) in zip(grid, combo)}
            over = _combine(scenario, [change for _, change in combo], applied)
            points.append(Point(prefix + ", ".join(f"{d}={v}" for d, v in levels.items()), "grid", over, name, i,
                                levels))
        for i, (record, side) in enumerate(itertools.product(oat, ("low", "high"))):
            value = float(table.loc[record, side])
            points.append(Point(f"{prefix}{record_label(record)}={side}", "one_at_a_time",
                                _with_parameters(scenario, {record: value}), name, i,
                                {"parameter": record_label(record), "side": side}))
        for design, tag in ((lhs, "lhs"), (morris, "morris")):
            if design:
                for i, row in enumerate(design["sample"]):
                    values = dict(zip(design["records"], (float(v) for v in row)))
                    points.append(Point(f"{prefix}{tag} {i}", design["name"], _with_parameters(scenario, values),
                                        name, i))
    for point in points:  # every point's overrides together (e.g. parameters that must agree)
        try:
            point.scenario.apply(instance)
        except (GpecError, InputError) as exc:
            raise fail(point.name, getattr(exc, "message", str(exc))) from None
    problem = None
    if morris:
        problem = {"names": [record_label(r) for r in morris["records"]], "num_vars": len(morris["records"]),
                   "bounds": morris["bounds"], "levels": morris["levels"]}
    return SweepSpec(path, str(data.get("name") or path.stem), str(data.get("description") or ""), base,
                     tuple(points), tuple(varied), tuple(dim for dim, _ in grid), problem)


def record_label(record: Record) -> str:
    """``("exit_rate", "as")`` -> ``"exit_rate[as]"``; ``("decay_km", "")`` -> ``"decay_km"``."""
    name, key = record
    return f"{name}[{key}]" if key else name


# -- reading ------------------------------------------------------------------------------------
def _relative(spec: Path, file: str) -> Path:
    file = Path(file)
    return file if file.is_absolute() else spec.parent / file


def _solve_options(data, fail) -> dict:
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise fail("solve", f"a mapping of options ({', '.join(SOLVE_OPTIONS)})")
    out = {}
    for key, value in data.items():
        if key not in SOLVE_OPTIONS:
            raise fail(f"solve.{key}", f"unknown option (known: {', '.join(SOLVE_OPTIONS)})")
        if key == "solver":
            if not isinstance(value, str):
                raise fail(f"solve.{key}", f"{value!r} is not a solver name (highs, ortools)")
        elif key == "solution_limit":
            if value is not None and (not _is_number(value) or value < 1 or not float(value).is_integer()):
                raise fail(f"solve.{key}", f"{value!r} is not a whole number at least 1")
            value = None if value is None else int(value)
        elif not _is_number(value):
            raise fail(f"solve.{key}", f"{value!r} is not a number")
        out[SOLVE_OPTIONS[key]] = value
    try:
        Scenario(**out)
    except GpecError as exc:
        raise fail("solve", str(exc)) from None
    return out


def _base(data, path: Path, instance: Instance, fail) -> Scenario:
    """The ``base`` key: a scenario file's name, or a scenario file's keys inline."""
    if data is None:
        return Scenario()
    if isinstance(data, str):
        return _no_reference(read_scenario_file(_relative(path, data), instance), "base", fail).scenario
    if isinstance(data, dict):
        bad = [k for k in data if k not in SCENARIO_KEYS or k in ("name", "description", "reference")]
        if bad:
            raise fail(f"base.{bad[0]}", "unknown key of a base scenario (known: "
                       f"{', '.join(k for k in SCENARIO_KEYS if k not in ('name', 'description', 'reference'))})")
        return scenario_from_mapping(data, instance, f"{path}: base").scenario
    raise fail("base", "a scenario file's name or a mapping of scenario keys")


def _no_reference(read, key: str, fail):
    """A scenario file of a sweep names no reference plan: the sweep's reference is its base plan."""
    if read.reference is not None:
        raise fail(key, f"{read.name}: reference: a sweep's scenarios stay close to its base plan; "
                        "remove the reference")
    return read


def _design(data: dict, key: str, fail) -> dict:
    value = data.get(key)
    if not isinstance(value, dict):
        raise fail(key, "a mapping, e.g. {parameters: [eff_qvct_exit]}")
    return value


def _records(names, table, key: str, fail, sampled: bool) -> list[Record]:
    """The records a design varies: ``ass``, ``all`` or a list of ``NAME`` / ``NAME[KEY]``."""
    if names in ("ass", "all"):
        rows = table[table["low"] < table["high"]]
        if names == "ass":
            rows = rows[rows["confidence"] == "ass"]
        return [r for r in rows.index if r[0] not in WHOLE_PARAMETERS]
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        raise fail(f"{key}.parameters", "ass, all or a list of NAME or NAME[KEY], e.g. [exit_rate, eff_qvct_exit]")
    records = []
    for name in names:
        for record in _expand(name, table, f"{key}.parameters.{name}", fail):
            if table.loc[record, "low"] >= table.loc[record, "high"]:
                raise fail(f"{key}.parameters.{name}", f"{record_label(record)} has low = high "
                           f"({table.loc[record, 'low']:g}): nothing to vary")
            if sampled and record[0] in WHOLE_PARAMETERS:
                raise fail(f"{key}.parameters.{name}", "a whole number: vary it in a grid or one at a time")
            records.append(record)
    if len(set(records)) < len(records):
        raise fail(f"{key}.parameters", "names a record twice")
    return records


def _expand(name: str, table, key: str, fail) -> list[Record]:
    """``NAME`` -> every record of that name; ``NAME[KEY]`` -> that record."""
    base, _, rest = name.partition("[")
    base = base.strip()
    if rest:
        record = (base, rest.rstrip("]").strip())
        if record not in table.index:
            raise fail(key, "unknown parameter record (see parameters.csv)")
        return [record]
    records = [r for r in table.index if r[0] == base]
    if not records:
        raise fail(key, "unknown parameter (see parameters.csv)")
    return records


def _sampled(data: dict, key: str, table, fail) -> dict | None:
    """A Latin hypercube or Morris design: its records, bounds and sample (SALib)."""
    if key not in data:
        return None
    spec = _design(data, key, fail)
    allowed = ("parameters", "samples", "seed") if key == "latin_hypercube" else (
        "parameters", "trajectories", "levels", "seed")
    bad = [k for k in spec if k not in allowed]
    if bad:
        raise fail(f"{key}.{bad[0]}", f"unknown key (known: {', '.join(allowed)})")
    records = _records(spec.get("parameters"), table, key, fail, sampled=True)
    if not records:
        raise fail(f"{key}.parameters", "no record with low < high to sample")
    seed = _whole(spec.get("seed", SEED), f"{key}.seed", fail, 0)
    bounds = [[float(table.loc[r, "low"]), float(table.loc[r, "high"])] for r in records]
    problem = {"num_vars": len(records), "names": [record_label(r) for r in records], "bounds": bounds}
    if key == "latin_hypercube":
        from SALib.sample import latin
        samples = _whole(spec.get("samples"), f"{key}.samples", fail, 1)
        sample = latin.sample(problem, samples, seed=seed)
        return {"name": key, "records": records, "bounds": bounds, "sample": sample}
    from SALib.sample import morris
    trajectories = _whole(spec.get("trajectories", TRAJECTORIES), f"{key}.trajectories", fail, 2)
    levels = _whole(spec.get("levels", MORRIS_LEVELS), f"{key}.levels", fail, 2)
    if levels % 2:
        raise fail(f"{key}.levels", f"{levels}: Morris needs an even number of levels")
    sample = morris.sample(problem, trajectories, num_levels=levels, seed=seed)
    return {"name": key, "records": records, "bounds": bounds, "sample": sample, "levels": levels}


def _whole(value, key: str, fail, least: int) -> int:
    if not (_is_number(value) and float(value).is_integer() and value >= least):
        raise fail(key, f"{value!r} is not a whole number at least {least}")
    return int(value)


# -- grid ---------------------------------------------------------------------------------------
def _grid(data, instance: Instance, table, fail) -> list[tuple[str, list[tuple[str, dict]]]]:
    """The grid's dimensions: ``[(name, [(level label, change), ...]), ...]``; a change is a dict of
    ``budgets`` (body -> factor or euros), ``parameters`` (record -> level), ``service_level`` or
    ``levers_off``, resolved against each base by :func:`_combine`."""
    if data is None:
        return []
    if not isinstance(data, dict) or not data:
        raise fail("grid", "a mapping of dimensions, e.g. {departures: {parameters: [exit_rate], "
                           "levels: [low, high]}}")
    dims = []
    for dim, spec in data.items():
        key = f"grid.{dim}"
        if not isinstance(spec, dict):
            raise fail(key, "a mapping: budgets with factors or euros, parameters with levels, service_level "
                            "or levers_off")
        kinds = [k for k in ("budgets", "parameters", "service_level", "levers_off") if k in spec]
        if len(kinds) != 1:
            raise fail(key, "give exactly one of budgets, parameters, service_level, levers_off")
        kind = kinds[0]
        allowed = {"budgets": ("budgets", "factors", "euros", "together"), "parameters": ("parameters", "levels")}
        bad = [k for k in spec if k not in allowed.get(kind, (kind,))]
        if bad:
            raise fail(f"{key}.{bad[0]}", f"unknown key here (known: {', '.join(allowed.get(kind, (kind,)))})")
        values = spec.get({"budgets": "factors", "parameters": "levels"}.get(kind, kind))
        if kind == "budgets" and "euros" in spec:
            if "factors" in spec:
                raise fail(key, "give factors or euros, not both")
            values = spec["euros"]
        if not isinstance(values, list) or not values:
            raise fail(key, "a non-empty list of levels")
        if kind == "budgets":
            levels = _budget_levels(spec, values, instance, key, fail)
        elif kind == "parameters":
            names = spec["parameters"] if isinstance(spec["parameters"], list) else [spec["parameters"]]
            records = [r for n in names for r in _expand(str(n), table, f"{key}.parameters.{n}", fail)]
            levels = []
            for level in values:
                if level not in ("low", "default", "high") and not _is_number(level):
                    raise fail(f"{key}.levels", f"{level!r} is not low, default, high or a number")
                reasons = [violation(r[0], level, record_label(r)) for r in records] if _is_number(level) else []
                if any(reasons):
                    raise fail(f"{key}.levels", next(r for r in reasons if r))
                levels.append((str(level) if isinstance(level, str) else f"{level:g}",
                               {"parameters": {r: level for r in records}}))
        elif kind == "service_level":
            levels = []
            for level in values:
                if level is not None and not (_is_number(level) and 0 <= level <= 1):
                    raise fail(f"{key}.service_level", f"{level!r} is not a share in [0, 1] or null")
                levels.append(("none" if level is None else f"{level:g}", {"service_level": level}))
        else:
            levels = []
            for level in values:
                names = level if isinstance(level, list) else None
                if names is None or not all(isinstance(n, str) for n in names):
                    raise fail(f"{key}.levers_off", f"{level!r} is not a list of lever names, e.g. [vehicles]")
                bad = [n for n in names if n not in LEVERS]
                if bad:
                    raise fail(f"{key}.levers_off", f"unknown lever '{bad[0]}' (levers: {', '.join(LEVERS)})")
                levels.append(("+".join(names) or "none", {"levers_off": tuple(names)}))
        labels = [label for label, _ in levels]
        if len(set(labels)) < len(labels):
            raise fail(key, "a level is given twice")
        dims.append((str(dim), levels))
    return dims


def _budget_levels(spec: dict, values: list, instance: Instance, key: str, fail) -> list[tuple[str, dict]]:
    bodies = spec["budgets"] if isinstance(spec["budgets"], list) else [spec["budgets"]]
    codes = []
    for body in bodies:
        try:
            codes.append(instance.funder_code(str(body)))
        except GpecError as exc:
            raise fail(f"{key}.budgets.{body}", str(exc)) from None
    if len(set(codes)) < len(codes):
        raise fail(f"{key}.budgets", "names a body twice")
    euros = "euros" in spec
    most = EUR_MAX if euros else FACTOR_MAX
    for value in values:
        if not (_is_number(value) and 0 <= value <= most):
            raise fail(f"{key}.{'euros' if euros else 'factors'}",
                       f"{value!r} is not a non-negative number at most {most:g}")
    together = spec.get("together", False)
    if not isinstance(together, bool):
        raise fail(f"{key}.together", f"{together!r} is not true or false")
    mark = (lambda v: f"{v:,.0f} EUR") if euros else (lambda v: f"x{v:g}")
    kind = "euros" if euros else "factor"
    if together:
        return [("+".join(codes) + " " + mark(v), {"budgets": {c: (kind, float(v)) for c in codes}}) for v in values]
    return [(f"{c} {mark(v)}", {"budgets": {c: (kind, float(v))}}) for c in codes for v in values]


def _combine(scenario: Scenario, changes: list[dict], applied: Instance) -> Scenario:
    """``scenario`` with a grid point's changes; factors scale the yearly envelopes of ``applied`` (the
    instance under ``scenario``), levels ``low``/``high`` are the records' sweep range and ``default``
    their value under ``scenario``."""
    budgets, parameters = dict(scenario.budgets), dict(scenario.parameters)
    horizon = scenario.horizon or applied.horizon
    envelopes = applied.budget()
    table = applied.parameters.set_index(["name", "key"])
    for change in changes:
        for code, (kind, value) in change.get("budgets", {}).items():
            if kind == "euros":
                budgets[code] = value
            else:
                years = envelopes.loc[code]
                budgets[code] = {int(y): float(e) * value for y, e in years.items() if horizon[0] <= y <= horizon[1]}
        for record, level in change.get("parameters", {}).items():
            column = {"low": "low", "high": "high", "default": "value"}.get(level) if isinstance(level, str) else None
            parameters[record] = float(table.loc[record, column]) if column else float(level)
        if "service_level" in change:
            scenario = replace(scenario, service_level=change["service_level"])
        if "levers_off" in change:
            on = scenario.levers if scenario.levers is not None else LEVERS
            scenario = replace(scenario, levers=tuple(lv for lv in on if lv not in change["levers_off"]))
    return replace(scenario, budgets=budgets, parameters=parameters)


def _with_parameters(scenario: Scenario, values: dict[Record, float]) -> Scenario:
    return replace(scenario, parameters={**scenario.parameters, **values})


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)

