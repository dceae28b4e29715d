"""The one translation table of people-facing labels (English and French) and number formatting for people.

Every label a person reads — status words, lever, funder, métier, reservoir and flow names, sheet
names, column headers with their units, summary lines — is an entry of :data:`LABELS`, keyed
``group.code`` (``status.optimal``, ``lever.training``, ``funder.departement``, ``sheet.summary``,
``column.unmet_fte_years``, ...), each with both languages of :data:`LANGUAGES`. Codes (bassin, métier,
lever, funder codes) are never translated: they stay in the outputs as they are, with these labels beside
them. Métiers are named by the instance's ``metiers.csv`` ``label`` when there is one (the official
French titles); the ``metier.*`` entries are the fallback. Funding bodies of ``funders.csv`` are named
from their kind and territory (``body.*``, ``body_envelope.*`` templates, :func:`funder_label`); bare
funder codes of instances without it by ``funder.*`` and ``envelope.*``.

Numbers for people (:func:`fmt_number`, :func:`fmt_eur`, :func:`fmt_percent`): English ``1,234.5``,
``€1,234``, ``12.5%``; French ``1 234,5``, ``1 234 €``, ``12,5 %`` with a narrow no-break space
(U+202F) between thousands and before ``%``, a no-break space (U+00A0) before ``€`` and a decimal
comma. A value that is not a finite number (``None``, NaN, infinity) is written as :data:`MISSING`, an
em dash ``—`` in both languages, never ``nan``, ``inf`` or ``None``.
"""

from __future__ import annotations

import math
from numbers import Real

#: Languages of every label.
LANGUAGES = ("en", "fr")
#: What a missing or non-finite number is written as, per language.
MISSING = {"en": "—", "fr": "—"}
#: Narrow no-break space: French thousands separator and space before ``%``.
NNBSP = "\u202f"
#: No-break space: French space before ``€``.
NBSP = "\u00a0"

_STATUS = {
    "optimal": ("optimal (proven)", "optimal (prouvé)"),
    "feasible": ("feasible (not proven optimal)", "réalisable (non prouvé)"),
    "infeasible": ("infeasible (no plan meets the constraints)", "infaisable (aucun plan ne respecte les contraintes)"),
    "unbounded": ("unbounded (no plan)", "non borné (aucun plan)"),
    "error": ("error (no plan)", "erreur (aucun plan)"),
}
_LEVER = {
    "training": ("Training places", "Places de formation"),
    "apprenticeship": ("Apprenticeship contracts", "Contrats d'apprentissage"),
    "qvct": ("Shared QVCT officer posts", "Postes de référent QVCT mutualisés"),
    "vehicles": ("Vehicles for home-care workers", "Véhicules pour les aides à domicile"),
    "pools": ("Pools of intermittent staff", "Pools d'intermittents"),
    "promotion": ("Professional promotion", "Promotion professionnelle"),
    "vae": ("VAE (accreditation of prior experience)", "VAE"),
    "reconversion": ("Career change (reconversion)", "Reconversion"),
    "immersion": ("Immersion of jobseekers", "Immersion"),
    "social": ("Civic service and carers", "Service civique et aidants"),
    "baseline": ("Existing system", "Système existant"),
}
_FUNDER = {
    "departement": ("Département", "Département"),
    "region": ("Région", "Région"),
}
_ENVELOPE = {
    "departement": ("Département envelope", "Enveloppe du Département"),
    "region": ("Région envelope", "Enveloppe de la Région"),
}
_BODY = {  # a funding body of funders.csv, by kind; {name}: its territory's name (funder_label)
    "departement": ("Département: {name}", "Conseil départemental — {name}"),
    "region": ("Région: {name}", "Conseil régional — {name}"),
    "ars": ("ARS {name} (FIR)", "ARS {name} (FIR)"),
}
_BODY_ENVELOPE = {  # its envelope, as sentences use it (French: « l'{envelope_lc} »)
    "departement": ("Département envelope ({name})", "Enveloppe du Conseil départemental ({name})"),
    "region": ("Région envelope ({name})", "Enveloppe du Conseil régional ({name})"),
    "ars": ("ARS {name} envelope (FIR)", "Enveloppe FIR de l'ARS {name}"),
}
_METIER = {  # fallback when the instance has no label
    "as": ("Care assistant (aide-soignant)", "Aide-soignant"),
    "ide": ("Nurse (infirmier)", "Infirmier"),
    "aes": ("Social care worker (AES)", "Accompagnant éducatif et social"),
    "adv": ("Home-care worker", "Aide à domicile / auxiliaire de vie"),
    "ash": ("Hospital service agent (ASH)", "Agent de service hospitalier"),
}
_RESERVOIR = {
    "primary": ("Primary reservoir (new entrants)", "Réservoir primaire (nouveaux entrants)"),
    "current": ("Current reservoir (staff in post)", "Réservoir actuel (personnel en poste)"),
    "transitional": ("Transitional reservoir (between métiers)", "Réservoir de transition (entre métiers)"),
    "social": ("Social reservoir (volunteers, carers)", "Réservoir social (volontaires, aidants)"),
}
_FLOW = {
    "school_output": ("School output (existing schools)", "Sorties d'école (écoles existantes)"),
    "ordinary_hiring": ("Ordinary hiring", "Recrutement ordinaire"),
    "retirement": ("Retirements", "Départs en retraite"),
    "exit": ("Exits from the métier", "Sorties du métier"),
    "graduates": ("Graduates of funded places", "Diplômés des places financées"),
    "apprentices": ("Apprentices hired", "Apprentis recrutés"),
    "retained": ("Staff retained", "Personnel maintenu en poste"),
    "vehicle_hires": ("Hires made possible by vehicles", "Recrutements permis par les véhicules"),
    "promotion_out": ("Leaving for a promotion course", "Départs en promotion"),
    "promotion_in": ("Arrivals by promotion", "Arrivées par promotion"),
    "promotion_return": ("Back in post after a failed promotion", "Retours en poste après une promotion non aboutie"),
    "vae_out": ("Leaving by VAE", "Départs par VAE"),
    "vae_in": ("Arrivals by VAE", "Arrivées par VAE"),
    "reconversion": ("Career changers", "Reconversions"),
    "immersion": ("Jobseekers after immersion", "Demandeurs d'emploi après immersion"),
    "social": ("Civic-service volunteers and carers", "Volontaires du service civique et aidants"),
    "pool_cover": ("Need covered by pools", "Besoin couvert par les pools"),
}
_KIND = {
    "entry": ("Entry", "Entrée"),
    "retained": ("Retained in post", "Maintien en poste"),
    "cover": ("Need covered (not staff)", "Besoin couvert (hors effectif)"),
    "move_in": ("Arrival from another métier", "Arrivée d'un autre métier"),
    "move_out": ("Leaving for another métier", "Départ vers un autre métier"),
    "return": ("Return to post", "Retour en poste"),
    "departure": ("Departure", "Départ"),
}
_PHASE = {
    "horizon": ("horizon", "horizon"),
    "tail": ("after the horizon", "après l'horizon"),
}
_VALUE = {
    "yes": ("yes", "oui"),
    "no": ("no", "non"),
    "none": ("none", "aucun"),
}
_SHEET = {  # Excel sheet names: at most 31 characters, none of : \ / ? * [ ]
    "summary": ("Summary", "Synthèse"),
    "decisions": ("Decisions", "Décisions"),
    "workforce": ("Workforce", "Effectifs"),
    "spending": ("Spending", "Dépenses"),
    "shadow_prices": ("Shadow prices", "Valeurs marginales"),
    "flows": ("Flows", "Flux"),
}
_COLUMN = {
    "lever": ("Lever (code)", "Levier (code)"),
    "lever_label": ("Lever", "Levier"),
    "pathway": ("Pathway (code)", "Parcours (code)"),
    "bassin": ("Bassin (code)", "Bassin de vie (code)"),
    "bassin_name": ("Bassin de vie", "Bassin de vie"),
    "metier": ("Métier (code)", "Métier (code)"),
    "metier_label": ("Métier", "Métier"),
    "funder": ("Funder (code)", "Financeur (code)"),
    "funder_label": ("Funder", "Financeur"),
    "year": ("Year", "Année"),
    "phase": ("Period", "Période"),
    "units": ("Units", "Unités"),
    "lag": ("Lag (years)", "Délai (années)"),
    "delivers": ("Delivers (year)", "Effet (année)"),
    "fte_delivered": ("Delivered (FTE)", "Apport (ETP)"),
    "cost_eur": ("Cost (EUR)", "Coût (€)"),
    "stock": ("Staff in post (FTE)", "Effectif en poste (ETP)"),
    "need": ("Need (FTE)", "Besoin (ETP)"),
    "unmet": ("Unmet need (FTE)", "Besoin non couvert (ETP)"),
    "unmet_share": ("Unmet share of need", "Part du besoin non couverte"),
    "unmet_fte_years": ("Unmet need (FTE-years)", "Besoin non couvert (ETP-années)"),
    "baseline_unmet": ("Unmet need without levers (FTE)", "Besoin non couvert sans levier (ETP)"),
    "avoided": ("Unmet need avoided (FTE)", "Besoin non couvert évité (ETP)"),
    "pool_cover": ("Covered by pools (FTE)", "Couvert par les pools (ETP)"),
    "departures": ("Departures (FTE)", "Départs (ETP)"),
    "baseline_inflow": ("Inflow, existing system (FTE)", "Entrées, système existant (ETP)"),
    "lever_inflow": ("Inflow from levers, net (FTE)", "Entrées par les leviers, nettes (ETP)"),
    "in_transition": ("Out of post in promotion (FTE)", "En promotion hors poste (ETP)"),
    "tension": ("Labour-market tension (1–5)", "Tension du marché du travail (1–5)"),
    "spend_eur": ("Spending (EUR)", "Dépense (€)"),
    "envelope_eur": ("Envelope (EUR)", "Enveloppe (€)"),
    "carried_in_eur": ("Carried in from earlier years (EUR)", "Report des années précédentes (€)"),
    "used": ("Share of the envelope used", "Part de l'enveloppe utilisée"),
    "lever_used": ("Used", "Utilisé"),
    "method": ("Method", "Méthode"),
    "family": ("Family", "Famille"),
    "constraint": ("Constraint", "Contrainte"),
    "unit": ("Unit", "Unité"),
    "value": ("Value (FTE-years avoided per unit)", "Valeur (ETP-années évitées par unité)"),
    "eur_per_fte_year": ("Cost per FTE-year avoided (EUR)", "Coût par ETP-année évitée (€)"),
    "binding": ("Binding", "Saturée"),
    "status": ("Status", "Statut"),
    "detail": ("Detail", "Détail"),
    "reservoir": ("Reservoir (code)", "Réservoir (code)"),
    "reservoir_label": ("Reservoir", "Réservoir"),
    "flow": ("Flow (code)", "Flux (code)"),
    "flow_label": ("Flow", "Flux"),
    "kind": ("Kind", "Nature"),
    "flow_fte": ("Flow (FTE)", "Flux (ETP)"),
    "zone": ("Paid in (département code)", "Payé dans (code du département)"),
}
_SUMMARY = {
    "title": ("gpec results: {instance}, {first}–{last}", "Résultats gpec : {instance}, {first}–{last}"),
    "result": ("Result", "Résultat"),
    "status": ("Status", "Statut"),
    "in_words": ("In words", "En clair"),
    "objective": ("Weighted unmet need (FTE-years)", "Besoin non couvert pondéré (ETP-années)"),
    "bound": ("Bound: best possible (FTE-years)", "Borne : meilleur possible (ETP-années)"),
    "gap": ("Gap (relative)", "Écart (relatif)"),
    "cost": ("Cost (EUR)", "Coût (€)"),
    "instance": ("Instance", "Instance"),
    "horizon": ("Horizon", "Horizon"),
    "solver": ("Solver", "Solveur"),
    "runtime": ("Runtime (s)", "Temps de calcul (s)"),
    "violations": ("Independent check: violations", "Vérification indépendante : violations"),
    "message": ("Solver message", "Message du solveur"),
    "by_year": ("Unmet need and spending by year, against doing nothing",
                "Besoin non couvert et dépenses par année, comparés à l'absence de levier"),
    "by_funder": ("Spending by funder and year, against the envelope",
                  "Dépenses par financeur et par année, comparées à l'enveloppe"),
    "envelopes": ("Envelopes over the horizon", "Enveloppes sur l'horizon"),
    "levers": ("Levers (0 units: available but not chosen)", "Leviers (0 unité : disponible mais non retenu)"),
    "levers_used": ("Levers used", "Leviers utilisés"),
    "levers_unused": ("Levers available but not used", "Leviers disponibles non utilisés"),
    "no_plan": ("No plan: the other sheets are empty.", "Aucun plan : les autres onglets sont vides."),
    "diagnosis": ("Diagnosis", "Diagnostic"),
    "suggestion": ("What would suffice", "Ce qui suffirait"),
    "conflict": ("Conflicting constraints", "Contraintes en conflit"),
    "spent_of_envelope": ("{spent} spent of {envelope} ({used})", "{spent} dépensés sur {envelope} ({used})"),
}
_SENTENCE = {  # str.format templates: obj, bound, gap, cost (already formatted), message
    "optimal": ("Proven optimal: a weighted unmet need of {obj} FTE-years, within {gap} of the best possible "
                "({bound} FTE-years), for {cost}.",
                "Optimum prouvé : un besoin non couvert pondéré de {obj} ETP-années, à {gap} près du meilleur "
                "possible ({bound} ETP-années), pour {cost}."),
    "feasible": ("A plan, not proven optimal (stopped at a limit): a weighted unmet need of {obj} FTE-years, "
                 "for {cost}; no plan can do better than {bound} FTE-years (gap {gap}).",
                 "Un plan, sans preuve d'optimalité (arrêt sur une limite) : un besoin non couvert pondéré de "
                 "{obj} ETP-années, pour {cost} ; aucun plan ne peut faire mieux que {bound} ETP-années "
                 "(écart {gap})."),
    "feasible_no_bound": ("A plan, not proven optimal: a weighted unmet need of {obj} FTE-years, for {cost}; "
                          "no bound on the best possible was proven.",
                          "Un plan, sans preuve d'optimalité : un besoin non couvert pondéré de {obj} ETP-années, "
                          "pour {cost} ; aucune borne du meilleur possible n'a été prouvée."),
    "infeasible": ("No plan: the scenario's constraints cannot all be met. The diagnosis below says which "
                   "conflict and what would suffice.",
                   "Aucun plan : les contraintes du scénario ne peuvent pas être toutes respectées. Le "
                   "diagnostic ci-dessous indique lesquelles sont en conflit et ce qui suffirait."),
    "unbounded": ("No plan: the model is unbounded ({message}).", "Aucun plan : le modèle est non borné ({message})."),
    "error": ("No plan: {message}", "Aucun plan : {message}"),
}

