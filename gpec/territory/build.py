"""Write an instance folder for a territory from ``data/raw`` and the catalogue (``gpec instance build``).

Every table is derived by the modules of this package, each row with its source; this module only
chooses the territory, calls them in order and writes the folder (instance.yaml, the CSV tables,
``bassins.geojson`` and a README naming what is observed, derived or assumed).

Before anything is read, the output folder and the raw data are checked (:func:`check_build_out`,
:func:`check_raw`): the output folder must be new, empty or an instance folder of the same kind (a
rebuild), never a file or a folder of other files (whose ``README.md`` or tables a build would
overwrite); every file of :data:`RAW_FILES` must be in the raw data
folder.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import yaml

from gpec.atomic import check_writable, write_atomic, write_csv, write_text
from gpec.errors import GpecError
from gpec.territory import catalogue, funding, labour, population, structures, training, travel, workforce
from gpec.territory.select import Territory, select

BASE_YEAR = 2023
FIRST_MODEL_YEAR = 2026
LAST_YEAR = 2035
#: Data years after the horizon: the model's tail (the longest course, IFSI, lasts 3 years), so that a
#: decision of the last year is valued for what it delivers (gpec.models.workforce)
TAIL_YEARS = 3
#: Territories with more bassins list travel only between bassins within TRAVEL_MAX_MINUTES (an
#: assumption: above the largest radius any lever may use, 60 minutes, even with the fastest roads and
#: shortest detours of the parameters' ranges, 60 / 0.692 = 86.7 minutes).
FULL_TRAVEL_MAX_BASSINS = 100
TRAVEL_MAX_MINUTES = 90
#: The files of ``data/raw`` a build reads (data/raw/SOURCES.md says where each comes from).
RAW_FILES = ("communes_bv2022.csv", "bassins_de_vie_2022.csv", "bassins_de_vie_2022.geojson",
             "landes_pop_75_85_rp2023.csv", "care_sector_figures.csv", "ehpad_finess_landes_pyrenees_atlantiques.csv",
             "communes_bassin_emploi_bmo2019.csv", "tension_metiers_soin_bassins_emploi_2021.csv")


def build_instance(dep: str | list[str] | None, raw: str | Path, out: str | Path, *, region: str | None = None,
                   france: bool = False) -> Path:
    """Build the instance of départements ``dep`` (``"40"``, ``["40", "64"]``), of a ``region`` (INSEE
    code) or of metropolitan ``france`` from ``raw`` (the ``data/raw`` folder) into ``out``."""
    raw, out = Path(raw), check_build_out(out, france)
    check_raw(raw)
    communes = population.read_communes(raw)
    territory = select(communes, dep=dep, region=region, france=france)
    try:
        if france:
            return write_regions(territory, raw, out, communes)
        return write_instance(territory, raw, out, communes)
    except OSError as exc:  # permission denied, a full disk, a read-only file system
        raise GpecError(f"--out {out}: cannot write the instance ({exc.strerror or exc})") from None


def check_raw(raw: Path) -> None:
    """``raw`` is a folder holding every file of :data:`RAW_FILES`.

    Raises
    ------
    GpecError
        Naming ``--raw`` and the first file missing.
    """
    if not raw.is_dir():
        raise GpecError(f"--raw {raw}: raw data folder not found (run from the repository root or pass --raw)")
    missing = [name for name in RAW_FILES if not (raw / name).is_file()]
    if missing:
        raise GpecError(f"--raw {raw}: {missing[0]} is missing (the raw data folder holds the files of "
                        "data/raw/SOURCES.md)")


def check_build_out(out: str | Path, france: bool = False) -> Path:
    """The folder a build writes: new, empty, or an instance folder of the same kind (a rebuild: a
    ``--france`` folder of régions for ``france``, one instance otherwise).

    Raises
    ------
    GpecError
        Naming ``--out``, when it is a file, a path below a file, a folder that cannot be written, or a
        folder holding other files than an instance of that kind (the current folder of a project, say,
        whose README.md a build would overwrite).
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise GpecError(f"--out {out}: exists and is not a folder")
    check_writable(out, "--out", start=out)
    if not out.is_dir() or not any(out.iterdir()):
        return out
    kind = _instance_kind(out / "instance.yaml")
    if kind is None:
        first = min((p.name for p in out.iterdir()), key=lambda name: (name.startswith("."), name))
        raise GpecError(f"--out {out}: holds files that are not an instance (e.g. {first}); choose a new or empty "
                        "folder, or an instance folder to rebuild")
    if (kind == "regions") != france:
        held = "an instance by région (--france)" if kind == "regions" else "one instance"
        raise GpecError(f"--out {out}: holds {held}; build {'--france' if france else '--dep or --region'} into a "
                        "new or empty folder")
    return out


