"""Build an instance folder from the public files in ``data/raw`` (``gpec instance build``).

What is derived, and how (every figure's source is written next to it in the instance files):

* **Bassins**: the BV2022 bassins de vie that contain communes of the department. A border bassin counts
  its communes of the department only (population, 75+, 85+ from RP 2023), located at the
  population-weighted centre of those communes, so department totals match the source file.
* **Structures**: the department's EHPAD (FINESS category 500) with their permanent places.
* **Observed staff 2023** per bassin x métier x setting = capacity x observed staffing ratio:
  EHPAD places (FINESS); SSIAD places = regional rate per 1,000 people 75+ x the bassin's 75+; home care
  aides = national aides per 1,000 people 75+ x the bassin's 75+, converted to FTE.
* **Need** = observed staff / (1 - vacancy rate), grown with the 85+ (EHPAD) or 75+ (SSIAD, home)
  population.
* **Baseline** (the existing system, no lever): staff keep pace with need at the observed vacancy rate up
  to the first model year, then grow at a stated trend per métier. Its inflows are what the existing
  schools and ordinary hiring must supply for that path: inflow(t) = S(t) - (1 - retire - exit) S(t-1),
  split into school output (a published graduates-per-stock rate where one exists) and ordinary hiring.
* **Capacities**: extra training places per year at the training sites, the department's share of the
  regional Ségur extra places; apprenticeship contracts per bassin x métier, a share of the baseline stock.
* **Budgets**: the Département's roadmap envelope (S1) and the Région's envelope for extra training
  places (department share of the regional State funding for the Ségur places, per school year).
* **Pathways** (transitional and social reservoirs, immersions): promotion and VAE between métiers,
  reconversion from other sectors, immersions of jobseekers, civic service and carers; their durations,
  success rates, costs and caps are parameter records keyed by pathway (:func:`pathway_parameters`).
* **Labour pool**: jobseekers (France Travail, category ABC, 2021) in each métier's ROME code, split from
  each bassin d'emploi onto the bassins de vie it overlaps in proportion to population (commune
  populations of both zonings), and the tension index (1-5) as the overlap-weighted mean.
"""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import yaml

from gpec.atomic import write_atomic, write_csv, write_text
from gpec.errors import GpecError
from gpec.geo.graph import adjacency_graph, travel_matrix

CSF = "data/raw/care_sector_figures.csv"
BASE_YEAR = 2023
FIRST_MODEL_YEAR = 2026
LAST_YEAR = 2035
#: Data years after the horizon: the model's tail (the longest course, IFSI, lasts 3 years), so that a
#: decision of the last year is valued for what it delivers (gpec.models.workforce)
TAIL_YEARS = 3
ASSUMPTION = "assumption"

METIERS = [
    # metier, label, ROME, training route, source
    ("as", "Aide-soignant", "J1501", "DEAS (IFAS)", "P12;data/raw/tension_metiers_soin_bassins_emploi_2021.csv"),
    ("ide", "Infirmier", "J1506", "DEI (IFSI)", "P15;data/raw/tension_metiers_soin_bassins_emploi_2021.csv"),
    ("aes", "Accompagnant éducatif et social", "K1301", "DEAES", "P13;data/raw/tension_metiers_soin_bassins_emploi_2021.csv"),
    ("adv", "Aide à domicile / auxiliaire de vie", "K1302", "TP ADVF or DEAES",
     "P13;data/raw/tension_metiers_soin_bassins_emploi_2021.csv"),
    ("ash", "Agent de service hospitalier", "J1301", "none required",
     "data/raw/tension_metiers_soin_bassins_emploi_2021.csv"),
]

# Training sites: no institute-level data is in data/raw (parameters.md gap 9). The Landes IFSI and IFAS
# are run by the two hospital centres of Dax and Mont-de-Marsan: an assumption, editable in the instance.
TRAINING_SITES = {"40": ["40088", "40192"]}
# Department's Ségur extra places: NA extra places over the 3 school years 2021-2023 (rows 38-40).
NA_EXTRA_PLACES_3Y = {"ide": (650, 38), "as": (715, 39), "aes": (450 / 2, 40), "adv": (450 / 2, 40)}
NA_STATE_FUNDING_EUR = (28.4e6, 37)  # State funding for 1,828 NA extra places, 2021-22 (row 37)


def _p(name, key, value, low, high, unit, confidence, source, note=""):
    return dict(name=name, key=key, value=value, low=low, high=high, unit=unit, confidence=confidence,
                source=source, note=note)