_UNIT = {  # what one unit of a lever is, plural, for sentences ("12 training places")
    "training": ("training places", "places de formation"),
    "apprenticeship": ("apprenticeship contracts", "contrats d'apprentissage"),
    "qvct": ("QVCT officer post-years", "années-postes de référent QVCT"),
    "vehicles": ("vehicle-years", "années-véhicules"),
    "pools": ("pool FTE-years", "ETP-années de pool"),
    "promotion": ("promotion places", "places de promotion"),
    "vae": ("VAE candidates", "candidats à la VAE"),
    "reconversion": ("reconversion trainees", "stagiaires en reconversion"),
    "immersion": ("immersions", "immersions"),
    "social": ("volunteers and carers", "volontaires et aidants"),
}
_EXPLAIN = {  # the plain-words paragraph (gpec.explain); str.format fields are already formatted
    "proven": ("The plan is proven optimal: {obj} FTE-years of weighted unmet need over {first}–{last}, within "
               "{gap} of the best possible ({bound}).",
               "Le plan est optimal (prouvé) : {obj} ETP-années de besoin non couvert pondéré sur {first}–{last}, "
               "à {gap} près du meilleur possible ({bound})."),
    "not_proven": ("The plan is the best found within the time limit, not proven optimal: {obj} FTE-years of "
                   "weighted unmet need over {first}–{last}; no plan can do better than {bound} (gap {gap}).",
                   "Le plan est le meilleur trouvé dans le temps imparti, sans preuve d'optimalité : {obj} "
                   "ETP-années de besoin non couvert pondéré sur {first}–{last} ; aucun plan ne peut faire mieux "
                   "que {bound} (écart {gap})."),
    "spends": ("Over {first}–{last} it spends {cost} ({funders}) and buys {buys}.",
               "Sur {first}–{last}, il dépense {cost} ({funders}) et finance {buys}."),
    "nothing": ("nothing", "rien"),
    "unused": ("Not used: {levers}.", "Leviers non utilisés : {levers}."),
    "avoided": ("Against doing nothing it avoids {avoided} FTE-years of unmet need ({base} without any lever, "
                "{unmet} with the plan).",
                "Par rapport à ne rien faire, il évite {avoided} ETP-années de besoin non couvert ({base} sans "
                "levier, {unmet} avec le plan)."),
    "no_prices": ("What binds was not computed (run without shadow prices).",
                  "Les contraintes saturées n'ont pas été calculées (calcul sans prix duaux)."),
    "binds": ("What limits it: {what}.", "Ce qui le limite : {what}."),
    "nothing_binds": ("No envelope, capacity or labour pool binds.",
                      "Aucune enveloppe, capacité ou réserve de main-d'œuvre n'est saturée."),
    "envelope_binds": ("the {envelope} in {years}", "l'{envelope_lc} en {years}"),
    "binds_training_capacity": ("the capacity of {n} training sites", "la capacité de {n} sites de formation"),
    "binds_labour_pool": ("the jobseekers of {n} bassin-years", "les demandeurs d'emploi de {n} bassins-années"),
    "marginal": ("One more thousand euros a year of the {envelope} avoids about {value} FTE-years of unmet need "
                 "per thousand euros (±{spread}).",
                 "Mille euros de plus par an sur l'{envelope_lc} évitent environ {value} ETP-années de besoin non "
                 "couvert par millier d'euros (±{spread})."),
    "marginal_unresolved": ("One more thousand euros a year of the {envelope} buys less than this run can resolve "
                            "(±{spread} FTE-years per thousand euros).",
                            "Mille euros de plus par an sur l'{envelope_lc} apportent moins que ce que ce calcul "
                            "peut distinguer (±{spread} ETP-années par millier d'euros)."),
    "marginal_unknown": ("What more money in the {envelope} buys was not computed (see shadow_prices.csv).",
                         "L'effet d'un supplément sur l'{envelope_lc} n'a pas été calculé (voir shadow_prices.csv)."),
    "binds_not_computed": ("What binds was not computed within the time limit.",
                           "Les contraintes saturées n'ont pas pu être calculées dans le temps imparti."),
    "target_service": ("A service level of {level}", "Un taux de couverture du besoin de {level}"),
    "target_places": ("At least {places} extra training places", "Au moins {places} places de formation en plus"),
    "target_none": ("A plan meeting every constraint", "Un plan respectant toutes les contraintes"),
    "cannot": ("{target} cannot be reached; what limits it: {why}.",
               "{target} ne peut pas être atteint ; ce qui l'en empêche : {why}."),
    "limit_budget": ("the envelopes", "les enveloppes"),
    "limit_capacity": ("the capacities (training sites, employers, fleets)",
                       "les capacités (sites de formation, employeurs, flottes)"),
    "limit_labour_pool": ("the labour pools (jobseekers)", "les réserves de main-d'œuvre (demandeurs d'emploi)"),
    "limit_lag": ("the time a measure takes to deliver (course lengths)",
                  "le délai avant qu'une mesure produise ses effets (durée des formations)"),
    "limit_whole": ("whole units (a place or a contract cannot be split)",
                    "les unités entières (une place ou un contrat ne se divise pas)"),
    "limit_unknown": ("the constraints of the scenario", "les contraintes du scénario"),
    "largest_level": ("The largest service level these budgets allow is {level}.",
                      "Le plus haut taux de couverture que ces budgets permettent est {level}."),
    "budgets_suffice": ("These yearly envelopes would suffice: {budgets}.",
                        "Ces enveloppes annuelles suffiraient : {budgets}."),
}

