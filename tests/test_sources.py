"""Every row of every committed instance has a source that resolves, a derivation (``der:``, ``derived``) or
the label ``assumption``."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from gpec.schema import SCHEMAS
from tests.conftest import ROOT

PUBLICATIONS = set(pd.read_csv(ROOT / "data/raw/publications.csv")["id"])
RAW_REF = re.compile(r"data/raw/[\w./-]+\.(?:csv|txt|geojson|md)(?:#row=\d+)?")
PUB_REF = re.compile(r"\b([PS]\d{1,2})\b")


def _data_rows(path):
    return sum(1 for _ in open(path, encoding="utf-8")) - 1


def _check_reference(ref: str) -> None:
    path, _, row = ref.partition("#row=")
    assert (ROOT / path).is_file(), f"{ref}: no such file"
    if row and path.endswith(".csv"):
        assert 1 <= int(row) <= _data_rows(ROOT / path), f"{ref}: row out of range"


#: The committed instances with the stock-and-flow tables (``make instances`` rebuilds them).
INSTANCES = sorted(p.parent for p in (ROOT / "instances").glob("*/need.csv") if p.parent.name != "france")
CASES = [(folder, f) for folder in INSTANCES for f, s in sorted(SCHEMAS.items())
         if not s.optional or (folder / f).is_file()]


def test_the_committed_instances_are_there():
    assert {f.name for f in INSTANCES} >= {"landes", "landes_pyrenees_atlantiques", "nouvelle_aquitaine",
                                          "auvergne_rhone_alpes"}


@pytest.mark.parametrize("folder, file", CASES, ids=[f"{d.name}/{f}" for d, f in CASES])
def test_every_row_has_a_source(folder, file):
    table = pd.read_csv(folder / file, dtype=str, keep_default_na=False)
    assert (table["source"].str.strip() != "").all(), f"{file}: empty source"
    for i, source in enumerate(table["source"].unique(), start=1):  # distinct sources: i counts those
        refs = RAW_REF.findall(source)
        pubs = PUB_REF.findall(source)
        for ref in refs:
            _check_reference(ref)
        for pub in pubs:
            assert pub in PUBLICATIONS, f"{file} row {i}: unknown publication id {pub}"
        assert refs or pubs or "assumption" in source or source.startswith(("derived", "der:")), (
            f"{file} row {i}: source '{source}' names no data file, publication or derivation")


@pytest.mark.parametrize("folder", INSTANCES, ids=[f.name for f in INSTANCES])
def test_parameters_are_sourced_or_labelled_assumptions(folder):
    params = pd.read_csv(folder / "parameters.csv", dtype=str, keep_default_na=False)
    for i, row in enumerate(params.itertuples(index=False), start=1):
        assert row.confidence in ("pub", "der", "ass"), f"row {i}"
        tokens = [t.strip() for t in row.source.split(";")]
        if row.confidence == "ass":
            assert all(t == "assumption" or t in PUBLICATIONS or RAW_REF.fullmatch(t) for t in tokens), f"row {i}"
            continue
        for token in tokens:
            if token in PUBLICATIONS:
                continue
            assert RAW_REF.fullmatch(token), f"parameters.csv row {i}: '{token}' is neither a data/raw file nor a publication"
            _check_reference(token)
        assert float(row.low) <= float(row.value) <= float(row.high), f"row {i}"


def test_publications_table_is_complete():
    pubs = pd.read_csv(ROOT / "data/raw/publications.csv")
    assert pubs["id"].is_unique
    assert (pubs["reference"].str.len() > 0).all()
