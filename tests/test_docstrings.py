"""Formulation docstrings pinned to the code.

Each model module's docstring lists, in a numpy-style ``Constraints`` section, the constraint families
(row blocks of :class:`~gpec.models.linear.LinearModel`) it builds, each with its formula on the next,
indented line; a module that builds none says so in a line beginning ``None``. The test builds every
family once (the Landes model with every conditional family switched on, the near-optimal alternatives,
the rounding models, the groupings' compact model and master), records which module registered each
row block, and asserts that the documented and the built names are the same sets. A row block is
credited to the innermost documented module on the call stack when it is added, so a helper such as
:func:`gpec.models.levers.whole_totals` builds on behalf of the lever module that calls it.

Each ``add_constraints`` call of those modules (and of their helper :mod:`gpec.models.levers`) carries
its one-line formula in a comment right above it, ``# <block>: <formula>``, as the OR-Tools MathOpt
samples put the maths right above the code that builds it.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import re
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from gpec.groupings import GroupingOptions, load_group_data
from gpec.groupings.candidates import CandidateSpace
from gpec.groupings.compact import build_grouping_model
from gpec.groupings.master import master_model
from gpec.instance import load_instance
from gpec.models import build_model
from gpec.models.alternatives import add_alternatives
from gpec.models.linear import LinearModel
from gpec.models.stability import REFERENCE_COLUMNS
from gpec.rounding import rounding_model, whole_units_model
from gpec.scenario import Scenario
from tests.conftest import LANDES, ROOT

#: The modules whose docstrings hold a formulation (and so a ``Constraints`` section).
MODEL_MODULES = tuple(f"gpec.models.{name}" for name in (
    "workforce", "training", "apprenticeship", "qvct", "vehicles", "pools", "pathways", "labour_pool",
    "budget", "targets", "stability", "alternatives")) + ("gpec.rounding", "gpec.groupings.compact",
                                                           "gpec.groupings.master")
#: Where row blocks are added: the model modules and their helper (whose blocks a model module owns).
ROW_SOURCES = sorted([*(ROOT / "gpec" / "models").glob("*.py"), ROOT / "gpec" / "rounding.py",
                      *(ROOT / "gpec" / "groupings").glob("*.py")])
#: The placeholder of a lever's name in block names built once per lever (``<lever>_whole_places``).
LEVER = "<lever>"

_NAME = re.compile(r"[A-Za-z_<][\w<>]*")


def constraint_families(doc: str | None) -> dict[str, str]:
    """The ``Constraints`` section of a numpy-style docstring: block name -> its formula (the indented
    lines under the name, joined); ``{}`` when the section says ``None``.

    Raises ``ValueError`` when the docstring has no such section, when a name has no formula, when a
    line at the names' indentation is not a block name, or when ``None`` is not alone.
    """
    lines = inspect.cleandoc(doc or "").splitlines()
    heads = [i for i in range(len(lines) - 1) if lines[i].strip() == "Constraints"
             and lines[i + 1].strip() == "-" * len("Constraints")]
    if len(heads) != 1:
        raise ValueError(f"{len(heads)} 'Constraints' sections (one expected)")
    families, name, none = {}, None, False
    body = lines[heads[0] + 2:]
    for k, line in enumerate(body):
        if k + 1 < len(body) and line.strip() and set(body[k + 1].strip()) == {"-"}:
            break  # the next section
        if not line.strip():
            continue
        if line[0].isspace():
            if name is None and not none:
                raise ValueError(f"a formula with no block name: {line.strip()!r}")
            if name is not None:
                families[name] = f"{families[name]} {line.strip()}".strip()
            continue
        if line.startswith("None"):
            none, name = True, None
            continue
        if not _NAME.fullmatch(line.strip()):
            raise ValueError(f"not a block name: {line.strip()!r}")
        name = line.strip()
        if name in families:
            raise ValueError(f"{name} listed twice")
        families[name] = ""
    if none and families:
        raise ValueError("'None' and block names in one section")
    if not none and not families:
        raise ValueError("an empty section (write 'None: ...' for a module that builds no rows)")
    missing = [n for n, formula in families.items() if not formula]
    if missing:
        raise ValueError(f"no formula for {', '.join(missing)}")
    return families


def _owner() -> str | None:
    """The innermost model module on the call stack (the caller of ``add_constraints`` or its caller's
    caller...), ``None`` if there is none."""
    frame = sys._getframe(2)
    while frame is not None:
        name = frame.f_globals.get("__name__")
        if name in MODEL_MODULES:
            return name
        frame = frame.f_back
    return None


@pytest.fixture(scope="module")
def built() -> dict[str | None, set[str]]:
    """Row blocks registered by each model module (``None``: by no model module) over builds that switch
    every family on: the Landes default with carry-over at 0.5 (``budget_carry``), a service level, a
    minimum of places and a reference plan; near-optimal alternatives on that model; its rounding
    models; the groupings' compact model with ``--groups`` and ``--together``, and a master with
    ``--groups`` and the fewest-posts cut."""
    blocks: dict[str | None, set[str]] = defaultdict(set)
    add_constraints = LinearModel.add_constraints

    def recording(self, name, *args, **kwargs):
        blocks[_owner()].add(name)
        return add_constraints(self, name, *args, **kwargs)

    instance = load_instance(LANDES)
    levers = sorted(instance.pathways()["lever"].unique())
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(LinearModel, "add_constraints", recording)
        scenario = Scenario(parameters={("budget_carry_over", ""): 0.5}, service_level=0.5, min_places={"ide": 1})
        applied, horizon = scenario.apply(instance)
        model = build_model(applied, horizon, service_level=scenario.service_level,
                            min_places=scenario.min_places,
                            reference=pd.DataFrame(columns=list(REFERENCE_COLUMNS)))
        rounding_model(model, np.zeros(model.lp.n_cols))
        whole_units_model(model)
        add_alternatives(model.lp, model.levers, 2, 0.01, (1.0, 1.0), model.lp.objective_vector("unmet"),
                         model.lp.objective_vector("cost"))

        data = load_group_data(LANDES, "night_nurse")
        pairs = data.pairs(30)
        cost = int(round(data.post["cost_eur"]))
        first, second = data.structures["structure"].iloc[:2]
        build_grouping_model(data.structures, pairs, cost,
                             GroupingOptions(max_minutes=30, groups=5, together=((first, second),)))
        options = GroupingOptions(max_minutes=30, groups=5)
        space = CandidateSpace(data.structures, pairs, cost, options)
        master_model(space, [space.alone_column(s) for s in range(space.n)], min_posts=1)
    # a block built once per pathway lever is one family, <lever>_...
    pattern = re.compile(rf"^({'|'.join(map(re.escape, levers))})_")
    return {owner: {pattern.sub(f"{LEVER}_", name) for name in names} for owner, names in blocks.items()}


@pytest.mark.parametrize("module", MODEL_MODULES)
def test_the_docstring_lists_exactly_the_row_blocks_its_module_builds(built, module):
    documented = set(constraint_families(importlib.import_module(module).__doc__))
    made = built.get(module, set())
    assert documented == made, (f"{module}: documented but not built {sorted(documented - made)}, "
                                f"built but not documented {sorted(made - documented)}")


def test_every_row_block_is_built_by_a_documented_module(built):
    assert not built.get(None), f"row blocks built outside the model modules: {sorted(built[None])}"


SAMPLE = """Title.