_MAP = {  # the maps (gpec.geo.maps); str.format fields are already formatted
    "unmet_title": ("Share of need not covered in {year}", "Part du besoin non couvert en {year}"),
    "unmet_subtitle": ("all métiers, by bassin de vie", "tous métiers, par bassin de vie"),
    "unmet_legend": ("Share of need not covered in {year}", "Part du besoin non couvert en {year}"),
    "unmet_total": ("Whole territory: {share} of need not covered in {year} ({unmet} of {need} FTE).",
                    "Ensemble du territoire : {share} du besoin non couvert en {year} ({unmet} ETP sur {need})."),
    "lever_title": ("{lever}, {first}–{last}", "{lever}, {first}–{last}"),
    "what_training": ("extra training places opened, by bassin of the training site",
                      "places de formation supplémentaires ouvertes, par bassin du site de formation"),
    "what_apprenticeship": ("apprenticeship contracts started, by bassin",
                            "contrats d'apprentissage signés, par bassin"),
    "what_qvct": ("officer post-years by host bassin; points: EHPAD",
                  "années-postes de référent par bassin d'accueil ; points : EHPAD"),
    "what_qvct_bare": ("officer post-years by host bassin", "années-postes de référent par bassin d'accueil"),
    "what_pools_bare": ("pool FTE-years by home bassin", "ETP-années de pool par bassin de rattachement"),
    "what_vehicles": ("vehicle-years for home-care workers, by bassin",
                      "années-véhicules pour les aides à domicile, par bassin"),
    "what_pools": ("pool FTE-years by home bassin; arrows: need covered in other bassins",
                   "ETP-années de pool par bassin de rattachement ; flèches : besoin couvert dans d'autres bassins"),
    "what_promotion": ("promotion places started (school-based, passerelles), by bassin",
                       "places de promotion professionnelle engagées (en école, passerelles), par bassin"),
    "what_vae": ("VAE candidates started, by bassin", "candidats à la VAE engagés, par bassin"),
    "what_reconversion": ("reconversion trainees expected, by bassin of origin",
                          "stagiaires en reconversion attendus, par bassin d'origine"),
    "what_immersion": ("immersions of jobseekers, by bassin", "immersions de demandeurs d'emploi, par bassin"),
    "what_social": ("civic-service volunteers and carers accompanied, by bassin",
                    "volontaires du service civique et aidants accompagnés, par bassin"),
    "what_default": ("units, by bassin", "unités, par bassin"),
    "unit_training": ("places", "places"),
    "unit_apprenticeship": ("contracts", "contrats"),
    "unit_qvct": ("post-years", "années-postes"),
    "unit_vehicles": ("vehicle-years", "années-véhicules"),
    "unit_pools": ("FTE-years", "ETP-années"),
    "unit_promotion": ("places", "places"),
    "unit_vae": ("candidates", "candidats"),
    "unit_reconversion": ("trainees", "stagiaires"),
    "unit_immersion": ("immersions", "immersions"),
    "unit_social": ("people", "personnes"),
    "unit_default": ("units", "unités"),
    "legend_units": ("{unit} per bassin, total {first}–{last}", "{unit} par bassin, total {first}–{last}"),
    "total": ("Total: {total} {unit}.", "Total : {total} {unit}."),
    "named": ("Named: the {n} bassins with the largest values.", "Noms : les {n} bassins aux valeurs les plus fortes."),
    "named_one": ("Named: the bassin with the largest value.", "Nom : le bassin à la valeur la plus forte."),
    "named_all": ("Named: every bassin with a value above 0.", "Noms : tous les bassins de valeur non nulle."),
    "departements": ("Départements (bassins grouped by the département of their main town)",
                     "Départements (bassins regroupés selon le département de leur pôle)"),
    "regions": ("Régions (bassins grouped by the région of their main town)",
                "Régions (bassins regroupés selon la région de leur pôle)"),
    "straddling": ("A bassin straddling régions is drawn once, its parts in each région added up.",
                   "Un bassin à cheval sur plusieurs régions est dessiné une fois, ses parties dans chaque région "
                   "additionnées."),
    "no_plan": ("No plan: {regions}", "Sans plan : {regions}"),
    "no_plan_note": ("No plan for {regions}: the bassins there are hatched (grey where no other région holds a part "
                     "of them) and left out of the figures.",
                     "Pas de plan pour {regions} : les bassins concernés sont hachurés (en gris quand aucune autre "
                     "région n'en couvre une partie) et exclus des chiffres."),
    "ehpad": ("EHPAD", "EHPAD"),
    "ehpad_served": ("EHPAD served by a shared QVCT officer", "EHPAD suivi par un référent QVCT mutualisé"),
    "pool_flows": ("Pool covering need in another bassin (arrow towards it; width: FTE-years)",
                   "Pool couvrant le besoin d'un autre bassin (flèche vers ce bassin ; épaisseur : ETP-années)"),
    "source": ("gpec — {territory}, horizon {first}–{last}. Sources: {sources}. Computed {date}.",
               "gpec — {territory}, horizon {first}–{last}. Sources : {sources}. Calculé le {date}."),
    "sources_built": ("INSEE (bassins de vie 2022, RP), FINESS, France Travail, DREES and published figures "
                      "(data/raw/SOURCES.md); model: gpec",
                      "Insee (bassins de vie 2022, RP), FINESS, France Travail, DREES et chiffres publiés "
                      "(data/raw/SOURCES.md) ; modèle : gpec"),
    "sources_instance": ("the source columns of the instance tables ({folder}); model: gpec",
                         "colonnes « source » des tables de l'instance ({folder}) ; modèle : gpec"),
    "unmapped": ("No map for the levers the plan does not use: {levers}.",
                 "Pas de carte pour les leviers que le plan n'utilise pas : {levers}."),
}
_CHART = {  # the inflow chart (gpec.charts)
    "inflow_title": ("Inflows by reservoir, {territory}, {first}–{last} (all métiers and bassins)",
                     "Entrées par réservoir, {territory}, {first}–{last} (tous métiers et bassins)"),
    "existing": ("Existing system (schools, ordinary hiring)", "Système existant (écoles, recrutement ordinaire)"),
    "levers_reservoir": ("Levers: {reservoir}", "Leviers : {reservoir}"),
    "departures": ("Departures (retirements and exits)", "Départs (retraites et sorties)"),
    "year": ("Year", "Année"),
    "fte_a_year": ("FTE a year", "ETP par an"),
}
_REPORT = {  # report.md and the console tables (gpec.report), the end of gpec solve
    "unmapped": ("Levers without a map (not used by the plan)", "Leviers sans carte (non utilisés par le plan)"),
    "reservoirs": ("Inflow mix by reservoir (FTE over the horizon)", "Entrées par réservoir (ETP sur l'horizon)"),
    "flows": ("Flows by reservoir, flow and lever (FTE over the horizon)",
              "Flux par réservoir, flux et levier (ETP sur l'horizon)"),
    "decisions": ("Decisions by lever and métier", "Décisions par levier et métier"),
    "bassins": ("Bassins with the largest allocation", "Bassins de vie les plus dotés"),
    "overrides": ("Parameter overrides", "Paramètres modifiés"),
    "levers_on": ("Levers switched on", "Leviers activés"),
    "status_line": ("{instance} {first}-{last}: status {status}  gap {gap}  unmet {obj} FTE-years (bound {bound})  "
                    "cost {cost}  violations {violations}",
                    "{instance} {first}–{last} : statut {status}  écart {gap}  besoin non couvert {obj} ETP-années "
                    "(borne {bound})  coût {cost}  violations {violations}"),
    "model": ("Model: {variables} variables ({integer} integer), {constraints} constraints; runtime {seconds} s",
              "Modèle : {variables} variables ({integer} entières), {constraints} contraintes ; calcul {seconds} s"),
    "entering": ("Entering (FTE)", "Entrées (ETP)"),
    "from_levers": ("of which from levers (FTE)", "dont par les leviers (ETP)"),
    "moving": ("Moving between métiers (FTE)", "Mobilités entre métiers (ETP)"),
    "leaving": ("Leaving (FTE)", "Sorties (ETP)"),
    "share": ("Share of entering", "Part des entrées"),
    "share_of_entering": ("Share of entering", "Part des entrées"),
    "units_moved": ("Units moved from the reference plan ({reference})", "Unités déplacées par rapport au plan de référence ({reference})"),
    "written": ("written to {out}/", "écrit dans {out}/"),
}