def _instance_kind(path: Path) -> str | None:
    """``regions`` or ``instance`` for the ``instance.yaml`` of an instance folder; None when there is none
    or it is not one."""
    if not path.is_file():
        return None
    try:
        meta = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    if not isinstance(meta, dict) or "name" not in meta:
        return None
    return "regions" if meta.get("kind") == "regions" else "instance"


def write_regions(territory: Territory, raw: Path, out: Path, communes: pd.DataFrame) -> Path:
    """Metropolitan France as its 13 régions: one instance folder per région in ``out/<région>/`` (a
    bassin straddling two régions is in both, each counting its own communes) and an ``instance.yaml``
    listing them (``regions``), solved région by région (``gpec solve --by-region``)."""
    metro = communes[~communes["dep"].str.startswith("97")]
    regions = []
    for code in sorted(metro["reg"].unique()):
        part = select(communes, region=code)
        write_instance(part, raw, out / part.name, communes)
        regions.append({"code": code, "name": part.label.rsplit(" (", 1)[0], "folder": part.name})
    meta = {"name": territory.name, "kind": "regions",
            "description": f"{territory.label}: its {len(regions)} régions, one instance each "
                           "(the DROM are excluded: no age bands in the commune file)",
            "built_by": f"gpec instance build {territory.option} (gpec/territory/) from data/raw (see "
                        "data/raw/SOURCES.md)",
            "regions": regions}
    out.mkdir(parents=True, exist_ok=True)
    write_text(out / "instance.yaml", yaml.safe_dump(meta, sort_keys=False, allow_unicode=True))
    write_text(out / "README.md", f"# {territory.name}: {territory.label} by région\n\nBuilt by "
               f"`{meta['built_by']}`. Solve with `gpec solve {out.name} --by-region` (every région an "
               "independent model, run in parallel).\n\n" + "\n".join(
                   f"- `{r['folder']}/`: {r['name']} ({r['code']})" for r in regions) + "\n")
    return out


