"""Reconciliation of the strike table against every published boat-strike tally.

data/README.md lists, between the `unreconciled` markers, the tallies that do not
match, their numbers and why. The computed list and numbers must equal the documented
ones, so dropping a strike row or mistyping a death count fails here, and so does an
update of the data that leaves the table stale.
"""

from __future__ import annotations

import re

from conftest import REAL_DATA, cell, read_rows, write_rows

from dilemma import analysis as an
from dilemma.schema import check

ROW = re.compile(r"^\| `(ce-[a-z0-9-]+)` \|[^|]*\|[^|]*\| (\d+) \| (\d+) / (\d+) \|", re.M)


def documented() -> dict[str, tuple[int, int, int]]:
    """The table in data/README.md: estimate id -> (tally, dataset at the time, dataset with presumed dead)."""
    text = (REAL_DATA / "README.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- unreconciled:begin -->(.*?)<!-- unreconciled:end -->", text, re.S)
    assert block, "data/README.md has no unreconciled block"
    return {found[0]: tuple(map(int, found[1:])) for found in ROW.findall(block.group(1))}


def unreconciled(data_dir) -> dict[str, tuple[int, int, int]]:
    tables = check(data_dir).tables
    rec = an.reconcile(tables["strikes"].frame, tables["casualty_estimates"].frame)
    rec = rec[~rec["reconciles"]]
    return {r.estimate_id: (int(r.tally_killed), int(r.dataset_killed), int(r.dataset_killed_incl_presumed))
            for r in rec.itertuples()}


def fixes(computed: dict, table: dict) -> list[str]:
    """What to change in the documented table so that it matches the data, one instruction per row."""
    return ([f"add a row for {k} (tally / at the time / with presumed dead: {v}) and say why it differs"
             for k, v in computed.items() if k not in table]
            + [f"delete the row of {k}: it now reconciles" for k in table if k not in computed]
            + [f"update the numbers of {k}: {table[k]} -> {v}" for k, v in computed.items() if k in table and table[k] != v])


def test_unreconciled_tallies_are_exactly_the_documented_ones():
    fix = fixes(unreconciled(REAL_DATA), documented())
    assert not fix, "data/README.md, the unreconciled table (chapter 2 prints the numbers):\n" + "\n".join(fix)


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


def test_a_later_strike_leaves_the_table_stale_and_the_failure_says_which_numbers_to_update(data):
    path = data / "strikes.csv"
    rows = read_rows(path)
    line = vessel_strike_lines(path)[-1]  # one more death in the last strike: the last tally's gap moves by one
    column = rows[0].index("killed_best")
    rows[line - 1][column] = str(int(cell(path, line, "killed_best")) + 1)
    write_rows(path, rows)
    fix = fixes(unreconciled(data), documented())
    assert fix and all(f.startswith("update the numbers of") for f in fix)
