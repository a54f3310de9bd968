"""Reconciliation of the strike table against every published boat-strike tally.

data/README.md lists, between the `unreconciled` markers, the tallies that do not
match and why. The computed list must equal the documented one, so dropping a
strike row or mistyping a death count fails here.
"""

from __future__ import annotations

import re

from conftest import REAL_DATA, cell, read_rows, write_rows

from dilemma import analysis as an
from dilemma.schema import check


def documented() -> set[str]:
    text = (REAL_DATA / "README.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- unreconciled:begin -->(.*?)<!-- unreconciled:end -->", text, re.S)
    assert block, "data/README.md has no unreconciled block"
    return set(re.findall(r"^\| `(ce-[a-z0-9-]+)` \|", block.group(1), re.M))


def unreconciled(data_dir) -> set[str]:
    tables = check(data_dir).tables
    rec = an.reconcile(tables["strikes"].frame, tables["casualty_estimates"].frame)
    return set(rec.loc[~rec["reconciles"], "estimate_id"])


def test_unreconciled_tallies_are_exactly_the_documented_ones():
    assert unreconciled(REAL_DATA) == documented()


def test_most_tallies_reconcile():
    tables = check(REAL_DATA).tables
    rec = an.reconcile(tables["strikes"].frame, tables["casualty_estimates"].frame)
    assert len(rec) >= 20 and rec["reconciles"].mean() >= 0.5


def vessel_strike_lines(path):
    rows = read_rows(path)
    kind = rows[0].index("kind")
    return [i + 1 for i, r in enumerate(rows) if i and r[kind] == "vessel_strike"]


def test_dropping_a_strike_row_breaks_reconciliation(data):
    path = data / "strikes.csv"
    rows = read_rows(path)
    middle = vessel_strike_lines(path)[len(vessel_strike_lines(path)) // 3]
    del rows[middle - 1]
    write_rows(path, rows)
    assert unreconciled(data) != documented()


def test_mistyping_a_death_count_breaks_reconciliation(data):
    path = data / "strikes.csv"
    rows = read_rows(path)
    line = vessel_strike_lines(path)[2]
    column = rows[0].index("killed_best")
    rows[line - 1][column] = str(int(cell(path, line, "killed_best")) + 10)
    write_rows(path, rows)
    assert unreconciled(data) != documented()