_COMPARE = {  # gpec compare for people (gpec.comparison.people_lines / people_tables); fields already formatted
    "headline": ("{b} vs {a}: {parts}", "Comparaison de {b} avec {a} : {parts}"),
    "part": ("{what} {diff} ({verdict})", "{what} {diff} ({verdict})"),
    "part_words": ("{what}: {words}", "{what} : {words}"),
    "what_objective": ("weighted unmet need", "besoin non couvert pondéré"),
    "what_unmet_horizon": ("unmet need in the horizon years", "besoin non couvert sur les années de l'horizon"),
    "what_cost": ("cost", "coût"),
    "within": ("within the runs' uncertainty", "dans l'incertitude des deux calculs"),
    "beyond": ("beyond the runs' uncertainty", "au-delà de l'incertitude des deux calculs"),
    "uncertainty_unknown": ("uncertainty unknown", "incertitude inconnue"),
    "tails_verdict": ("the tails differ: objectives not comparable",
                      "années suivant l'horizon différentes : objectifs non comparables"),
    "no_plan_headline": ("no plan in {runs}: compared on inputs only",
                         "aucun plan dans {runs} : comparaison sur les seules données d'entrée"),
    "and": ("{first} and {second}", "{first} et {second}"),
    "scope": ("Instance {instance}, horizon {first}–{last}; differences are b - a (a: {a}, b: {b}).",
              "Instance {instance}, horizon {first}–{last} ; les écarts sont b - a (a : {a}, b : {b})."),
    "inputs_same": ("The inputs of the two runs are the same.",
                    "Les données d'entrée des deux calculs sont identiques."),
    "inputs_differ_one": ("1 input differs between the runs.", "1 donnée d'entrée diffère entre les deux calculs."),
    "inputs_differ_many": ("{n} inputs differ between the runs.",
                           "{n} données d'entrée diffèrent entre les deux calculs."),
    "run_no_plan": ("Run {run} ({label}) has no plan ({status}): its outputs are not compared.",
                    "Le calcul {run} ({label}) n'a pas de plan ({status}) : ses résultats ne sont pas comparés."),
    "run_no_plan_unlabelled": ("Run {run} has no plan ({status}): its outputs are not compared.",
                               "Le calcul {run} n'a pas de plan ({status}) : ses résultats ne sont pas comparés."),
    "tails_differ": ("Run a models {ta} years after the horizon, run b {tb}: their objectives sum different years "
                     "and are not compared; unmet need in the horizon years is.",
                     "Le calcul a modélise {ta} années après l'horizon, le calcul b {tb} : leurs objectifs portent "
                     "sur des années différentes et ne sont pas comparés ; le besoin non couvert sur les années de "
                     "l'horizon l'est."),
    "inputs_title": ("Inputs that differ", "Données d'entrée qui diffèrent"),
    "totals_title": ("Totals (b - a; within uncertainty: not beyond the two runs' gaps)",
                     "Totaux (écart b - a ; « dans l'incertitude » : l'écart ne dépasse pas l'incertitude des deux "
                     "calculs)"),
    "col_item": ("Input", "Donnée d'entrée"),
    "col_a": ("Run a", "Calcul a"),
    "col_b": ("Run b", "Calcul b"),
    "col_measure": ("Measure", "Mesure"),
    "col_unit": ("Unit", "Unité"),
    "col_difference": ("Difference (b - a)", "Écart (b - a)"),
    "col_uncertainty": ("Uncertainty", "Incertitude"),
    "col_within": ("Within the runs' uncertainty", "Dans l'incertitude des deux calculs"),
    "measure_objective": ("Weighted unmet need (horizon and the years after it)",
                          "Besoin non couvert pondéré (horizon et années suivantes)"),
    "measure_cost": ("Cost", "Coût"),
    "measure_unmet_horizon": ("Unmet need in the horizon years (not weighted)",
                              "Besoin non couvert sur les années de l'horizon (non pondéré)"),
    "unit_fte_years": ("FTE-years", "ETP-années"),
    "unit_eur": ("EUR", "€"),
    "no_plan": ("no plan ({status})", "aucun plan ({status})"),
    "no_plan_either": ("no plan in either run", "aucun plan dans les deux calculs"),
    "not_available": ("not available", "non disponible"),
    "not_comparable": ("not comparable (different years after the horizon)",
                       "non comparable (années suivant l'horizon différentes)"),
    "not_judged": ("not judged", "non évalué"),
    "not_judged_uncertainty": ("not judged: the gaps bound the objective only",
                               "non évaluée : les écarts des calculs ne bornent que l'objectif"),
    "unknown": ("unknown", "inconnue"),
    "unknown_bound": ("unknown: run {run} has no finite bound", "inconnue : le calcul {run} n'a pas de borne finie"),
    "not_modelled": ("not modelled (after the run's years)", "non modélisé (au-delà des années du calcul)"),
    "item_budget": ("{envelope} {year}", "{envelope} {year}"),
    "item_budget_tail": ("{envelope} {year} (after the horizon)", "{envelope} {year} (après l'horizon)"),
    "item_parameter": ("Parameter {name}", "Paramètre {name}"),
    "item_overrides": ("Parameter overrides", "Paramètres modifiés"),
    "item_lever": ("Lever: {lever}", "Levier : {lever}"),
    "item_levers": ("Levers", "Leviers"),
    "item_horizon": ("Horizon", "Horizon"),
    "item_tail_years": ("Years modelled after the horizon", "Années modélisées après l'horizon"),
    "item_service_level": ("Service level", "Taux de couverture du besoin"),
    "item_min_places": ("Minimum extra training places: {metier}", "Places de formation supplémentaires minimales : {metier}"),
    "item_min_places_none": ("Minimum extra training places", "Places de formation supplémentaires minimales"),
    "item_reference": ("Reference plan", "Plan de référence"),
    "item_solver": ("Solver", "Solveur"),
    "item_gap_stage1": ("Gap tolerance (stage 1, unmet need)", "Tolérance d'écart (étape 1, besoin non couvert)"),
    "item_gap_stage2": ("Gap tolerance (stage 2, cost)", "Tolérance d'écart (étape 2, coût)"),
    "item_time_limit": ("Time limit (s)", "Temps limite (s)"),
    "value_on": ("on", "activé"),
    "value_off": ("off", "désactivé"),
    "value_default": ("default", "par défaut"),
    "value_used": ("used", "utilisé"),
    "value_baseline": ("none (calibrated baseline)", "aucun (situation de référence calibrée)"),
    "value_no_envelope": ("no envelope", "pas d'enveloppe"),
    "value_not_finite": ("not a finite number", "pas un nombre fini"),
}
_BREAKEVEN = {  # gpec breakeven for people (gpec.cli); str.format fields are already formatted
    "title": ("Break-even of assumed effects: {instance}", "Seuils d'entrée des effets supposés : {instance}"),
    "col_param": ("Effect", "Effet"),
    "col_lever": ("Lever", "Levier"),
    "col_value": ("Value", "Valeur"),
    "col_range": ("Range", "Plage"),
    "col_answer": ("Answer", "Réponse"),
    "col_probes": ("Probes (proven)", "Essais (prouvés)"),
    "answer_enters": ("enters the plan between {a} and {b}", "entre dans le plan entre {a} et {b}"),
    "answer_whole_range": ("in the plan over the whole range", "dans le plan sur toute la plage"),
    "answer_never": ("does not enter within the range", "n'entre pas dans le plan sur la plage"),
    "answer_leaves": ("leaves the plan between {a} and {b}", "sort du plan entre {a} et {b}"),
    "answer_interval": ("not settled: between {a} and {b} (a probe not proven)",
                        "non établi : entre {a} et {b} (un essai non prouvé)"),
    "answer_skipped": ("skipped ({note})", "non traité ({note})"),
    "answer_error": ("error ({note})", "erreur ({note})"),
    "in_plan": ("in the plan", "dans le plan"),
    "not_in_plan": ("not in the plan", "hors du plan"),
    "not_proven": ("not proven", "non prouvé"),
    "probe_line": ("{param} = {value}: {status}, {units} units of {lever}, {verdict} ({seconds} s)",
                   "{param} = {value} : {status}, {units} unités de {lever}, {verdict} ({seconds} s)"),
    "record_line": ("{done}/{total} {param}: {answer} ({probes} probes, {seconds} s)",
                    "{done}/{total} {param} : {answer} ({probes} essais, {seconds} s)"),
}
_GROUPS = {  # gpec groups for people (gpec.groupings.people_lines / people_tables / write_group_map)
    "status_line": ("{post} ({code}), {n} structures, members within {minutes} min of their hub: status {status}; "
                    "cost {cost} a year (bound {bound}, gap {gap}); violations {violations}; {seconds} s",
                    "{post} ({code}), {n} structures, membres à {minutes} min au plus de leur structure porteuse : "
                    "statut {status} ; coût {cost} par an (borne {bound}, écart {gap}) ; violations {violations} ; "
                    "{seconds} s"),
    "status_line_no_plan": ("{post} ({code}), {n} structures, members within {minutes} min of their hub: status "
                            "{status}; {seconds} s",
                            "{post} ({code}), {n} structures, membres à {minutes} min au plus de leur structure "
                            "porteuse : statut {status} ; {seconds} s"),
    "posts_line": ("Posts: {alone} with every structure alone, {grouped} grouped: {saved} ({groups}); travel adds "
                   "{travel} a year; posts cost {posts_cost} a year against {alone_cost} with every structure alone.",
                   "Postes : {alone} si chaque structure reste seule, {grouped} en groupements : {saved} ({groups}) ; "
                   "les trajets ajoutent {travel} par an ; les postes coûtent {posts_cost} par an contre "
                   "{alone_cost} si chaque structure reste seule."),
    "no_plan_line": ("No plan ({status}): no grouping to report; {alone} with every structure alone ({alone_cost} "
                     "a year).",
                     "Aucun plan ({status}) : pas de groupement à présenter ; {alone} si chaque structure reste "
                     "seule ({alone_cost} par an)."),
    "post_one": ("{n} post", "{n} poste"),
    "post_many": ("{n} posts", "{n} postes"),
    "saved_one": ("{n} post saved", "{n} poste économisé"),
    "saved_many": ("{n} posts saved", "{n} postes économisés"),
    "group_one": ("{n} group", "{n} groupe"),
    "group_many": ("{n} groups", "{n} groupes"),
    "not_checked": ("not checked", "non vérifié"),
    "map_title": ("{post}: {groups} (stars: hubs), {saved}",
                  "{post} : {groups} (étoiles : structures porteuses), {saved}"),
    "map_alone": ("structure alone (no group)", "structure seule (sans groupement)"),
    "map_hub": ("hub (holds the shared post)", "structure porteuse (du poste mutualisé)"),
    "map_member": ("member (line to its hub)", "membre (trait vers sa structure porteuse)"),
    "map_none": ("No map: no structure has coordinates (lon, lat).",
                 "Pas de carte : aucune structure n'a de coordonnées (lon, lat)."),
    "longitude": ("longitude", "longitude"),
    "latitude": ("latitude", "latitude"),
    "table_title": ("Groups (largest first)", "Groupements (les plus grands d'abord)"),
    "col_group": ("Hub (FINESS)", "Structure porteuse (FINESS)"),
    "col_hub_name": ("Hub", "Structure porteuse"),
    "col_members": ("Structures", "Structures"),
    "col_need_fte": ("Need (FTE)", "Besoin (ETP)"),
    "col_travel_eur": ("Travel (EUR a year)", "Trajets (€ par an)"),
    "col_posts": ("Posts", "Postes"),
    "col_post_cost_eur": ("Posts (EUR a year)", "Postes (€ par an)"),
}

