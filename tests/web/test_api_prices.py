"""The shadow prices ``gpec serve`` computes after its answer (Planner.shadow_prices) are a priced solve's."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from gpec.planner import Planner
from gpec.scenario import Scenario
from gpec.solving import solve


def test_prices_after_the_answer_are_those_of_a_solve_that_prices(tiny):
    scenario = Scenario(budgets={"departement": 2500})
    planner = Planner(tiny, Scenario(shadow_prices=False))
    assert planner.shadow_prices(10).empty  # nothing solved yet
    planner.switch(replace(scenario, shadow_prices=False)).solve()
    after = planner.shadow_prices(scenario.time_limit)
    within = solve(tiny, scenario).shadow_prices
    keys = ["method", "family", "label"]
    relaxation = [frame[frame["method"] == "lp_relaxation"].set_index(keys)["value"].sort_index()
                  for frame in (after, within)]
    assert (relaxation[0] != 0).any()
    pd.testing.assert_series_equal(*relaxation, rtol=1e-6, atol=1e-9)
    marginals = [frame[frame["method"] == "mip_marginal"].set_index(keys)["value"].sort_index()
                 for frame in (after, within)]
    pd.testing.assert_series_equal(*marginals, rtol=1e-6, atol=1e-9)  # a tiny MIP: solved to optimality
