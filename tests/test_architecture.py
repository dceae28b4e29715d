"""The independent checks (evaluate(), evaluate_groups()) are independent of the model builders and the solvers."""

import subprocess
import sys


def test_evaluate_imports_no_model_or_solver_code():
    code = ("import sys, gpec.evaluate; "
            "print(','.join(m for m in sys.modules if m.startswith(('gpec.models', 'gpec.solvers', 'highspy', "
            "'ortools', 'pyomo'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "", f"gpec.evaluate pulls in {out}"


def test_evaluate_groups_imports_no_model_candidates_generation_or_solver_code():
    code = ("import sys, gpec.groupings.check; "
            "print(','.join(m for m in sys.modules if m.startswith(('gpec.groupings.compact', "
            "'gpec.groupings.candidates', 'gpec.groupings.master', 'gpec.groupings.generation', 'gpec.models', "
            "'gpec.solvers', 'highspy', 'ortools', 'pyomo'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "", f"gpec.groupings.check pulls in {out}"