def default_parameters(home_aides_per_1000_75p: float, metro_75p: int) -> list[dict]:
    """The parameter records (value, range, unit, confidence, source) of ``../design/parameters.md``."""
    rows = [
        _p("vacancy_rate", "", 0.05, 0.03, 0.10, "share of need", "pub", f"{CSF}#row=59",
           "unfilled posts in the autonomy sector, Dec 2021; assumed to hold until the first model year"),
        _p("pop75_growth", "", 0.025, 0.01, 0.04, "1/yr", "ass", ASSUMPTION,
           "no 75+ projection by bassin in data/raw; P30: 36.3 % of Landais 60+ in 2030"),
        _p("pop85_growth", "", 0.025, 0.01, 0.04, "1/yr", "ass", ASSUMPTION, "no 85+ projection by bassin"),
        _p("ssiad_places_per_1000_75p", "", 20.9, 20.3, 20.9, "places per 1,000 75+", "pub", f"{CSF}#row=72",
           "Nouvelle-Aquitaine 2018; France 20.3 (row 84); split by bassin in proportion to 75+"),
        _p("ratio_ehpad_as_aes", "", 0.245, 0.20, 0.30, "FTE per place", "pub", "P1",
           "aides-soignants + AES/AMP per EHPAD place (DREES EHPA 2015)"),
        _p("share_as_in_as_aes", "", 0.8, 0.6, 0.9, "share", "ass", ASSUMPTION,
           "split of the combined EHPAD as+aes ratio (parameters.md §9.4)"),
        _p("ratio_ehpad", "ide", 0.060, 0.05, 0.08, "FTE per place", "pub", "P1"),
        _p("ratio_ehpad", "ash", 0.196, 0.15, 0.25, "FTE per place", "der", f"P2;{CSF}#row=56",
           "ASH = 31.2 % of EHPAD staff (CNSA 2017) x 62.8 FTE per 100 places"),
        _p("ratio_ssiad", "as", 0.17, 0.136, 0.204, "FTE per place", "der", "P3",
           "24,300 FTE / 106,000 places, aides-soignants > 75 %"),
        _p("ratio_ssiad", "ide", 0.034, 0.027, 0.041, "FTE per place", "der", "P3", "nurses 15 % of SSIAD FTE"),
        _p("home_aides_per_1000_75p", "", round(home_aides_per_1000_75p, 2), 64.7,
           round(home_aides_per_1000_75p, 2), "persons per 1,000 75+", "der",
           f"{CSF}#row=25;data/raw/communes_bv2022.csv",
           f"570,000 aides à domicile / {metro_75p:,} metropolitan 75+ (RP 2022); 64.7 with providers' "
           "employees only (422,000)"),
        _p("persons_per_fte_home", "", 1.35, 1.14, 1.6, "persons per FTE", "ass", ASSUMPTION,
           "home-care aides work part time more often than EHPAD staff; the EHPAD figure 1.14 "
           f"({CSF}#row=55: 430,000 persons / 377,000 FTE) is the lower bound (parameters.md §9.3)"),
    ]
    retire = {"as": (0.039, "der", "P5;P4"), "adv": (0.033, "der", f"P6;{CSF}#row=25"),
              "ide": (0.022, "der", "P5;P4"), "aes": (0.035, "ass", ASSUMPTION), "ash": (0.035, "ass", ASSUMPTION)}
    for m, (v, conf, src) in retire.items():
        rows.append(_p("retire_rate", m, v, 0.02, 0.05, "1/yr", conf, src,
                       "DARES Métiers 2030 departures 2019-30 / 11 yr / stock" if conf == "der" else ""))
    exits = {"as": 0.06, "ide": 0.06, "adv": 0.10, "aes": 0.06, "ash": 0.08}
    for m, v in exits.items():
        rows.append(_p("exit_rate", m, v, 0.03, 0.15, "1/yr", "ass", ASSUMPTION,
                       "exits from the métier in the territory, not employer turnover (P7; S2 note 19)"))
    for m in exits:
        rows.append(_p("stock_trend", m, 0.01, 0.0, 0.025, "1/yr", "ass", ASSUMPTION,
                       "growth of staff in post without any lever, from the first model year (stated trend)"))
    school = {"ide": (0.0409, "der", f"{CSF}#row=51;P4", "24,500 graduates a year / 598,900 nurses"),
              "as": (0.0538, "der", "P31;P4", "22,800 graduates a year / 423,500 aides-soignants"),
              "aes": (0.04, "ass", ASSUMPTION, ""), "adv": (0.02, "ass", ASSUMPTION, ""),
              "ash": (0.0, "ass", ASSUMPTION, "no diploma required")}
    for m, (v, conf, src, note) in school.items():
        rows.append(_p("school_output_rate", m, v, 0.0, 0.08, "graduates per FTE in post per yr", conf, src,
                       note + "; splits the baseline inflow into school output and ordinary hiring"))
    rows += [
        _p("training_years", "as", 1, 1, 1, "yr", "pub", "P12", "12 months, 1,540 h"),
        _p("training_years", "ide", 3, 3, 3, "yr", "pub", "P15"),
        _p("training_years", "aes", 1, 1, 2, "yr", "pub", "P13", "1,407 h over 12-18 months"),
        _p("training_years", "adv", 1, 1, 1, "yr", "ass", ASSUMPTION, "TP ADVF or DEAES route"),
        _p("training_years", "ash", 0, 0, 0, "yr", "ass", ASSUMPTION, "no diploma required: no training lever"),
        _p("dropout", "ide", 0.14, 0.11, 0.22, "share of a cohort", "pub", f"{CSF}#row=47"),
        _p("dropout", "as", 0.10, 0.10, 0.13, "share of a cohort", "pub", f"{CSF}#row=49"),
        _p("dropout", "aes", 0.15, 0.08, 0.16, "share of a cohort", "pub", "P11"),
        _p("dropout", "adv", 0.16, 0.08, 0.20, "share of a cohort", "pub", "P10", "DEAES home-care specialty"),
        _p("cost_training_place", "ide", 7600, 6600, 8740, "EUR per student-year", "pub", "P16"),
        _p("cost_training_place", "as", 6200, 6200, 8000, "EUR per student-year", "pub", "P12"),
        _p("cost_training_place", "aes", 7000, 6000, 8000, "EUR per student-year", "ass", ASSUMPTION),
        _p("cost_training_place", "adv", 7000, 6000, 8000, "EUR per student-year", "ass", ASSUMPTION,
           "DEAES route, as aes"),
    ]
    for m in ("as", "ide", "aes"):
        rows.append(_p("cost_apprentice", m, 8100, 2000, 10000, "EUR per contract-year", "der", "P17;P18;P19",
                       "public employer (54 of 59 Landes EHPAD): 12 x 926 EUR pay - 3,000 EUR aid"))
    rows.append(_p("cost_apprentice", "adv", 5100, 2000, 10000, "EUR per contract-year", "der",
                   f"P17;P19;{CSF}#row=25", "home-care employers are mostly private (96 %): 12 x 926 - 6,000 EUR aid"))
    rows += [
        _p("apprentice_conversion", "", 0.7, 0.5, 0.95, "share", "ass", "P20",
           "completed apprentices hired by their employer (anecdote: 'almost all' at AP-HM)"),
        _p("apprentice_max_share", "", 0.02, 0.005, 0.05, "contracts per FTE in post per yr", "ass", ASSUMPTION,
           "employers' tutoring capacity"),
        _p("retain_local", "", 0.5, 0.25, 0.8, "share", "ass", "P29",
           "graduates taking their first job in the bassin where they trained; the rest stay in the department"),
        _p("decay_km", "", 30, 15, 60, "km", "ass", ASSUMPTION, "distance decay exp(-d/d0) for the other graduates"),
    ]
    for m in exits:
        rows.append(_p("unmet_weight", m, 1.0, 0.5, 2.0, "weight per FTE-year", "ass", ASSUMPTION,
                       "every FTE-year of unmet need counts the same"))
    rows += spatial_parameters()
    rows += pathway_parameters()
    return rows