_ALTERNATIVES = {  # gpec alternatives for people (gpec.alternatives.people_lines / people_tables)
    "headline": ("{found} of {count} alternatives to {out} within {slack} of its unmet need and of its cost; "
                 "{shared} decisions (lever x bassin) in every plan, {varies} that vary, {never} never used.",
                 "{found} alternatives sur {count} à {out} à {slack} près de son besoin non couvert et de son coût ; "
                 "{shared} décisions (levier x bassin) dans tous les plans, {varies} qui varient, {never} jamais "
                 "prises."),
    "stopped": ("{plan}: {message}", "{plan} : {message}"),
    "no_plan": ("no plan in its time ({status})", "aucun plan dans le temps imparti ({status})"),
    "same_plan": ("no plan other than an earlier one: the search stops",
                  "aucun plan autre qu'un plan précédent : la recherche s'arrête"),
    "plans_title": ("Plans (distances: units per lever and bassin, L1)",
                    "Plans (distances : unités par levier et bassin, L1)"),
    "distances_title": ("Distance between plans (units, L1)", "Distance entre les plans (unités, L1)"),
    "shared_title": ("Shared by every plan: the robust decisions (units)",
                     "Communes à tous les plans : les décisions robustes (unités)"),
    "varies_title": ("What varies between the plans (units, largest range first)",
                     "Ce qui varie d'un plan à l'autre (unités, plus grand écart d'abord)"),
    "more": ("... {n} more in {file}", "... {n} de plus dans {file}"),
    "col_plan": ("Plan", "Plan"),
    "col_status": ("Status", "Statut"),
    "col_gap": ("Gap", "Écart"),
    "col_unmet": ("Unmet need (FTE-years)", "Besoin non couvert (ETP-années)"),
    "col_unmet_vs": ("Unmet vs incumbent", "Besoin vs plan initial"),
    "col_cost": ("Cost (EUR)", "Coût (€)"),
    "col_cost_vs": ("Cost vs incumbent", "Coût vs plan initial"),
    "col_l1_incumbent": ("L1 to incumbent", "L1 au plan initial"),
    "col_l1_nearest": ("L1 to the nearest other", "L1 au plus proche autre"),
    "col_nearest": ("Nearest other", "Plus proche autre"),
    "col_bound": ("Distance bound", "Borne de la distance"),
    "col_violations": ("Violations", "Violations"),
    "col_lever": ("Lever", "Levier"),
    "col_bassin": ("Bassin (code)", "Bassin (code)"),
    "col_bassin_name": ("Bassin de vie", "Bassin de vie"),
    "col_min": ("Min", "Min"),
    "col_max": ("Max", "Max"),
    "plan_incumbent": ("incumbent", "plan initial"),
}

