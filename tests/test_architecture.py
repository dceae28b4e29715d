"""The independent checks (evaluate(), evaluate_groups()) are independent of the model builders and the solvers."""

import subprocess
import sys
from pathlib import Path


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


README = Path(__file__).resolve().parents[1] / "README.md"
PACKAGE = README.parent / "gpec"


def _where_things_live() -> dict[str, str]:
    """The paths of the README's "Where things live" tree under ``gpec/`` (``gpec/models/qvct.py``,
    ``gpec/models/``...), each with its line's words: two spaces of indent a level, a folder ends in ``/``."""
    section = README.read_text(encoding="utf-8").split("\n## Where things live\n", 1)[1].split("\n## ", 1)[0]
    block = section.split("```\n", 2)[1]
    paths, stack = {}, []
    for line in block.splitlines():
        indent = len(line) - len(line.lstrip(" "))
        name, _, words = line.strip().partition(" ")
        if indent == 0 and name != "gpec/":
            stack = []
            continue
        stack = stack[:indent // 2] + [name]
        if stack[0] == "gpec/":
            paths["".join(stack)] = words.strip()
    return paths


def test_readme_where_things_live_is_the_tree_of_the_package():
    named = _where_things_live()
    modules = {str(p.relative_to(PACKAGE.parent)) for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts}
    packages = {str(p.parent.relative_to(PACKAGE.parent)) + "/" for p in PACKAGE.rglob("__init__.py")}
    assert sorted(modules - set(named)) == [], "modules missing from README 'Where things live'"
    assert sorted(packages - set(named)) == [], "packages missing from README 'Where things live'"
    gone = [p for p in named if not (PACKAGE.parent / p).exists() or (p.endswith("/") != (PACKAGE.parent / p).is_dir())]
    assert gone == [], "README 'Where things live' names what does not exist"
    assert [p for p, words in named.items() if not words] == [], "a line without words"