def spatial_parameters() -> list[dict]:
    """Travel and the spatial levers: shared QVCT posts, vehicles, intermittent pools (parameters.md §5-6)."""
    return [
        _p("road_detour_factor", "", 1.3, 1.2, 1.5, "road km per great-circle km", "ass", ASSUMPTION),
        _p("avg_speed_kmh", "", 60, 45, 80, "km/h", "ass", ASSUMPTION, "average road speed, rural department"),
        _p("cost_qvct_officer", "", 55000, 45000, 70000, "EUR per post-year", "ass", "P2",
           "no salary source; anchor: loaded IDE cost in EHPAD 53,440 EUR/yr (CNSA 2017)"),
        _p("qvct_structures_per_officer", "", 6, 5, 8, "structures per post", "pub", "P28",
           "ANACT/ARACT clusters group 5-8 structures"),
        _p("qvct_radius_min", "", 30, 20, 60, "minutes", "ass", ASSUMPTION,
           "longest trip from the post's bassin centre to a structure it serves"),
        _p("eff_qvct_exit", "", 0.10, 0.0, 0.25, "relative cut of exit_rate", "ass", "P7",
           "no quantified evaluation; staffing and pay lower departure probability"),
        _p("cost_vehicle", "", 2900, 1900, 4000, "EUR per vehicle-year", "der", "P24;P25;P26",
           "Dordogne 3.8 MEUR/yr / 1,327 cars; Ain 1,920 incl. fuel; long-term lease with maintenance"),
        _p("cofund_mobility", "", 0.0, 0.0, 0.5, "share of vehicle cost paid by others", "ass", "P27",
           "national mobility fund 2025; share not known"),
        _p("eff_vehicle_exit", "", 0.20, 0.0, 0.40, "relative cut of the adv exit_rate per driver", "ass", "P23"),
        _p("eff_vehicle_hire", "", 0.2, 0.0, 0.5, "extra adv hires per vehicle-year", "ass", "P24"),
        _p("vehicle_max_density", "", 100, 50, 300, "inhabitants per km2", "ass", ASSUMPTION,
           "vehicles only in bassins at most this dense (whole-bassin density, data/raw/bassins_de_vie_2022.csv)"),
        _p("vehicle_max_share", "", 0.25, 0.1, 0.5, "vehicles per adv FTE in post", "ass", ASSUMPTION,
           "largest fleet per bassin, as a share of the baseline adv stock of the first model year"),
        _p("cost_pool_fte", "as", 38753, 38753, 50000, "EUR per pool FTE-year", "pub", "P2",
           "CNSA 2017 loaded salary"),
        _p("cost_pool_fte", "aes", 38753, 38753, 50000, "EUR per pool FTE-year", "pub", "P2",
           "CNSA 2017 loaded salary (aide-soignant level)"),
        _p("cost_pool_fte", "ide", 53440, 53440, 65000, "EUR per pool FTE-year", "pub", "P2",
           "CNSA 2017 loaded salary"),
        _p("pool_coordination", "", 0.15, 0.0, 0.30, "share added to salaries", "ass", ASSUMPTION),
        _p("pool_radius_min", "", 30, 20, 60, "minutes", "ass", ASSUMPTION,
           "bassins a pool based in a bassin can serve (travel between bassin centres)"),
        _p("eff_pool_fill", "", 0.9, 0.7, 1.0, "FTE need covered per pool FTE", "ass", ASSUMPTION),
        _p("pool_max_share", "", 0.10, 0.05, 0.20, "share of need", "ass", ASSUMPTION,
           "largest share of a bassin's need intermittent pools may cover"),
        _p("pool_trips_per_year", "", 200, 150, 230, "trips per FTE-year", "ass", ASSUMPTION, "working days"),
        _p("travel_cost_per_minute", "", 0.5, 0.3, 1.0, "EUR per minute of travel", "ass", ASSUMPTION,
           "staff time and car; a round trip is 2 x the minutes"),
        _p("budget_carry_over", "", 1.0, 0.0, 1.0, "share of unspent envelope", "ass", ASSUMPTION,
           "unspent euros of a yearly envelope stay available in later years, as multi-year programme credits "
           "(autorisations d'engagement) allow; the Region's envelope is itself a 3-year total split evenly; "
           "0 = strictly yearly envelopes"),
    ]


#: Pathways of the transitional and social reservoirs and immersions (``pathways.csv``):
#: pathway, lever, reservoir, mode, from_metier, to_metier, cap_basis, draws_labour_pool, whole_places, source.
#: Every pathway is a programme the Région or the Département buys for the department (reconversion places
#: in its institutes, a collective VAE, sourcing cells, civic service...): whole places in the territory,
#: allocated over bassins within each bassin's cap (rounding the caps bassin by bassin would leave the
#: smaller bassins, and some whole pathways, with none).
PATHWAYS = [
    ("ash_as_promotion", "promotion", "transitional", "out_of_post", "ash", "as", "source_stock", 0, "territory",
     "P12: qualified ASH are exempt from the IFAS selection (promotion professionnelle)"),
    ("as_ide_promotion", "promotion", "transitional", "out_of_post", "as", "ide", "source_stock", 0, "territory",
     "P15: IFSI entry for aides-soignants with professional experience"),
    ("aes_as_passerelle", "promotion", "transitional", "out_of_post", "aes", "as", "source_stock", 0, "territory",
     "S2 (passerelles between care métiers); partial DEAS exemptions for DEAES holders: assumption"),
    ("as_aes_passerelle", "promotion", "transitional", "out_of_post", "as", "aes", "source_stock", 0, "territory",
     "S2 (passerelles between care métiers); partial DEAES exemptions for DEAS holders: assumption"),
    ("ash_as_vae", "vae", "transitional", "in_post", "ash", "as", "source_stock", 0, "territory",
     "S3 (collective VAE project, ARS AURA); S2 (VAE for 'faisant fonction')"),
    ("adv_aes_vae", "vae", "transitional", "in_post", "adv", "aes", "source_stock", 0, "territory",
     "S3 (collective VAE project); DEAES by VAE for aides à domicile: assumption"),
    ("reconversion_as", "reconversion", "transitional", "external", "", "as", "target_stock", 1, "territory",
     "S1 (ARS: people from outside the sector with tailored routes); course as the school route (P12)"),
    ("reconversion_ide", "reconversion", "transitional", "external", "", "ide", "target_stock", 1, "territory",
     "S1; course as the school route (P15)"),
    ("reconversion_aes", "reconversion", "transitional", "external", "", "aes", "target_stock", 1, "territory",
     "S1; course as the school route (P13)"),
    ("reconversion_adv", "reconversion", "transitional", "external", "", "adv", "target_stock", 1, "territory",
     "S1; course as the school route (P13)"),
    ("immersion_ash", "immersion", "primary", "external", "", "ash", "population", 1, "territory",
     "S3: sourcing cells, 346 immersions -> 84 hires; ASH needs no diploma"),
    ("immersion_adv", "immersion", "primary", "external", "", "adv", "population", 1, "territory",
     "S3: sourcing cells targeted aides à domicile too; hiring without a diploma is common in home care"),
    ("service_civique", "social", "social", "external", "", "ash", "population", 0, "territory",
     "S1 (yearly civic-service volunteers in partner structures); S2: 1 volunteer in 3 goes on in the sector"),
    ("carers", "social", "social", "external", "", "adv", "population", 0, "territory",
     "S2 (converting the experience of carers, proches aidants); route to home care: assumption"),
]