_SWEEP = {  # gpec sweep-report (gpec.sweeps.report, gpec.sweeps.charts); str.format fields already formatted
    "title": ("gpec sweep report: {name}", "Rapport de balayage gpec : {name}"),
    "counts": ("Sweep {name}: {total} scenarios, {solved} solved, {no_plan} without a plan (proven), {missing} "
               "missing (not solved yet or failed).",
               "Balayage {name} : {total} scénarios, {solved} résolus, {no_plan} sans plan (prouvé), {missing} "
               "manquants (pas encore résolus ou en échec)."),
    "buys": ("{where}: from {start} to {end} a year, each extra 100 k€ a year avoids {range} FTE-years of weighted "
             "unmet need (proven range).",
             "{where} : de {start} à {end} par an, chaque tranche de 100 k€ par an en plus évite {range} ETP-années "
             "de besoin non couvert pondéré (plage prouvée)."),
    "never_pays": ("{where}: from {start} to {end} a year, the gain of more money is not shown positive ({range} "
                   "FTE-years per 100 k€ a year, proven range).",
                   "{where} : de {start} à {end} par an, le gain d'un supplément n'est pas prouvé positif ({range} "
                   "ETP-années pour 100 k€ par an, plage prouvée)."),
    "stops": ("It stops paying from {at} a year: the gain up to {end} is not shown positive ({range} per 100 k€).",
              "Il ne rapporte plus à partir de {at} par an : le gain jusqu'à {end} n'est pas prouvé positif ({range} "
              "pour 100 k€)."),
    "still_pays": ("It still pays up to {at} a year ({range} per 100 k€ on the last step).",
                   "Il rapporte encore jusqu'à {at} par an ({range} pour 100 k€ sur la dernière tranche)."),
    "separator": ("; ", " ; "),
    "keur": ("{value} k€", "{value} k€"),
    "interval": ("[{lower}; {upper}]", "[{lower} ; {upper}]"),
    "within_gaps": ("within the solves' gaps", "dans l'incertitude des calculs"),
    "influential_oat": ("Most influential one at a time (swing of weighted unmet need, FTE-years): {items}.",
                        "Paramètres les plus influents un à un (amplitude du besoin non couvert pondéré, "
                        "ETP-années) : {items}."),
    "influential_morris": ("Most influential by Morris screening (μ*, FTE-years over each range): {items}.",
                           "Paramètres les plus influents selon le criblage de Morris (μ*, ETP-années sur chaque "
                           "plage) : {items}."),
    "flip_count": ("Decisions (lever x bassin): {flips} used in some of the {solved} solved scenarios and not in "
                   "others, {robust} used in all.",
                   "Décisions (levier x bassin) : {flips} retenues dans une partie seulement des {solved} scénarios "
                   "résolus, {robust} dans tous."),
    "note_missing": ("Missing, left out of every figure ({n}): {names}.",
                     "Manquants, exclus de tous les chiffres ({n}) : {names}."),
    "note_morris_shape": ("Morris: {n} points do not make whole trajectories; no analysis.",
                          "Morris : {n} points ne forment pas des trajectoires complètes ; pas d'analyse."),
    "note_morris_skipped": ("Morris: {complete} of {total} trajectories complete (a point missing or without a "
                            "plan); at least 2 are needed: no analysis.",
                            "Morris : {complete} trajectoires complètes sur {total} (un point manquant ou sans "
                            "plan) ; il en faut au moins 2 : pas d'analyse."),
    "note_morris_partial": ("Morris: analysed on the {complete} complete trajectories of {total} (the others have "
                            "a point missing or without a plan).",
                            "Morris : analyse sur les {complete} trajectoires complètes sur {total} (les autres ont "
                            "un point manquant ou sans plan)."),
    "note_first_named": ("The tornado and Morris charts show the base; their tables every named scenario.",
                         "Les graphiques tornade et Morris portent sur la base ; leurs tableaux sur chaque scénario "
                         "nommé."),
    "outcome_solved": ("solved", "résolu"),
    "outcome_no_plan": ("no plan (proven)", "sans plan (prouvé)"),
    "outcome_missing": ("missing (not solved)", "manquant (non résolu)"),
    "design_base": ("base", "base"),
    "design_grid": ("grid", "grille"),
    "design_one_at_a_time": ("one at a time", "un à un"),
    "design_latin_hypercube": ("Latin hypercube", "hypercube latin"),
    "design_morris": ("Morris", "Morris"),
    "axis_envelope": ("Yearly envelope (k€, mean over the horizon)", "Enveloppe annuelle (k€, moyenne sur l'horizon)"),
    "axis_unmet": ("Weighted unmet need (FTE-years)", "Besoin non couvert pondéré (ETP-années)"),
    "axis_cost": ("Cost of the plan (k€)", "Coût du plan (k€)"),
    "axis_mu_star": ("μ*: mean absolute effect (FTE-years over the parameter's range)",
                     "μ* : effet absolu moyen (ETP-années sur la plage du paramètre)"),
    "axis_sigma": ("σ: spread of the effects (interactions, non-linearity)",
                   "σ : dispersion des effets (interactions, non-linéarités)"),
    "title_budget": ("{name}: weighted unmet need against each body's envelope",
                     "{name} : besoin non couvert pondéré selon l'enveloppe de chaque financeur"),
    "title_pareto": ("{name}: cost against weighted unmet need", "{name} : coût et besoin non couvert pondéré"),
    "title_tornado": ("{name}: each parameter at its low and high, the others at their value",
                      "{name} : chaque paramètre à sa valeur basse et haute, les autres inchangés"),
    "title_morris": ("{name}: Morris screening ({n} trajectories)", "{name} : criblage de Morris ({n} trajectoires)"),
    "legend_plan": ("plan found", "plan trouvé"),
    "legend_band": ("proven range (bound to plan)", "plage prouvée (de la borne au plan)"),
    "legend_front": ("not dominated", "non dominé"),
    "legend_low": ("parameter at its low", "paramètre à sa valeur basse"),
    "legend_high": ("parameter at its high", "paramètre à sa valeur haute"),
    "legend_base": ("base", "base"),
    "legend_beyond": ("μ* beyond the solves' gaps", "μ* au-delà de l'incertitude des calculs"),
    "legend_within": ("μ* within the solves' gaps", "μ* dans l'incertitude des calculs"),
    "stops_here": ("stops paying", "ne rapporte plus"),
    "foot_budget": ("The true optimum of each scenario lies in its band (from the proven bound to the plan found). "
                    "[a; b]: FTE-years of weighted unmet need avoided per extra 100 k€ a year between two "
                    "envelopes, proven range (a = bound before - plan after, b = plan before - bound after). It "
                    "stops paying at the first step whose gain is not shown positive (a <= 0).",
                    "L'optimum de chaque scénario est dans sa bande (de la borne prouvée au plan trouvé). [a ; b] : "
                    "ETP-années de besoin non couvert pondéré évitées par tranche de 100 k€ par an en plus entre deux "
                    "enveloppes, plage prouvée (a = borne avant - plan après, b = plan avant - borne après). Il ne "
                    "rapporte plus à la première tranche dont le gain n'est pas prouvé positif (a <= 0)."),
    "foot_pareto": ("Each distinct solved scenario; bars: proven range down to its bound. A colour per set of "
                    "assumptions (parameters). Not dominated: no other plan with the same assumptions costs no more "
                    "and leaves no more unmet need (differences within the gaps count as none).",
                    "Chaque scénario résolu distinct ; barres : plage prouvée jusqu'à sa borne. Une couleur par jeu "
                    "d'hypothèses (paramètres). Non dominé : aucun autre plan aux mêmes hypothèses ne coûte moins et "
                    "ne laisse moins de besoin non couvert (un écart dans l'incertitude des calculs ne compte pas)."),
    "foot_tornado": ("Bars from the base's plan to the plan with the parameter at its low and at its high; black "
                     "segments and the grey band: proven ranges (bound to plan). *: swing within the solves' gaps.",
                     "Barres : du plan de la base au plan avec le paramètre à sa valeur basse et haute ; traits noirs "
                     "et bande grise : plages prouvées (de la borne au plan). * : amplitude dans l'incertitude des "
                     "calculs."),
    "foot_morris": ("Effects of the weighted unmet need for a move across each parameter's low-high range (SALib, "
                    "Morris). Bars: 95% confidence of μ*. Hollow: μ* not above the uncertainty of the solves' gaps.",
                    "Effets sur le besoin non couvert pondéré d'un passage de la valeur basse à la valeur haute de "
                    "chaque paramètre (SALib, Morris). Barres : confiance à 95 % de μ*. Creux : μ* pas au-dessus de "
                    "l'incertitude des calculs."),
    "sheet_summary": ("Summary", "Synthèse"),
    "sheet_scenarios": ("Scenarios", "Scénarios"),
    "sheet_budget_response": ("Budget response", "Réponse au budget"),
    "sheet_pareto": ("Cost and unmet need", "Coût et besoin non couvert"),
    "sheet_tornado": ("One at a time", "Un à un"),
    "sheet_morris": ("Morris", "Morris"),
    "sheet_flips": ("Decisions across the sweep", "Décisions du balayage"),
    "col_scenario": ("Scenario", "Scénario"),
    "col_design": ("Design", "Plan d'expérience"),
    "col_named": ("Named scenario", "Scénario nommé"),
    "col_parameter": ("Parameter", "Paramètre"),
    "col_side": ("Side", "Côté"),
    "col_outcome": ("Outcome", "Issue"),
    "col_status": ("Status", "Statut"),
    "col_objective": ("Weighted unmet need (FTE-years)", "Besoin non couvert pondéré (ETP-années)"),
    "col_bound": ("Bound: best possible (FTE-years)", "Borne : meilleur possible (ETP-années)"),
    "col_gap": ("Gap (relative)", "Écart (relatif)"),
    "col_cost": ("Cost (EUR)", "Coût (€)"),
    "col_envelope_of": ("Envelope, {name} (EUR a year)", "Enveloppe, {name} (€ par an)"),
    "col_spend_of": ("Spending, {name} (EUR)", "Dépense, {name} (€)"),
    "col_units_of": ("Units: {name}", "Unités : {name}"),
    "col_seconds": ("Time (s)", "Durée (s)"),
    "col_error": ("Error", "Erreur"),
    "col_body": ("Funder", "Financeur"),
    "col_line": ("Other settings", "Autres réglages"),
    "col_from_eur": ("From (EUR a year)", "De (€ par an)"),
    "col_to_eur": ("To (EUR a year)", "À (€ par an)"),
    "col_gain_per_100k": ("Avoided per 100 k€ a year, plans found (FTE-years)",
                          "Évité par 100 k€ par an, plans trouvés (ETP-années)"),
    "col_lower_per_100k": ("Proven at least (FTE-years per 100 k€)", "Prouvé au moins (ETP-années pour 100 k€)"),
    "col_upper_per_100k": ("Proven at most (FTE-years per 100 k€)", "Prouvé au plus (ETP-années pour 100 k€)"),
    "col_pays": ("Pays (gain proven positive)", "Rapporte (gain prouvé positif)"),
    "col_stops_paying": ("Stops paying here", "Ne rapporte plus ici"),
    "col_from_scenario": ("From scenario", "Scénario de départ"),
    "col_to_scenario": ("To scenario", "Scénario d'arrivée"),
    "col_not_solved_between": ("Not solved in between", "Non résolus entre les deux"),
    "col_world": ("Assumptions", "Hypothèses"),
    "col_non_dominated": ("Not dominated", "Non dominé"),
    "col_low_value": ("Low value", "Valeur basse"),
    "col_high_value": ("High value", "Valeur haute"),
    "col_objective_base": ("Base (FTE-years)", "Base (ETP-années)"),
    "col_bound_base": ("Base bound (FTE-years)", "Borne de la base (ETP-années)"),
    "col_objective_low": ("At low (FTE-years)", "Valeur basse (ETP-années)"),
    "col_bound_low": ("At low, bound (FTE-years)", "Valeur basse, borne (ETP-années)"),
    "col_objective_high": ("At high (FTE-years)", "Valeur haute (ETP-années)"),
    "col_bound_high": ("At high, bound (FTE-years)", "Valeur haute, borne (ETP-années)"),
    "col_swing": ("Swing, plans found (FTE-years)", "Amplitude, plans trouvés (ETP-années)"),
    "col_swing_proven": ("Swing, proven at least (FTE-years)", "Amplitude, prouvée au moins (ETP-années)"),
    "col_mu_star": ("μ* (FTE-years)", "μ* (ETP-années)"),
    "col_mu_star_conf": ("μ* 95% confidence (±)", "Confiance à 95 % de μ* (±)"),
    "col_mu": ("μ (signed)", "μ (signé)"),
    "col_sigma": ("σ", "σ"),
    "col_noise": ("Uncertainty from the gaps (FTE-years)", "Incertitude des calculs (ETP-années)"),
    "col_trajectories": ("Trajectories", "Trajectoires"),
    "col_lever": ("Lever (code)", "Levier (code)"),
    "col_lever_label": ("Lever", "Levier"),
    "col_bassin": ("Bassin (code)", "Bassin de vie (code)"),
    "col_bassin_name": ("Bassin de vie", "Bassin de vie"),
    "col_used_in": ("Scenarios using it", "Scénarios qui la retiennent"),
    "col_solved": ("Solved scenarios", "Scénarios résolus"),
    "col_share": ("Share of scenarios", "Part des scénarios"),
    "col_min_units": ("Units when used, least", "Unités retenues, minimum"),
    "col_max_units": ("Units when used, most", "Unités retenues, maximum"),
    "col_robust": ("In every scenario", "Dans tous les scénarios"),
    "col_off_in": ("Scenarios without it", "Scénarios sans elle"),
}

