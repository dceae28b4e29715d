"""evaluate() is independent of the model builder and the solvers."""

import subprocess
import sys


def test_evaluate_imports_no_model_or_solver_code():
    code = ("import sys, gpec.evaluate; "
            "print(','.join(m for m in sys.modules if m.startswith(('gpec.models', 'gpec.solvers', 'highspy', "
            "'ortools', 'pyomo'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "", f"gpec.evaluate pulls in {out}"