def pathway_parameters() -> list[dict]:
    """Duration, success, cost and yearly cap of every pathway (keyed by pathway id), and the labour-pool share."""
    A = ASSUMPTION
    # pathway: (years, success, cost EUR per place-year, cap rate), each as (value, low, high, confidence, source, note)
    spec = {
        "ash_as_promotion": ((1, 1, 1, "pub", "P12", "IFAS course, 12 months"),
                             (0.90, 0.87, 0.90, "der", f"{CSF}#row=49", "1 - IFAS dropout"),
                             (6200, 6200, 8000, "pub", "P12", "IFAS tuition; the salary is kept by the employer"),
                             (0.02, 0.0, 0.05, "ass", A, "promo_rate ash->as (parameters.md §4): places per ASH FTE")),
        "as_ide_promotion": ((3, 3, 3, "pub", "P15", "IFSI course"),
                             (0.86, 0.78, 0.89, "der", f"{CSF}#row=47", "1 - IFSI dropout"),
                             (7600, 6600, 8740, "pub", "P16", "IFSI tuition"),
                             (0.01, 0.0, 0.05, "ass", A, "promo_rate as->ide (parameters.md §4): places per AS FTE")),
        "aes_as_passerelle": ((1, 1, 1, "ass", A, "shortened DEAS course for DEAES holders"),
                              (0.90, 0.85, 0.95, "ass", A, "as the IFAS course"),
                              (3100, 2000, 6200, "ass", A, "half the IFAS tuition (modules exempted)"),
                              (0.01, 0.0, 0.05, "ass", A, "places per AES FTE")),
        "as_aes_passerelle": ((1, 1, 1, "ass", A, "shortened DEAES course for DEAS holders"),
                              (0.85, 0.80, 0.95, "ass", A, "as the DEAES course"),
                              (3500, 2000, 7000, "ass", A, "half the DEAES cost (modules exempted)"),
                              (0.01, 0.0, 0.05, "ass", A, "places per AS FTE")),
        "ash_as_vae": ((1, 1, 2, "ass", A, "VAE procedure with accompaniment"),
                       (0.60, 0.4, 0.8, "ass", A, "no validation rate found"),
                       (2500, 1000, 4000, "ass", A, "VAE accompaniment; no cost found"),
                       (0.02, 0.0, 0.05, "ass", A, "candidates per ASH FTE")),
        "adv_aes_vae": ((1, 1, 2, "ass", A, "VAE procedure with accompaniment"),
                        (0.60, 0.4, 0.8, "ass", A, "no validation rate found"),
                        (2500, 1000, 4000, "ass", A, "VAE accompaniment; no cost found"),
                        (0.02, 0.0, 0.05, "ass", A, "candidates per adv FTE")),
        "immersion_ash": ((1, 1, 1, "ass", A, "an immersion lasts days; the hire joins the next year"),
                          (0.24, 0.1, 0.4, "pub", "S3", "84 hires / 346 immersions (ARS AURA sourcing cells)"),
                          (400, 100, 1500, "ass", A, "sourcing-cell time per immersion; no cost found"),
                          (0.021, 0.0, 0.2, "der", "S3;data/raw/communes_bv2022.csv",
                           "immersions per 1,000 inhabitants a year: half of 346 a year / 8,163,884 inhabitants of "
                           "Auvergne-Rhône-Alpes (the other half: immersion_adv)")),
        "immersion_adv": ((1, 1, 1, "ass", A, "an immersion lasts days; the hire joins the next year"),
                          (0.24, 0.1, 0.4, "pub", "S3", "84 hires / 346 immersions (ARS AURA sourcing cells)"),
                          (400, 100, 1500, "ass", A, "sourcing-cell time per immersion; no cost found"),
                          (0.021, 0.0, 0.2, "der", "S3;data/raw/communes_bv2022.csv",
                           "immersions per 1,000 inhabitants a year: half of 346 a year / 8,163,884 inhabitants of "
                           "Auvergne-Rhône-Alpes (the other half: immersion_ash)")),
        "service_civique": ((1, 1, 1, "ass", A, "a civic-service year, then the job"),
                            (0.33, 0.2, 0.4, "pub", "S2", "1 volunteer in 3 goes on to study or work in the sector "
                                                           "(FEHAP 2021); counted as entering as ASH"),
                            (1300, 600, 2500, "ass", A, "host structure's share of the allowance; no figure found"),
                            (0.1, 0.0, 0.5, "ass", A, "volunteers per 1,000 inhabitants a year (France: about 2 "
                                                      "per 1,000 a year in all sectors)")),
        "carers": ((1, 1, 1, "ass", A, "one year of accompaniment towards home-care work"),
                   (0.20, 0.05, 0.4, "ass", A, "no figure found"),
                   (1500, 500, 3000, "ass", A, "accompaniment of a carer; no figure found"),
                   (0.05, 0.0, 0.3, "ass", A, "carers accompanied per 1,000 inhabitants a year")),
    }
    # métier: years (source), dropout (source), cost (source), as the school route of training_years/dropout/cost
    school = {"as": (1, "P12", 0.10, f"{CSF}#row=49", 6200, "P12"), "ide": (3, "P15", 0.14, f"{CSF}#row=47", 7600, "P16"),
              "aes": (1, "P13", 0.15, "P11", 7000, A), "adv": (1, A, 0.16, "P10", 7000, A)}
    for m, (years, years_src, dropout, dropout_src, cost, src) in school.items():
        spec[f"reconversion_{m}"] = (
            (years, years, years, "ass" if years_src == A else "pub", years_src, "same course as the school route"),
            (round(1 - dropout, 2), 0.75, 0.95, "der", dropout_src, "1 - dropout of the school route"),
            (cost, 0.8 * cost, 1.3 * cost, "pub" if src != A else "ass", src,
             "course cost as a school place; the trainee's allowance is paid by France Travail (assumption)"),
            (0.02, 0.0, 0.05, "ass", A, "places per FTE of the target métier"))
    names = ("pathway_years", "pathway_success", "pathway_cost", "pathway_cap_rate")
    units = ("yr", "share", "EUR per place-year", "places per basis unit per yr")
    rows = []
    for pathway, records in spec.items():
        for name, unit, (value, low, high, conf, src, note) in zip(names, units, records):
            rows.append(_p(name, pathway, value, low, high, unit, conf, src, note))
    rows.append(_p("labour_pool_share", "", 0.5, 0.2, 1.0, "share of jobseekers per yr", "ass", A,
                   "share of the local jobseekers (ROME codes of the métiers) that funded recruitment levers "
                   "can draw on each year"))
    return rows


