"""The tail: the model runs on after the horizon, so that late decisions are valued for what they deliver.

One bassin, AS only, solved by hand. Staff 100 FTE, 10 % leave a year, the baseline brings 10 a year
(the stock stays 100). Need 100 in 2026-2029, then 104 in 2030. Decisions are taken in 2026-2029 (the
horizon); the data go on to 2030, one more year: the longest lag (a 1-year course), so the tail is
2030. A training place (1,000 EUR, paid in its start year; Région 3,000 EUR a year, strictly yearly:
at most 3 places a year) started in year t adds 0.9 FTE in t+1, who then leave at 10 % a year.

* Without levers the only shortfall is 2030: 4 FTE-years.
* Stage 1: 2030 unmet = max(0, 4 - 0.9 n29 - 0.81 n28 - 0.729 n27 - 0.6561 n26) reaches **0**.
* Stage 2 (least cost at 0): 4 places reach at most 3 x 0.9 + 0.81 = 3.51 < 4, so 5 places,
  **5,000 EUR**, 3 of them in 2029 (any 5 with 3 in 2029 reach 4.01 or more: 2.7 + 2 x 0.6561).
* With the tail cut off (``tail=0``, the model ends with the horizon) nothing is short in the model
  years: objective 0 and nothing bought, the late shortfall unseen.
"""

from __future__ import annotations

import pytest

from gpec.evaluate import evaluate
from gpec.instance import load_instance
from gpec.models import build_model, default_tail
from gpec.scenario import Scenario
from gpec.solving import solve
from tests.conftest import write_instance

B = "00001"


@pytest.fixture(scope="module")
def tail_case(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tail") / "tail"
    write_instance(folder, bassins=[(B, 0.0, 45.0)], years=(2026, 2030), horizon=(2026, 2029),
                   need={(B, "as", y): (104.0 if y == 2030 else 100.0) for y in range(2026, 2031)},
                   stock0={(B, "as"): 100.0}, inflow={(B, "as", y): 10.0 for y in range(2027, 2031)},
                   training_cap={(B, "as"): 5}, budget={"region": 3000.0, "departement": 0.0})
    return load_instance(folder)


def test_the_tail_is_the_longest_lag_within_the_data(tail_case):
    assert default_tail(tail_case, (2026, 2029), ("training",)) == 1
    assert default_tail(tail_case, (2026, 2030), ("training",)) == 0  # no data after 2030
    assert default_tail(tail_case, (2026, 2029), ()) == 0  # nothing to deliver late


def test_a_last_year_decision_is_valued_in_the_tail(tail_case):
    result = solve(tail_case, Scenario(levers=("training",), mip_gap=0.0, cost_gap=0.0))
    assert result.status == "optimal" and result.violations == 0, result.violation_details
    assert result.tail_years == 1
    assert result.objective == pytest.approx(0.0, abs=1e-9)
    assert result.cost == pytest.approx(5000.0)
    places = result.decisions.groupby("year")["units"].sum()
    assert places.sum() == 5 and places.get(2029) == 3
    assert set(result.decisions["year"]) <= {2026, 2027, 2028, 2029}  # decided in the horizon only
    w = result.workforce.set_index("year")
    assert w.loc[2030, "phase"] == "tail" and (w.loc[[2026, 2029], "phase"] == "horizon").all()
    assert w.loc[2030, "stock"] >= 104.0 - 1e-9
    assert set(result.unmet["phase"]) == {"horizon", "tail"}


def test_without_levers_the_tail_shortfall_counts(tail_case):
    result = solve(tail_case, Scenario(levers=()))
    assert result.status == "optimal" and result.tail_years == 0  # no lever, nothing delivers late
    # the baseline alone has no tail: its objective is the horizon's, 0 FTE-years
    assert result.objective == pytest.approx(0.0, abs=1e-9)
    no_capacity = solve(tail_case, Scenario(levers=("apprenticeship",), mip_gap=0.0))
    assert no_capacity.tail_years == 1  # an apprenticeship lasts the course, 1 year
    assert no_capacity.objective == pytest.approx(4.0, abs=1e-9)  # no contract can be signed: 2030 is short


def test_cutting_the_tail_hides_the_late_shortfall(tail_case):
    model = build_model(tail_case, (2026, 2029), ("training",), tail=0)
    assert model.workforce.end == 2029
    assert model.lp.columns["training_places"].index.get_level_values("year").max() == 2028
    with pytest.raises(ValueError, match="data end in 2030"):
        build_model(tail_case, (2026, 2029), ("training",), tail=2)


def test_evaluate_checks_the_tail_years(tail_case):
    from dataclasses import replace

    result = solve(tail_case, Scenario(levers=("training",), mip_gap=0.0, cost_gap=0.0))
    fewer = result.decisions[result.decisions["year"] != 2029]
    report = evaluate(tail_case, replace(result, decisions=fewer))
    families = set(report.violations["family"])
    assert {"stock_balance", "objective"} <= families, report.violations.to_dict("records")