_PAGE = {  # the what-if page of gpec serve (gpec/web/static/app.js); {fields} are filled in by the page
    "title": ("gpec — what-ifs", "gpec — scénarios"),
    "other_lang": ("Français", "English"),
    "instance": ("Territory", "Territoire"),
    "envelopes": ("Envelopes (EUR a year)", "Enveloppes (€ par an)"),
    "per_year": ("per year", "par année"),
    "instance_value": ("instance: {value}", "instance : {value}"),
    "levers": ("Levers", "Leviers"),
    "parameters": ("Assumed effects", "Effets supposés"),
    "range": ("from {low} to {high}", "de {low} à {high}"),
    "source": ("source: {source}", "source : {source}"),
    "horizon": ("Horizon", "Horizon"),
    "service_level": ("Service level (share of need covered, 0 to 1)",
                      "Niveau de service (part du besoin couverte, de 0 à 1)"),
    "service_level_none": ("none", "aucun"),
    "solve": ("Solve", "Calculer"),
    "cancel": ("Cancel", "Annuler"),
    "queued": ("Waiting: position {position} in the queue", "En attente : position {position} dans la file"),
    "searching": ("Solving: looking for a first plan ({seconds} s)",
                  "Calcul : recherche d'un premier plan ({seconds} s)"),
    "first_plan": ("First plan, not yet proved: {objective} FTE-years, bound {bound}, gap {gap} ({seconds} s)",
                   "Premier plan, pas encore prouvé : {objective} ETP-années, borne {bound}, écart {gap} ({seconds} s)"),
    "cost_searching": ("Unmet need proved; looking for its least cost ({seconds} s)",
                       "Besoin non couvert prouvé ; recherche du moindre coût ({seconds} s)"),
    "stage_cost": ("Unmet need proved; now the least cost for it: {objective}, gap {gap} ({seconds} s)",
                   "Besoin non couvert prouvé ; recherche du moindre coût : {objective}, écart {gap} ({seconds} s)"),
    "proven": ("Proven plan: gap {gap}", "Plan prouvé : écart {gap}"),
    "time_limit": ("Time limit: best plan found, gap {gap}", "Limite de temps : meilleur plan trouvé, écart {gap}"),
    "interrupted": ("Cancelled: best plan found so far, gap {gap}",
                    "Annulé : meilleur plan trouvé jusque-là, écart {gap}"),
    "cancelled": ("Cancelled before it started", "Annulé avant de commencer"),
    "failed": ("Error: {message}", "Erreur : {message}"),
    "no_plan": ("No plan: {status}", "Aucun plan : {status}"),
    "no_result": ("No result yet: set the scenario and press Solve.",
                  "Pas encore de résultat : réglez le scénario puis lancez le calcul."),
    "status": ("Status", "Statut"),
    "objective": ("Weighted unmet need (FTE-years)", "Besoin non couvert pondéré (ETP-années)"),
    "bound": ("Bound: best possible (FTE-years)", "Borne : meilleur possible (ETP-années)"),
    "gap": ("Gap", "Écart"),
    "unmet_share": ("Share of need unmet over the horizon", "Part du besoin non couverte sur l'horizon"),
    "unmet_horizon": ("Unmet need over the horizon (FTE-years)", "Besoin non couvert sur l'horizon (ETP-années)"),
    "spend_eur": ("Spending (EUR)", "Dépense (€)"),
    "what_binds": ("What binds", "Ce qui limite"),
    "prices_pending": ("Shadow prices: being computed…", "Valeurs marginales : calcul en cours…"),
    "shadow_prices": ("Shadow prices (unmet need avoided per unit)",
                      "Valeurs marginales (besoin non couvert évité par unité)"),
    "uncertainty": ("Uncertainty (FTE-years per unit)", "Incertitude (ETP-années par unité)"),
    "map": ("Bassins de vie", "Bassins de vie"),
    "colour_by": ("Colour by", "Couleur selon"),
    "units_of": ("Units: {name}", "Unités : {name}"),
    "structures": ("Establishments (structures.csv)", "Établissements (structures.csv)"),
    "chart_unmet": ("Unmet need by year (FTE)", "Besoin non couvert par année (ETP)"),
    "chart_spend": ("Spending by year (EUR)", "Dépense par année (€)"),
    "downloads": ("Downloads", "Téléchargements"),
    "xlsx": ("Workbook (xlsx)", "Classeur (xlsx)"),
    "csv": ("Tables (CSV, zip)", "Tableaux (CSV, zip)"),
    "gpkg": ("Map layers (GeoPackage)", "Couches cartographiques (GeoPackage)"),
    "link": ("Link to this scenario", "Lien vers ce scénario"),
    "save": ("Save", "Enregistrer"),
    "save_as": ("Save this scenario as", "Enregistrer ce scénario sous"),
    "saved": ("Saved: {name}", "Enregistré : {name}"),
    "compare": ("Compare", "Comparer"),
    "compare_title": ("Compare two saved scenarios", "Comparer deux scénarios enregistrés"),
    "scenario_a": ("Scenario A", "Scénario A"),
    "scenario_b": ("Scenario B", "Scénario B"),
    "difference": ("Change in unmet need over the horizon, B − A (FTE-years)",
                   "Variation du besoin non couvert sur l'horizon, B − A (ETP-années)"),
}