def post_types() -> pd.DataFrame:
    """Posts that structures share in groupements d'employeurs (``post_types.csv``): need per place and
    per structure (FTE), loaded cost of a post, visits of the post holder to a member a year."""
    A = ASSUMPTION
    rows = [
        ("night_nurse", "Infirmier de nuit mutualisé", 0.0114, 0.0, 53440, 100,
         "need: one night presence (10 h x 365 nights = 3,650 h = 2.27 FTE of 1,607 h) shared by 200 places: "
         "assumption (S3: night nurses shared by EHPAD, 447 EHPAD / 37,000 places covered in AURA); cost: loaded "
         "IDE cost in EHPAD (P2); visits: assumption"),
        ("qvct_officer", "Chargé de QVCT mutualisé", 0.0, round(1 / 6, 4), 55000, 24,
         "need: one officer for 6 structures (P28: ANACT/ARACT clusters of 5-8); cost: assumption (P2 anchor); "
         "visits: twice a month, assumption"),
        ("psychologist", "Psychologue", 0.005, 0.0, 55000, 48,
         f"need: 0.4 FTE for 80 places, cost and visits: {A} (no staffing norm in data/raw)"),
        ("occupational_therapist", "Ergothérapeute", 0.004, 0.0, 48000, 48,
         f"need: 0.32 FTE for 80 places, cost and visits: {A} (no staffing norm in data/raw)"),
    ]
    return pd.DataFrame(rows, columns=["post_type", "label", "need_per_place", "need_per_structure", "cost_eur",
                                       "visits_per_year", "source"])


def build_structures_instance(deps: list[str], raw: Path, out: Path) -> Path:
    """A groupings folder (``gpec groups``) for several departments: their EHPAD, the post types and the
    travel parameters. The stock-and-flow model needs 75+/85+ by commune, which data/raw has for the
    Landes only, so this folder has no bassins, needs or budgets. EHPAD without a permanent capacity in
    the FINESS file are left out (their need is unknown); the folder's README names them."""
    ehpad = pd.read_csv(raw / "ehpad_finess_landes_pyrenees_atlantiques.csv",
                        dtype={"dep": str, "finess_et": str, "bv2022": str})
    missing = sorted(set(deps) - set(ehpad["dep"]))
    if missing:
        raise GpecError(f"instance build --dep {','.join(deps)}: data/raw has no EHPAD of department {missing[0]} "
                        "(ehpad_finess_landes_pyrenees_atlantiques.csv: 40, 64)")
    known = ehpad["capacite_hebergement_permanent"].notna()
    unknown = ehpad[~known & ehpad["dep"].isin(deps)]
    structures = _structures(ehpad[known], deps)  # keeps the file's row numbers in the sources
    params = pd.DataFrame([r for r in spatial_parameters()
                           if r["name"] in ("road_detour_factor", "avg_speed_kmh", "travel_cost_per_minute")])
    name = "_".join({"40": "landes", "64": "pyrenees_atlantiques"}.get(d, d) for d in deps)
    out.mkdir(parents=True, exist_ok=True)
    meta = {"name": name, "kind": "structures (gpec groups only)",
            "description": f"EHPAD of departments {', '.join(deps)} for groupements d'employeurs",
            "built_by": f"gpec instance build --dep {','.join(deps)} (gpec/builder.py) from data/raw"}
    write_text(out / "instance.yaml", yaml.safe_dump(meta, sort_keys=False, allow_unicode=True))
    write_csv(out / "structures.csv", structures)
    write_csv(out / "post_types.csv", post_types())
    write_csv(out / "parameters.csv", params)
    left_out = "\n".join(f"- {r.finess_et} {r.raison_sociale} ({r.libelle_commune}): no permanent capacity "
                         "in the FINESS file" for r in unknown.itertuples()) or "- none"
    write_text(out / "README.md", f"# {name}: EHPAD for `gpec groups`\n\nBuilt by `{meta['built_by']}`: "
               f"{len(structures)} EHPAD ({int(structures['places'].sum()):,} permanent places), the post types "
               "of `post_types.csv` and the travel parameters (great-circle km x road_detour_factor / "
               "avg_speed_kmh between EHPAD points). No bassins, needs or budgets: the stock-and-flow model "
               "needs 75+/85+ by commune, which data/raw has for the Landes only.\n\nLeft out:\n"
               f"{left_out}\n")
    return out