Constraints
-----------
stock_balance
    :math:`S_t = S_{t-1} + F_t`
<lever>_whole_places
    :math:`\\sum_b Y_b = N`
"""


def test_the_section_reader_sees_a_renamed_family():
    """The reader gives the names as written, so a docstring naming a family the code does not build
    differs from the built set."""
    assert constraint_families(SAMPLE) == {"stock_balance": ":math:`S_t = S_{t-1} + F_t`",
                                           "<lever>_whole_places": ":math:`\\sum_b Y_b = N`"}
    renamed = constraint_families(SAMPLE.replace("stock_balance", "stock_balances"))
    assert set(renamed) == {"stock_balances", "<lever>_whole_places"}
    assert constraint_families("Title.\n\nConstraints\n-----------\nNone: bounds only.\n") == {}
    followed = SAMPLE + "\nNotes\n-----\nnot_a_family\n    more text\n"
    assert set(constraint_families(followed)) == {"stock_balance", "<lever>_whole_places"}


@pytest.mark.parametrize("doc, why", [
    ("Title.", "0 'Constraints' sections"),
    (SAMPLE.replace("    :math:`S_t = S_{t-1} + F_t`\n", ""), "no formula for stock_balance"),
    (SAMPLE + "None: no rows.\n", "'None' and block names"),
    (SAMPLE.replace("stock_balance", "stock balance"), "not a block name"),
    (SAMPLE + "stock_balance\n    again\n", "listed twice"),
    ("Title.\n\nConstraints\n-----------\n", "an empty section"),
])
def test_the_section_reader_refuses_a_malformed_section(doc, why):
    with pytest.raises(ValueError, match=re.escape(why)):
        constraint_families(doc)


def _block_name(node: ast.expr, module) -> str:
    """The name a call gives its block: a string, or an f-string whose module constants are filled in and
    whose other fields read ``<field>`` (``f"{PREFIX}_up"`` -> ``alternatives_up``, ``f"{lever}_split"``
    -> ``<lever>_split``)."""
    if isinstance(node, ast.Constant):
        return str(node.value)
    assert isinstance(node, ast.JoinedStr), ast.dump(node)
    parts = []
    for value in node.values:
        if isinstance(value, ast.Constant):
            parts.append(str(value.value))
        else:
            field = ast.unparse(value.value)
            parts.append(str(getattr(module, field)) if isinstance(getattr(module, field, None), str)
                         else f"<{field}>")
    return "".join(parts)


def _row_calls(path: Path):
    """(line, block name) of every ``add_constraints`` call in ``path``."""
    module = importlib.import_module(".".join(path.relative_to(ROOT).with_suffix("").parts))
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr == "add_constraints"):
            name = node.args[0] if node.args else next(k.value for k in node.keywords if k.arg == "name")
            yield node.lineno, _block_name(name, module)


def test_every_row_adding_call_carries_its_formula_in_a_comment_above_it():
    calls, missing = 0, []
    for path in ROW_SOURCES:
        lines = path.read_text(encoding="utf-8").splitlines()
        for lineno, name in _row_calls(path):
            calls += 1
            above, k = [], lineno - 2
            while k >= 0 and lines[k].strip().startswith("#"):
                above.append(lines[k].strip())
                k -= 1
            if not any(re.fullmatch(rf"#\s*{re.escape(name)}:\s*\S.*", line) for line in above):
                missing.append(f"{path.relative_to(ROOT)}:{lineno} ({name})")
    assert calls >= 30, f"only {calls} add_constraints calls found: the scan is broken"
    assert not missing, "add_constraints calls without '# <block>: <formula>' right above: " + ", ".join(missing)


def test_the_time_shares_the_docstrings_quote_are_those_of_the_code():
    """``Scenario.time_limit`` quotes the weights of :mod:`gpec.solving` with their values, and it and
    :mod:`gpec.solving`'s docstring the shares of the time they give stages 1 and 2 (with shadow prices,
    without ``verify``), with and without whole totals split over bassins."""
    import gpec.solving as solving

    doc, module = (" ".join(text.split()) for text in (Scenario.__doc__, solving.__doc__))
    quoted = re.findall(r":data:`~gpec\.solving\.([A-Z0-9_]+)` \(([\d.]+)( %)?\)", doc)
    assert len(quoted) >= 8, quoted
    for name, value, percent in quoted:
        assert float(value) / (100 if percent else 1) == pytest.approx(getattr(solving, name)), name
    s1, s, w, p = solving.STAGE1_WEIGHT, solving.STAGE_WEIGHT, solving.WHOLE_UNITS_WEIGHT, solving.POST_WEIGHT
    share = lambda part, whole: f"{part:g}/{whole:g}"
    for text in (doc, module):
        for quoted_share in (share(s1, s1 + s + w + p), share(s, s + w + p), share(s1, s1 + s + p)):
            assert quoted_share in text, quoted_share
        assert s / (s + p) == 0.5 and "half of what" in text  # stage 2 without split totals
    assert share(w, w + p) in doc  # making the plan whole