def write_instance(territory: Territory, raw: Path, out: Path, communes: pd.DataFrame) -> Path:
    """Derive every table of ``territory`` from ``raw`` (``communes``: its commune file, already read) and
    write the instance folder ``out``."""
    deps = territory.deps
    years = range(BASE_YEAR, LAST_YEAR + TAIL_YEARS + 1)
    ratio = population.pop85_ratio(raw, communes)
    places = population.territory_communes(raw, communes, deps, ratio[0])
    bassins = population.bassins(places, raw)

    rates = structures.equipment_rates(raw)
    regs = [communes.loc[communes["dep"] == d, "reg"].iloc[0] for d in deps]
    finess = structures.read_finess(raw)
    listed = [d for d in deps if d in set(finess["dep"])]
    aggregated = [d for d in deps if d not in listed]
    structs = pd.concat([structures.finess_structures(finess, listed),
                         structures.aggregate_structures(places, bassins, aggregated, rates)], ignore_index=True)
    structs = structs.astype({"places": int, "lon": float, "lat": float})
    ssiad = structures.ssiad_places(places, bassins, rates)

    metro = communes[~communes["dep"].str.startswith("97")]
    derived85 = ratio if (places["ages"] != "rp2023").any() else None
    params = catalogue.parameters(int(metro["pop_75p_rp2022"].sum()), structures.rates_used(rates, "ssiad", deps, regs),
                                  [x for x in structures.rates_used(rates, "ehpad", deps, regs) if x[0] in aggregated],
                                  derived85)
    pv = {(r.name, r.key): r.value for r in params.itertuples()}

    stock = workforce.stock(bassins, structs, ssiad, pv)
    need = workforce.need(stock, pv, years, BASE_YEAR)
    baseline = workforce.baseline(need, pv, FIRST_MODEL_YEAR)
    named_sites = dict(catalogue.table("training_sites.csv")[["dep", "note"]].itertuples(index=False))
    capacity = training.extra_places(communes, deps, named_sites)
    apprenticeship = workforce.apprenticeship_capacity(baseline, pv, FIRST_MODEL_YEAR)
    funders = funding.bodies(communes, deps)
    budget = funding.budget(funders, communes, deps, catalogue.table("envelopes.csv"), years)
    levers = funding.levers(funders, catalogue.table("levers.csv"))
    metiers = catalogue.table("metiers.csv")
    labour_pool = labour.labour_pool(raw, deps, communes, metiers)
    shapes = travel.polygons(raw, bassins)
    cutoff = None if len(bassins) <= FULL_TRAVEL_MAX_BASSINS else TRAVEL_MAX_MINUTES
    trips = travel.travel(shapes, bassins, pv, cutoff)
    staff = workforce.structure_staff(structs, pv)

    out.mkdir(parents=True, exist_ok=True)
    meta = {
        "name": territory.name,
        "description": f"{territory.label}: {len(bassins)} bassins de vie (BV2022, the territory's communes only), "
                       f"{len(metiers)} métiers, data {BASE_YEAR}-{LAST_YEAR + TAIL_YEARS}",
        "base_year": BASE_YEAR,
        "horizon": [FIRST_MODEL_YEAR, LAST_YEAR],
        "built_by": f"gpec instance build {territory.option} (gpec/territory/) from data/raw (see data/raw/SOURCES.md)",
    }
    if cutoff is not None:
        meta["travel_max_minutes"] = cutoff
    write_text(out / "instance.yaml", yaml.safe_dump(meta, sort_keys=False, allow_unicode=True))
    for name, frame in [("bassins.csv", bassins), ("metiers.csv", metiers), ("structures.csv", structs),
                        ("parameters.csv", params), ("stock.csv", stock), ("need.csv", need),
                        ("baseline.csv", baseline), ("training_capacity.csv", capacity),
                        ("apprenticeship_capacity.csv", apprenticeship), ("funders.csv", funders),
                        ("budget.csv", budget), ("levers.csv", levers), ("travel.csv", trips),
                        ("structure_staff.csv", staff), ("pathways.csv", catalogue.table("pathways.csv")),
                        ("labour_pool.csv", labour_pool), ("post_types.csv", catalogue.table("post_types.csv"))]:
        write_csv(out / name, frame)
    write_atomic(out / "bassins.geojson", lambda p: shapes.to_file(p, driver="GeoJSON", layer="bassins"))
    write_text(out / "README.md", _readme(territory, meta, bassins, structs, listed, aggregated, finess, places,
                                          cutoff))
    return out