def build_instance(dep: str | list[str], raw: str | Path, out: str | Path) -> Path:
    """Build the instance of one or more departments from ``raw`` (the ``data/raw`` folder) into ``out``:
    the full instance for the Landes (40); for other departments or several, a groupings folder
    (:func:`build_structures_instance`)."""
    deps = [dep] if isinstance(dep, str) else list(dep)
    raw, out = Path(raw), Path(out)
    if not raw.is_dir():
        raise GpecError(f"{raw}: raw data folder not found (run from the repository root or pass --raw)")
    if deps != ["40"]:
        return build_structures_instance(deps, raw, out)
    communes = pd.read_csv(raw / "communes_bv2022.csv", dtype={"code_commune": str, "dep": str, "bv2022": str, "epci": str,
                                                               "reg": str})
    ages = pd.read_csv(raw / "landes_pop_75_85_rp2023.csv", dtype={"code_commune": str, "bv2022": str})
    bv = pd.read_csv(raw / "bassins_de_vie_2022.csv", dtype={"bv2022": str, "dep_pole": str})
    ehpad = pd.read_csv(raw / "ehpad_finess_landes_pyrenees_atlantiques.csv",
                        dtype={"dep": str, "finess_et": str, "bv2022": str})

    bassins = _bassins(ages, communes, bv)
    metro = communes[~communes["dep"].str.startswith("97")]
    metro_75p = int(metro["pop_75p_rp2022"].sum())
    params = pd.DataFrame(default_parameters(570_000 / metro_75p * 1000, metro_75p))
    pv = {(r.name, r.key): r.value for r in params.itertuples()}

    structures = _structures(ehpad, deps)
    stock = _stock(bassins, structures, pv)
    need = _need(stock, pv)
    baseline = _baseline(need, pv)
    dep_pop = communes.loc[communes["dep"].isin(deps), "pop_municipale_2022"].sum()
    reg = communes.loc[communes["dep"].isin(deps), "reg"].iloc[0]
    reg_pop = communes.loc[communes["reg"] == reg, "pop_municipale_2022"].sum()
    share = dep_pop / reg_pop
    training = _training_capacity(deps[0], share, dep_pop, reg_pop)
    apprenticeship = _apprenticeship_capacity(baseline, pv)
    budget = _budget(share, dep_pop, reg_pop)
    levers = pd.DataFrame([
        dict(lever="training", funder="region", source="P16;S1: training places are funded by the Région"),
        dict(lever="apprenticeship", funder="departement", source="S1: apprenticeship contracts in ESMS"),
        dict(lever="qvct", funder="departement", source="S1: shared QVCT officer posts"),
        dict(lever="vehicles", funder="departement", source="S1: mobility solutions for home-care workers"),
        dict(lever="pools", funder="departement", source="S2 (bank of intermittent professionals); funder: assumption"),
        dict(lever="promotion", funder="region", source="S1: the Région funds sanitary and social training"),
        dict(lever="vae", funder="departement", source="S3 (collective VAE, co-funded); funder: assumption"),
        dict(lever="reconversion", funder="region", source="S1: the Région funds training of jobseekers"),
        dict(lever="immersion", funder="departement", source="S3 (sourcing cells); funder: assumption"),
        dict(lever="social", funder="departement", source="S1: civic-service volunteers in partner structures"),
    ])
    pathways = pd.DataFrame(PATHWAYS, columns=["pathway", "lever", "reservoir", "mode", "from_metier", "to_metier",
                                               "cap_basis", "draws_labour_pool", "whole_places", "source"])
    labour_pool = _labour_pool(raw, deps, communes)
    polygons = _polygons(raw, bassins)
    travel = _travel(polygons, bassins, pv)
    staff = _structure_staff(structures, pv)
    metiers = pd.DataFrame(METIERS, columns=["metier", "label", "rome", "training_route", "source"])

    out.mkdir(parents=True, exist_ok=True)
    meta = {
        "name": "landes",
        "description": "Landes (40): 29 bassins de vie (BV2022, Landes communes only), 5 métiers, "
                       f"data {BASE_YEAR}-{LAST_YEAR + TAIL_YEARS}",
        "base_year": BASE_YEAR,
        "horizon": [FIRST_MODEL_YEAR, LAST_YEAR],
        "built_by": "gpec instance build --dep 40 (gpec/builder.py) from data/raw (see data/raw/SOURCES.md)",
    }
    write_text(out / "instance.yaml", yaml.safe_dump(meta, sort_keys=False, allow_unicode=True))
    for name, table in [("bassins.csv", bassins), ("metiers.csv", metiers), ("structures.csv", structures),
                        ("parameters.csv", params), ("stock.csv", stock), ("need.csv", need),
                        ("baseline.csv", baseline), ("training_capacity.csv", training),
                        ("apprenticeship_capacity.csv", apprenticeship), ("budget.csv", budget),
                        ("levers.csv", levers), ("travel.csv", travel), ("structure_staff.csv", staff),
                        ("pathways.csv", pathways), ("labour_pool.csv", labour_pool), ("post_types.csv", post_types())]:
        write_csv(out / name, table)
    write_atomic(out / "bassins.geojson", lambda p: polygons.to_file(p, driver="GeoJSON", layer="bassins"))
    return out


def _bassins(ages: pd.DataFrame, communes: pd.DataFrame, bv: pd.DataFrame) -> pd.DataFrame:
    df = ages.merge(communes[["code_commune", "centroid_lon", "centroid_lat"]], on="code_commune", how="left")
    if df["centroid_lon"].isna().any():
        raise GpecError("communes_bv2022.csv lacks a centroid for some commune of the age file")
    w = df["pop_rp2023"]
    df["wlon"], df["wlat"] = df["centroid_lon"] * w, df["centroid_lat"] * w
    g = df.groupby("bv2022").agg(population=("pop_rp2023", "sum"), pop75=("pop_75p_rp2023", "sum"),
                                 pop85=("pop_85p_rp2023", "sum"), wlon=("wlon", "sum"), wlat=("wlat", "sum"))
    g["lon"], g["lat"] = (g["wlon"] / g["population"]).round(5), (g["wlat"] / g["population"]).round(5)
    g = g.reset_index().rename(columns={"bv2022": "bassin"})
    bv = bv.assign(density=(bv["pop_municipale_2022"] / bv["area_km2"]).round(2))
    g = g.merge(bv[["bv2022", "libelle_bv2022", "dep_pole", "density"]].rename(
        columns={"bv2022": "bassin", "libelle_bv2022": "name"}), on="bassin", how="left")
    g["source"] = ("data/raw/landes_pop_75_85_rp2023.csv (sum by bv2022, RP 2023); centre: data/raw/communes_bv2022.csv "
                   "centroids weighted by population; name, density (whole bassin, inhabitants per km2): "
                   "data/raw/bassins_de_vie_2022.csv")
    return g[["bassin", "name", "dep_pole", "population", "pop75", "pop85", "lon", "lat", "density", "source"]]


def _structures(ehpad: pd.DataFrame, deps: list[str]) -> pd.DataFrame:
    e = ehpad.reset_index().rename(columns={"index": "i"})
    e = e[e["dep"].isin(deps)]
    return pd.DataFrame({
        "structure": e["finess_et"], "name": e["raison_sociale"], "category": "ehpad", "statut": e["statut"],
        "bassin": e["bv2022"], "lon": e["lon"], "lat": e["lat"],
        "places": e["capacite_hebergement_permanent"].astype(int),
        "source": [f"data/raw/ehpad_finess_landes_pyrenees_atlantiques.csv#row={i + 1}" for i in e["i"]],
    })


