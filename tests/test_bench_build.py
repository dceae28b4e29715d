"""benchmarks/bench_build.py builds the same core model with linopy as gpec does (only with the ``bench``
extra: linopy is a benchmark-only dependency)."""

from __future__ import annotations

import importlib.util
import sys

import pytest

from tests.conftest import LANDES, ROOT

pytest.importorskip("linopy")


def _bench_build():
    spec = importlib.util.spec_from_file_location("bench_build", ROOT / "benchmarks" / "bench_build.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclass looks its module up
    spec.loader.exec_module(module)
    return module


def test_linopy_core_is_gpecs_core_on_the_landes():
    """Same columns, rows and non-zeros handed to HiGHS, and the same optimal unmet need of the LP relaxation."""
    result = _bench_build().same_relaxation(LANDES)
    gpec, linopy = result["gpec"], result["linopy"]
    assert (gpec["cols"], gpec["rows"], gpec["nnz"]) == (linopy["cols"], linopy["rows"], linopy["nnz"])
    assert gpec["lp"] == pytest.approx(linopy["lp"], rel=1e-6)