def _readme(territory, meta, bassins, structs, listed, aggregated, finess, places, cutoff) -> str:
    unknown = structures.unknown_capacity(finess, listed)
    left_out = "\n".join(f"- {r.finess_et} {r.raison_sociale} ({r.libelle_commune}): no permanent capacity in the "
                         "FINESS file" for r in unknown.itertuples()) or "- none"
    ages = places["ages"].value_counts()
    lines = [
        f"# {meta['name']}: {territory.label}",
        "",
        f"Built by `{meta['built_by']}`; every row of every table names its source (a file of data/raw, a "
        "publication code, `der:` with its formula, or `assumption`).",
        "",
        f"- {len(bassins)} bassins de vie, {len(places):,} communes, {int(bassins['population'].sum()):,} inhabitants, "
        f"{int(bassins['pop75'].sum()):,} people 75+; border bassins count the territory's communes only.",
        f"- Ages: RP 2023 observed for {ages.get('rp2023', 0):,} communes (75+ and 85+), RP 2022 for "
        f"{ages.get('rp2022', 0):,} (75+ observed, 85+ = pop85_per_pop80 x 80+), imputed from the département's "
        f"shares for {ages.get('imputed', 0):,}.",
        f"- EHPAD: {int((structs['statut'] != 'aggregate').sum())} listed in FINESS"
        f" ({', '.join(listed) or 'no département'}); {int((structs['statut'] == 'aggregate').sum())} aggregate "
        f"structures (one per bassin and département part, places = the most local equipment rate x 75+) in "
        f"{', '.join(aggregated) or 'no département'}. Levers that count structures (QVCT coverage, groupings) see "
        "one structure per aggregate.",
        "- Funding bodies (funders.csv): each Conseil départemental, the Conseil régional and the ARS of each "
        "région; envelopes not published for a body are scaled from the published ones by a stated key "
        "(budget.csv sources) — replace them with the body's own.",
        "- Travel: " + ("every pair of bassins." if cutoff is None else
                        f"pairs of bassins within {cutoff} minutes (instance.yaml travel_max_minutes)."),
        "",
        "Left out (EHPAD):",
        left_out,
        "",
        FILES,
    ]
    return "\n".join(lines)


FILES = """| file | content |
|---|---|
| `instance.yaml` | name, base year, default horizon (decision years; the data run 3 tail years further), travel cutoff |
| `bassins.csv` | population, 75+, 85+ (the territory's part), population-weighted centre, density (whole bassin), `dep` and `reg` whose bodies fund what is decided there |
| `metiers.csv` | label, ROME code, training route |
| `structures.csv` | EHPAD: FINESS establishments or aggregate structures (statut `aggregate`): bassin, point, permanent places |
| `parameters.csv` | every scalar or keyed parameter: value, low, high, unit, confidence (pub/der/ass), source; `lever`: the lever whose effect the record sets (`gpec breakeven`) |
| `stock.csv` | observed staff of the base year by bassin x métier x setting (EHPAD, SSIAD, home care) |
| `need.csv` | need in FTE by bassin x métier x year |
| `baseline.csv` | the existing system without any lever: stock, school output and ordinary hiring by year |
| `training_capacity.csv` | extra training places a year per training site x métier |
| `apprenticeship_capacity.csv` | apprenticeship contracts a year per bassin x métier |
| `funders.csv` | the funding bodies: code, kind (`departement`, `region`, `ars`), territory, name |
| `budget.csv` | yearly envelope per funding body |
| `levers.csv` | which body may pay for which lever |
| `travel.csv` | minutes between bassin centres (shortest path over the adjacency graph) |
| `structure_staff.csv` | staff of each EHPAD by métier (places x EHPAD staffing ratios): the staff a QVCT post reaches |
| `bassins.geojson` | the bassins' polygons (whole BV2022 polygons, simplified), for maps and the GeoPackage |
| `pathways.csv` | the pathways of the transitional and social reservoirs and immersions (their parameters are `pathway_*` records of `parameters.csv`) |
| `post_types.csv` | posts structures can share in groupements d'employeurs (`gpec groups`) |
| `labour_pool.csv` | jobseekers (France Travail cat. ABC, 2021) per bassin x métier ROME code and the 1-5 tension index |

Edit any table (e.g. a local staff count, a training site, a body's envelope) and `gpec solve` validates it
on load; the `instance_sha256` in `result.json` ties every result to the exact files it was computed from.
"""