def _stock(bassins: pd.DataFrame, structures: pd.DataFrame, pv: dict) -> pd.DataFrame:
    places = structures.groupby("bassin")["places"].sum().reindex(bassins["bassin"]).fillna(0).to_numpy()
    pop75 = bassins["pop75"].to_numpy(float)
    ssiad = pv[("ssiad_places_per_1000_75p", "")] * pop75 / 1000
    as_aes = pv[("ratio_ehpad_as_aes", "")]
    share_as = pv[("share_as_in_as_aes", "")]
    home = pv[("home_aides_per_1000_75p", "")] * pop75 / 1000 / pv[("persons_per_fte_home", "")]
    src_e = "EHPAD places (structures.csv) x {}"
    parts = [
        ("as", "ehpad", places * as_aes * share_as, src_e.format("ratio_ehpad_as_aes x share_as_in_as_aes")),
        ("aes", "ehpad", places * as_aes * (1 - share_as), src_e.format("ratio_ehpad_as_aes x (1 - share_as_in_as_aes)")),
        ("ide", "ehpad", places * pv[("ratio_ehpad", "ide")], src_e.format("ratio_ehpad[ide]")),
        ("ash", "ehpad", places * pv[("ratio_ehpad", "ash")], src_e.format("ratio_ehpad[ash]")),
        ("as", "ssiad", ssiad * pv[("ratio_ssiad", "as")], "pop75 x ssiad_places_per_1000_75p x ratio_ssiad[as]"),
        ("ide", "ssiad", ssiad * pv[("ratio_ssiad", "ide")], "pop75 x ssiad_places_per_1000_75p x ratio_ssiad[ide]"),
        ("adv", "home", home, "pop75 x home_aides_per_1000_75p / persons_per_fte_home"),
    ]
    rows = [pd.DataFrame({"bassin": bassins["bassin"], "metier": m, "setting": s, "stock_fte": v.round(3),
                          "source": "derived (observed 2023): " + src}) for m, s, v, src in parts]
    return pd.concat(rows, ignore_index=True)


def _need(stock: pd.DataFrame, pv: dict) -> pd.DataFrame:
    v = pv[("vacancy_rate", "")]
    growth = {"ehpad": pv[("pop85_growth", "")], "ssiad": pv[("pop75_growth", "")], "home": pv[("pop75_growth", "")]}
    years = np.arange(BASE_YEAR, LAST_YEAR + TAIL_YEARS + 1)
    s = stock.copy()
    s["g"] = s["setting"].map(growth)
    frames = []
    for y in years:
        f = s[["bassin", "metier"]].copy()
        f["year"] = y
        f["need_fte"] = s["stock_fte"] / (1 - v) * (1 + s["g"]) ** (y - BASE_YEAR)
        frames.append(f)
    need = pd.concat(frames).groupby(["bassin", "metier", "year"], as_index=False)["need_fte"].sum()
    need["need_fte"] = need["need_fte"].round(4)
    need["source"] = ("derived: stock.csv / (1 - vacancy_rate), grown by pop85_growth (EHPAD) or pop75_growth "
                      "(SSIAD, home care) from 2023")
    return need


def _baseline(need: pd.DataFrame, pv: dict) -> pd.DataFrame:
    v = pv[("vacancy_rate", "")]
    n = need.set_index(["bassin", "metier", "year"])["need_fte"].unstack("year")
    metiers = n.index.get_level_values("metier")
    trend = metiers.map(lambda m: pv[("stock_trend", m)]).to_numpy(float)
    survive = metiers.map(lambda m: 1 - pv[("retire_rate", m)] - pv[("exit_rate", m)]).to_numpy(float)
    school_rate = metiers.map(lambda m: pv[("school_output_rate", m)]).to_numpy(float)
    stock = pd.DataFrame(index=n.index, columns=n.columns, dtype=float)
    for y in n.columns:
        if y <= FIRST_MODEL_YEAR:
            stock[y] = n[y] * (1 - v)
        else:
            stock[y] = stock[y - 1] * (1 + trend)
    frames = []
    for y in n.columns[1:]:
        inflow = stock[y] - survive * stock[y - 1]
        school = np.minimum(inflow, school_rate * stock[y - 1])
        frames.append(pd.DataFrame({"year": y, "stock_fte": stock[y].round(4), "school_output_fte": school.round(4),
                                    "ordinary_hiring_fte": (inflow - school).round(4)}, index=n.index))
    base = pd.concat(frames).reset_index()
    base["source"] = (f"derived: staff keep pace with need at vacancy_rate until {FIRST_MODEL_YEAR}, then grow by "
                      "stock_trend; inflow = S(t) - (1 - retire_rate - exit_rate) S(t-1), school part = "
                      "school_output_rate x S(t-1)")
    return base[["bassin", "metier", "year", "stock_fte", "school_output_fte", "ordinary_hiring_fte", "source"]]


def _training_capacity(dep: str, share: float, dep_pop: int, reg_pop: int) -> pd.DataFrame:
    sites = TRAINING_SITES[dep]
    rows = []
    for m, (places_3y, row) in NA_EXTRA_PLACES_3Y.items():
        per_site = math.ceil(places_3y / 3 * share / len(sites))
        for site in sites:
            rows.append(dict(bassin=site, metier=m, max_places_per_year=per_site,
                             source=f"der: {CSF}#row={row} ({places_3y:g} NA extra places over 3 school years) / 3 x "
                                    f"department population share {dep_pop:,}/{reg_pop:,} "
                                    f"(data/raw/communes_bv2022.csv), split evenly over the sites; sites: assumption "
                                    "(IFSI/IFAS of the Dax and Mont-de-Marsan hospital centres)"))
    return pd.DataFrame(rows)


def _apprenticeship_capacity(baseline: pd.DataFrame, pv: dict) -> pd.DataFrame:
    s = baseline[baseline["year"] == FIRST_MODEL_YEAR]
    s = s[s["metier"].map(lambda m: pv[("training_years", m)] >= 1)]
    cap = np.ceil(s["stock_fte"] * pv[("apprentice_max_share", "")]).astype(int)
    return pd.DataFrame({"bassin": s["bassin"], "metier": s["metier"], "max_contracts_per_year": cap,
                         "source": f"der: apprentice_max_share (assumption) x baseline stock {FIRST_MODEL_YEAR}"})


