"""Reconciliation of the strike table against every published boat-strike tally.

data/README.md lists, between the `unreconciled` markers, the tallies that do not
match, their numbers and why. The computed list and numbers must equal the documented
ones, so dropping a strike row or mistyping a death count fails here, and so does an
update of the data that leaves the table stale.
"""

from __future__ import annotations

import json

import pandas as pd
from conftest import REAL_DATA, cell, find_line, read_rows, set_cell, write_rows

from dilemma import analysis as an
from dilemma.build import coverage_note, reconciliation_note
from dilemma.data import documented_newest, documented_unreconciled
from dilemma.schema import check


def fixes(data_dir) -> list[str]:
    tables = check(data_dir).tables
    documented = documented_unreconciled(data_dir)
    assert documented is not None, "data/README.md has no unreconciled block"
    return an.reconcile_fixes(an.reconcile(tables["strikes"].frame, tables["casualty_estimates"].frame), documented)


def test_unreconciled_tallies_are_exactly_the_documented_ones():
    fix = fixes(REAL_DATA)
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
    assert fixes(data)


def test_mistyping_a_death_count_breaks_reconciliation(data):
    path = data / "strikes.csv"
    rows = read_rows(path)
    line = vessel_strike_lines(path)[2]
    column = rows[0].index("killed_best")
    rows[line - 1][column] = str(int(cell(path, line, "killed_best")) + 10)
    write_rows(path, rows)
    assert fixes(data)


def test_a_later_strike_leaves_the_table_stale_and_the_failure_says_which_numbers_to_update(data):
    path = data / "strikes.csv"
    rows = read_rows(path)
    header, *tallies = read_rows(data / "casualty_estimates.csv")
    subject, as_of = header.index("subject"), header.index("as_of")
    last_tally = max(r[as_of] for r in tallies if r[subject] == "vessel_strike_campaign")
    dated = {line: cell(path, line, "date") for line in vessel_strike_lines(path)}
    # one more death in the last strike a tally can have counted (not one added after every tally): its gaps move by one
    line = max((line for line, day in dated.items() if day <= last_tally), key=dated.get)
    column = rows[0].index("killed_best")
    rows[line - 1][column] = str(int(cell(path, line, "killed_best")) + 1)
    write_rows(path, rows)
    fix = fixes(data)
    assert fix and all(f.startswith("update the numbers of") for f in fix)
    frames = {name: table.frame for name, table in check(data).tables.items()}
    note = reconciliation_note(data, frames)  # what the build prints: the same instructions, naming the file
    assert note.startswith(f"note: {data / 'README.md'}") and all(f in note for f in fix)
    assert reconciliation_note(REAL_DATA, {n: t.frame for n, t in check(REAL_DATA).tables.items()}) == ""


def test_data_readme_says_which_newest_rows_its_coverage_was_written_for_and_a_later_row_gets_a_note(data):
    assert documented_newest(REAL_DATA) is not None  # the sentence is there: the note below cannot go quiet
    assert coverage_note(REAL_DATA, {n: t.frame for n, t in check(REAL_DATA).tables.items()}) == ""
    readme = data / "README.md"
    text = readme.read_text(encoding="utf-8")
    readme.write_text(text.replace("written for the newest strike of", "written for the strike of"), encoding="utf-8")
    frames = {n: t.frame for n, t in check(data).tables.items()}
    assert coverage_note(data, frames).startswith(f"note: {readme} has no sentence saying which rows")  # reworded
    readme.unlink()
    assert coverage_note(data, frames) == ""  # a data folder without a README has no hand-written section to keep
    readme.write_text(text, encoding="utf-8")
    path = data / "strikes.csv"
    as_of = json.loads((data / "datapackage.json").read_text(encoding="utf-8"))["data_as_of"]
    line = find_line(path, "date_precision", lambda v: v == "day")
    set_cell(path, line, "date", as_of)  # a strike found after the coverage section was written
    set_cell(path, line, "announced_date", "")
    note = coverage_note(data, {n: t.frame for n, t in check(data).tables.items()})
    assert note.startswith(f"note: the newest strike is now {an.fmt_date(pd.Timestamp(as_of))} ({as_of} in the data), not ")
    assert "Coverage and known gaps" in note and "newest event" not in note
    # a strike known only to its month, disclosed at its end, is newer than the documented one of the 21st
    documented = documented_newest(data)["strikes"]
    for column, value in (("date", f"{documented:%Y-%m}-01"), ("date_precision", "month"),
                          ("announced_date", f"{documented + pd.offsets.MonthEnd(0):%Y-%m-%d}")):
        set_cell(path, line, column, value)
    note = coverage_note(data, {n: t.frame for n, t in check(data).tables.items()})
    assert note.startswith(f"note: the newest strike is now {documented:%B %Y} ({documented:%Y-%m}-01 in the data)")


def test_a_readme_the_note_cannot_read_says_so_instead_of_failing_the_build(data):
    frames = {name: table.frame for name, table in check(data).tables.items()}
    readme = data / "README.md"
    text = readme.read_text(encoding="utf-8")
    row = next(line for line in text.splitlines() if line.startswith("| `ce-"))
    readme.write_text(text.replace(row, row.replace(" | ", " | 1,0", 3), 1), encoding="utf-8")  # a number it cannot parse
    assert "a row of the unreconciled table is not" in reconciliation_note(data, frames)
    readme.write_bytes(b"caf\xe9 " + readme.read_bytes())  # Latin-1, not UTF-8
    note = reconciliation_note(data, frames)
    assert note.startswith("note: ") and "cannot be read" in note
    readme.unlink()
    assert reconciliation_note(data, frames) == ""  # a copy of the data without its README: nothing to compare