#: The translation table: key -> {language: label}. Keys are ``group.code``.
LABELS: dict[str, dict[str, str]] = {
    f"{group}.{code}": dict(zip(LANGUAGES, labels))
    for group, entries in (("status", _STATUS), ("lever", _LEVER), ("funder", _FUNDER), ("envelope", _ENVELOPE),
                           ("breakeven", _BREAKEVEN),
                           ("body", _BODY), ("body_envelope", _BODY_ENVELOPE),
                           ("metier", _METIER), ("reservoir", _RESERVOIR), ("flow", _FLOW), ("kind", _KIND),
                           ("phase", _PHASE), ("value", _VALUE), ("sheet", _SHEET), ("column", _COLUMN),
                           ("summary", _SUMMARY), ("sentence", _SENTENCE), ("unit", _UNIT),
                           ("explain", _EXPLAIN), ("map", _MAP), ("chart", _CHART), ("report", _REPORT),
                           ("compare", _COMPARE), ("groups", _GROUPS), ("sweep", _SWEEP),
                           ("alternatives", _ALTERNATIVES), ("page", _PAGE))
    for code, labels in entries.items()
}


def check_lang(lang: str) -> str:
    """Return ``lang`` if it is one of :data:`LANGUAGES`.

    Raises
    ------
    KeyError
        For any other language.
    """
    if lang not in LANGUAGES:
        raise KeyError(f"unknown language {lang!r}: use one of {', '.join(LANGUAGES)}")
    return lang


def t(key: str, lang: str) -> str:
    """The label of ``key`` in ``lang``.

    Parameters
    ----------
    key : str
        ``group.code``, e.g. ``status.optimal``, ``column.unmet_fte_years``.
    lang : str
        ``en`` or ``fr``.

    Raises
    ------
    KeyError
        On an unknown key or language.
    """
    check_lang(lang)
    if key not in LABELS:
        raise KeyError(f"no label {key!r} in gpec.i18n.LABELS")
    return LABELS[key][lang]


def label(group: str, code, lang: str) -> str:
    """The label of a code of ``group`` (``lever``, ``funder``, ``flow``, ...), or the code itself when
    the table has none (e.g. a funder another instance introduces); empty for a missing code.

    Raises
    ------
    KeyError
        On an unknown language.
    """
    check_lang(lang)
    if _is_missing(code):
        return ""
    entry = LABELS.get(f"{group}.{code}")
    return entry[lang] if entry else str(code)


def funder_label(code, lang: str, bodies: dict | None = None, envelope: bool = False) -> str:
    """A funder for people: a body of the instance's ``funders.csv`` by its kind and territory name
    (``body.*``: "Département: Landes", « Conseil départemental — Landes »), else the ``funder.*`` label
    of a bare code (or the code itself); ``envelope=True``: its envelope (``body_envelope.*``,
    ``envelope.*``).

    Parameters
    ----------
    code : str
        The funder code (``cd40``, or ``departement`` in an instance without ``funders.csv``).
    lang : str
        ``en`` or ``fr``.
    bodies : dict, optional
        The instance's bodies, code -> ``{"kind", "territory", "name"}``
        (:attr:`gpec.instance.Instance.bodies`, ``Result.funders``).
    envelope : bool
        Label the funder's envelope instead of the funder.
    """
    body = (bodies or {}).get(code)
    key = f"{'body_envelope' if envelope else 'body'}.{body['kind']}" if body else ""
    if key not in LABELS:
        return label("envelope" if envelope else "funder", code, lang)
    return t(key, lang).format(name=body["name"])


def fmt_number(value, lang: str, decimals: int = 0) -> str:
    """A number for people: ``1,234.5`` (en), ``1 234,5`` (fr, U+202F between thousands).

    Parameters
    ----------
    value : real number or None
        Non-finite values and ``None`` give :data:`MISSING`.
    lang : str
        ``en`` or ``fr``.
    decimals : int
        Digits after the decimal mark.
    """
    check_lang(lang)
    if _is_missing(value):
        return MISSING[lang]
    value = float(value)
    if round(value, decimals) == 0:
        value = 0.0  # no "-0"
    text = f"{value:,.{decimals}f}"
    if lang == "fr":
        text = text.replace(",", NNBSP).replace(".", ",")
    return text


def fmt_eur(value, lang: str, decimals: int = 0) -> str:
    """Euros for people: ``€1,234`` (en), ``1 234 €`` (fr); :data:`MISSING` for a non-finite value."""
    check_lang(lang)
    if _is_missing(value):
        return MISSING[lang]
    number = fmt_number(abs(float(value)), lang, decimals)
    sign = "-" if round(float(value), decimals) < 0 else ""
    return f"{sign}€{number}" if lang == "en" else f"{sign}{number}{NBSP}€"


def fmt_percent(value, lang: str, decimals: int = 1) -> str:
    """A share as a percentage: 0.125 gives ``12.5%`` (en), ``12,5 %`` (fr, U+202F before ``%``);
    :data:`MISSING` for a non-finite value."""
    check_lang(lang)
    if _is_missing(value):
        return MISSING[lang]
    number = fmt_number(100.0 * float(value), lang, decimals)
    return f"{number}%" if lang == "en" else f"{number}{NNBSP}%"


def _is_missing(value) -> bool:
    if value is None or type(value).__name__ == "NAType":  # pandas.NA, without importing pandas
        return True
    if isinstance(value, Real) or hasattr(value, "item"):
        try:
            return not math.isfinite(float(value))
        except (TypeError, ValueError):
            return False
    return False