def _budget(share: float, dep_pop: int, reg_pop: int) -> pd.DataFrame:
    funding, row = NA_STATE_FUNDING_EUR
    region = round(funding * share / 3)
    rows = []
    for y in range(BASE_YEAR, LAST_YEAR + TAIL_YEARS + 1):
        dept, src = 500_000, "S1 (2023 roadmap envelope)"
        if y == 2024:
            dept, src = 1_200_000, "P21 (2024 budget, incl. 400 kEUR apprenticeship)"
        elif y > 2024:
            src = "S1 (2023 roadmap envelope, carried forward: assumption)"
        rows.append(dict(funder="departement", year=y, eur=dept, source=src))
        rows.append(dict(funder="region", year=y, eur=region,
                         source=f"der: {CSF}#row={row} (28.4 MEUR State funding of NA extra places) x department "
                                f"population share {dep_pop:,}/{reg_pop:,} / 3 school years (the period is unclear: "
                                "assumption)"))
    return pd.DataFrame(rows)


def _polygons(raw: Path, bassins: pd.DataFrame) -> gpd.GeoDataFrame:
    shapes = gpd.read_file(raw / "bassins_de_vie_2022.geojson").rename(columns={"bv2022": "bassin"})
    shapes = shapes[shapes["bassin"].isin(bassins["bassin"])].sort_values("bassin")
    if len(shapes) != len(bassins):
        raise GpecError("bassins_de_vie_2022.geojson lacks a polygon for some bassin of the instance")
    return shapes[["bassin", "geometry"]].merge(bassins[["bassin", "name"]], on="bassin")[["bassin", "name", "geometry"]]


def _travel(polygons: gpd.GeoDataFrame, bassins: pd.DataFrame, pv: dict) -> pd.DataFrame:
    detour, speed = pv[("road_detour_factor", "")], pv[("avg_speed_kmh", "")]
    graph = adjacency_graph(polygons, bassins, detour, speed)
    table = travel_matrix(graph, bassins, detour, speed)
    table["minutes"] = table["minutes"].round(3)
    table["source"] = np.where(
        table["method"] == "graph",
        "der: shortest path over the bassin adjacency graph (data/raw/bassins_de_vie_2022.geojson polygons "
        "buffered 10 m in EPSG:2154); edge = great-circle km between centres x road_detour_factor / avg_speed_kmh",
        "der: no path in the adjacency graph: great-circle km x road_detour_factor / avg_speed_kmh")
    return table[["origin", "destination", "minutes", "source"]]


def _labour_pool(raw: Path, deps: list[str], communes: pd.DataFrame) -> pd.DataFrame:
    """Jobseekers and tension per bassin de vie x métier, from the bassins d'emploi (BMO 2019 zoning).

    A bassin d'emploi's jobseekers are split onto the bassins de vie it overlaps in proportion to
    population: share = population of the department's communes in both / population of the bassin
    d'emploi (all its communes, France). The tension index is the overlap-weighted mean over the bassins
    d'emploi that publish it.
    """
    zoning = pd.read_csv(raw / "communes_bassin_emploi_bmo2019.csv", dtype=str)
    tension = pd.read_csv(raw / "tension_metiers_soin_bassins_emploi_2021.csv", dtype={"bassin_emploi": str})
    tension = tension.reset_index().rename(columns={"index": "i"})
    c = communes[["code_commune", "dep", "bv2022", "pop_municipale_2022"]].merge(
        zoning[["code_commune", "bassin_emploi_bmo2019"]], on="code_commune", how="inner")
    be_pop = c.groupby("bassin_emploi_bmo2019")["pop_municipale_2022"].sum()
    overlap = (c[c["dep"].isin(deps)].groupby(["bv2022", "bassin_emploi_bmo2019"], as_index=False)
               ["pop_municipale_2022"].sum())
    overlap["share"] = overlap["pop_municipale_2022"] / overlap["bassin_emploi_bmo2019"].map(be_pop)
    rome = {m: r for m, _, r, _, _ in METIERS}
    t = tension[tension["code_rome"].isin(rome.values())]
    rows = []
    for bassin, parts in overlap.groupby("bv2022"):
        for metier, code in rome.items():
            hit = parts.merge(t[t["code_rome"] == code], left_on="bassin_emploi_bmo2019", right_on="bassin_emploi")
            jobseekers = float((hit["share"] * hit["demandeurs_emploi_abc"]).sum())
            w = hit["pop_municipale_2022"]
            index = float((w * hit["ind_tension_d"]).sum() / w.sum()) if w.sum() > 0 else np.nan
            split = ", ".join(f"{r.bassin_emploi} x {r.share:.4f} (row {r.i + 1})" for r in hit.itertuples())
            rows.append(dict(bassin=bassin, metier=metier, rome=code, jobseekers=round(jobseekers, 3),
                             tension=round(index, 2) if index == index else np.nan,
                             source=("der: data/raw/tension_metiers_soin_bassins_emploi_2021.csv demandeurs_emploi_abc "
                                     f"and ind_tension_d of bassins d'emploi {split or 'none published'}; share = "
                                     "overlap population / bassin d'emploi population (data/raw/communes_bv2022.csv, "
                                     "data/raw/communes_bassin_emploi_bmo2019.csv)")))
    return pd.DataFrame(rows)


def _structure_staff(structures: pd.DataFrame, pv: dict) -> pd.DataFrame:
    """Observed staff of each EHPAD (places x EHPAD staffing ratios), the staff a QVCT post reaches."""
    as_aes, share_as = pv[("ratio_ehpad_as_aes", "")], pv[("share_as_in_as_aes", "")]
    ratios = {"as": as_aes * share_as, "aes": as_aes * (1 - share_as), "ide": pv[("ratio_ehpad", "ide")],
              "ash": pv[("ratio_ehpad", "ash")]}
    rows = [pd.DataFrame({"structure": structures["structure"], "metier": m,
                          "staff_fte": (structures["places"] * r).round(3),
                          "source": "derived (observed 2023): places (structures.csv) x EHPAD staffing ratio "
                                    "(parameters ratio_ehpad_as_aes, share_as_in_as_aes, ratio_ehpad)"})
            for m, r in ratios.items()]
    return pd.concat(rows, ignore_index=True)
