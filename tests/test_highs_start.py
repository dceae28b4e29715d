"""HiGHS 1.16, a MIP started from a solution: on this instance (found by the property test) it returned
the start while reporting an objective 5,000 lower that no solution has. The backend detects that the
solution does not cost what HiGHS reports and solves again without the start (see
:meth:`gpec.solvers.highs.HighsBackend.solve`); the cost stage is then proven optimal at the start's cost."""

from __future__ import annotations

from pathlib import Path

import pytest

from gpec.scenario import Scenario
from gpec.solving import solve
from tests.test_properties import _load

SPEC = {'apprentice_cap': {('00001', 'as'): 0, ('00001', 'ide'): 1, ('00002', 'as'): 0, ('00002', 'ide'): 3},
        'bassins': [('00001', 8.457800158595694e-225, 45.0), ('00002', -7.779474057157062e-17, 45.0)],
        'budget': {'departement': 5475.5348614347495, 'region': 0.0},
        'inflow': {('00001', 'as', 2027): 0.0,
                   ('00001', 'as', 2028): 4.018955054451998,
                   ('00001', 'as', 2029): 5.960147196555336,
                   ('00001', 'as', 2030): 5.0,
                   ('00001', 'ide', 2027): 6.48696199034786,
                   ('00001', 'ide', 2028): 2.1511310924589098,
                   ('00001', 'ide', 2029): 6.48696199034786,
                   ('00001', 'ide', 2030): 5.944052696250018,
                   ('00002', 'as', 2027): 0.05000188647111871,
                   ('00002', 'as', 2028): 1.9079267442092545,
                   ('00002', 'as', 2029): 4.018955054451998,
                   ('00002', 'as', 2030): 0.0,
                   ('00002', 'ide', 2027): 0.0,
                   ('00002', 'ide', 2028): 0.0,
                   ('00002', 'ide', 2029): 0.0,
                   ('00002', 'ide', 2030): 0.0},
        'metiers': ('as', 'ide'),
        'need': {('00001', 'as', 2026): 0.0,
                 ('00001', 'as', 2027): 44.137247282115084,
                 ('00001', 'as', 2028): 0.0,
                 ('00001', 'as', 2029): 0.0,
                 ('00001', 'as', 2030): 0.0,
                 ('00001', 'ide', 2026): 0.0,
                 ('00001', 'ide', 2027): 0.0,
                 ('00001', 'ide', 2028): 0.0,
                 ('00001', 'ide', 2029): 0.0,
                 ('00001', 'ide', 2030): 73.50860017048873,
                 ('00002', 'as', 2026): 0.0,
                 ('00002', 'as', 2027): 20.325139484720815,
                 ('00002', 'as', 2028): 73.89196005690793,
                 ('00002', 'as', 2029): 0.0,
                 ('00002', 'as', 2030): 0.0,
                 ('00002', 'ide', 2026): 0.0,
                 ('00002', 'ide', 2027): 0.0,
                 ('00002', 'ide', 2028): 0.0,
                 ('00002', 'ide', 2029): 0.0,
                 ('00002', 'ide', 2030): 0.0},
        'params': {'apprentice_conversion': 0.6412014590109316,
                   'cost_apprentice': {'as': 500.0, 'ide': 3682.103308557835},
                   'cost_pool_fte': {'as': 500.0},
                   'cost_qvct_officer': 500.0,
                   'dropout': {'as': 0.0, 'ide': 0.0},
                   'eff_pool_fill': 0.5,
                   'eff_qvct_exit': 0.0,
                   'exit_rate': {'as': 0.0, 'ide': 0.0},
                   'pool_max_share': 0.1417275658518994,
                   'pool_radius_min': 10.0,
                   'qvct_radius_min': 10.0,
                   'retain_local': 0.0,
                   'retire_rate': {'as': 0.0, 'ide': 0.0},
                   'training_years': {'as': 1, 'ide': 1},
                   'travel_cost_per_minute': 0.0},
        'staff': {('S0', 'as'): 0.0, ('S0', 'ide'): 0.0},
        'stock0': {('00001', 'as'): 2.2250738585072014e-308,
                   ('00001', 'ide'): 12.623746771007752,
                   ('00002', 'as'): 0.001,
                   ('00002', 'ide'): 4.126753882789803},
        'structures': [('S0', '00001', 0.0, 45.0, 50)],
        'training_cap': {('00001', 'as'): 0, ('00001', 'ide'): 0},
        'years': (2026, 2030)}


def test_a_misreported_start_is_solved_again(tmp_path: Path):
    result = solve(_load(SPEC, tmp_path / "instance"), Scenario(mip_gap=0.0))
    cost = next(s for s in result.stages if s.name == "cost")
    assert result.status == "optimal" and result.violations == 0
    assert cost.status == "optimal" and "solution costs" not in cost.solver_status
    assert cost.objective == pytest.approx(17_364.2066, abs=1e-3) and cost.bound <= cost.objective + 1e-6


def test_a_solve_stopped_by_set_enough_does_not_stop_the_next_one():
    """HiGHS keeps its interrupt flag from one solve to the next; the backend clears it, also when only
    the progress callback listens (the next stage, or a Planner's next what-if)."""
    from gpec.instance import load_instance
    from gpec.models import build_model
    from gpec.scenario import Scenario
    from gpec.solvers.highs import HighsBackend
    from tests.conftest import LANDES

    applied, horizon = Scenario(horizon=(2026, 2027)).apply(load_instance(LANDES))
    model = build_model(applied, horizon)
    backend = HighsBackend(model.lp)
    backend.set_objective(model.lp.objective_vector("unmet"))
    seen = []
    backend.set_progress(lambda *values: seen.append(values))
    backend.set_enough(0.9, 0.0)  # stop at the first incumbent and bound
    first = backend.solve(60.0, 0.0)
    assert first.x is not None
    backend.set_enough(None)
    again = backend.solve(60.0, 1e-3)
    assert first.solver_status.startswith("stopped at gap") or first.status == "optimal", first.solver_status
    assert again.status == "optimal" and not any(word in again.solver_status for word in ("Interrupted", "stopped")), \
        again.solver_status
    assert seen  # the progress callback was called throughout
