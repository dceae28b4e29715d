"""The public names of ``gpec`` (``__all__``): each resolves, the static view (``TYPE_CHECKING`` imports)
names the same ones from the same modules, ``import gpec`` stays light, and ``gpec.evaluate`` checks a
result whether Python bound the function or the module to that name."""

import ast
import importlib
import inspect
import subprocess
import sys

import gpec
from gpec.evaluate import Evaluation
from gpec.scenario import Scenario
from gpec.solving import solve


def test_every_public_name_resolves_to_what_its_module_defines():
    assert sorted(gpec.__all__) == sorted(gpec._EXPORTS)
    for name in gpec.__all__:
        defined = getattr(importlib.import_module(gpec._EXPORTS[name]), name)
        got = getattr(gpec, name)
        assert got is defined or (name == "evaluate" and got is sys.modules["gpec.evaluate"]), name


def test_a_star_import_in_a_fresh_interpreter_gets_every_public_name():
    code = ("from gpec import *; import gpec; names = set(dir()); "
            "print(all(n in names for n in gpec.__all__), len(gpec.__all__))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["True", str(len(gpec.__all__))]


def test_the_names_ides_read_are_the_public_names_from_the_same_modules():
    tree = ast.parse(inspect.getsource(gpec))
    block = next(node for node in tree.body if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING")
    static = {alias.name: node.module for node in block.body for alias in node.names}
    assert static == gpec._EXPORTS


def test_importing_gpec_loads_no_heavy_library():
    code = ("import sys, gpec; print(','.join(m for m in ('pandas', 'numpy', 'highspy', 'ortools', 'matplotlib') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == ""


def test_gpec_evaluate_checks_a_result_once_its_module_is_imported(tiny):
    import gpec.evaluate  # binds the module to gpec.evaluate

    result = solve(tiny, Scenario(mip_gap=0.0))
    report = gpec.evaluate(tiny, result)
    assert isinstance(report, Evaluation) and report.ok
    assert report.objective == gpec.evaluate.evaluate(tiny, result).objective
