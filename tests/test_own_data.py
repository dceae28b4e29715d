"""Instances from one's own data: the README's worked example runs as written, and from_frames checks the
tables like load_instance (an error names the file)."""

from __future__ import annotations

import re
import subprocess
import sys

import pandas as pd
import pytest

from gpec.errors import GpecError, InputError
from gpec.instance import Instance
from tests.conftest import LANDES, ROOT


def test_the_readme_example_builds_and_solves_three_bassins():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- own-data example.*?-->\n```python\n(.*?)```", readme, re.S).group(1)
    proc = subprocess.run([sys.executable, "-c", block], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    folder, status, violations = proc.stdout.split()
    assert status in ("optimal", "feasible") and violations == "0"
    assert sorted(pd.read_csv(f"{folder}/bassins.csv", dtype=str)["bassin"]) == ["40046", "40088", "40192"]


def test_from_frames_checks_like_load_instance(tmp_path):
    tables = {f.name: pd.read_csv(f, dtype=str, keep_default_na=False) for f in LANDES.glob("*.csv")}
    tables["need.csv"].loc[3, "need_fte"] = "-1"
    with pytest.raises(InputError, match="need.csv"):
        Instance.from_frames(tables, name="bad", base_year=2023, horizon=(2026, 2030), folder=tmp_path / "bad")
    with pytest.raises(GpecError, match="unknown table"):
        Instance.from_frames({"needs.csv": tables["need.csv"]}, name="x", base_year=2023, horizon=(2026, 2030),
                             folder=tmp_path / "x")
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "mine.txt").write_text("mine")
    with pytest.raises(GpecError, match="not empty"):
        Instance.from_frames(tables, name="x", base_year=2023, horizon=(2026, 2030), folder=tmp_path / "full")
