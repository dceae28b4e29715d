"""The shadow prices ``gpec serve`` computes after its answer (Planner.shadow_prices) are a priced solve's."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from gpec.instance import load_instance
from gpec.planner import Planner
from gpec.scenario import Scenario
from gpec.solving import solve

from tests.conftest import LANDES


def test_prices_after_the_answer_are_those_of_a_solve_that_prices():
    landes = load_instance(LANDES)
    scenario = Scenario(horizon=(2026, 2027), budgets={"cd40": 600_000})
    planner = Planner(landes, Scenario(shadow_prices=False))
    assert planner.shadow_prices(10).empty  # nothing solved yet
    planner.switch(replace(scenario, shadow_prices=False)).solve()
    after = planner.shadow_prices(scenario.time_limit)
    within = solve(landes, scenario).shadow_prices
    keys = ["method", "family", "label"]
    relaxation = [frame[frame["method"] == "lp_relaxation"].set_index(keys)["value"].sort_index()
                  for frame in (after, within)]
    assert len(relaxation[0]) > 0
    pd.testing.assert_series_equal(*relaxation, rtol=1e-6, atol=1e-9)
    assert set(after.loc[after["method"] == "mip_marginal", "funder"]) == {"cd40", "cr75", "ars75"}
