"""The bad-input matrix: real files corrupted the way spreadsheets, scripts and hands corrupt them.

Each case asserts the exact `PATH:LINE: COLUMN: ...` line from `check`, and that `build` prints the same line and
stops before any notebook runs. One case (CRLF line endings) is a documented normalisation and must pass.
Decisions are documented in data/README.md ("Errors versus normalisations").
"""

from __future__ import annotations

import csv
import json

import pytest
from conftest import cell, crashed_rules, find_line, read_rows, run_check, set_cell, write_rows

from dilemma.__main__ import main
from dilemma.build import build


def rewrite(path, fn):
    rows = read_rows(path)
    write_rows(path, fn(rows))


def last_line(path) -> int:
    return len(read_rows(path))


# Cases that overwrite one cell of a row found by a predicate on that cell:
# (name, file, column, which row, value, expected message).
FILLED = bool  # the first row with the cell filled in
CELL_CASES = [
    ("spreadsheet_date", "strikes.csv", "date", FILLED, "03/01/2026", "YYYY-MM-DD"),
    ("quoted_line_break", "strikes.csv", "notes", FILLED, "first part\r\nsecond part", "line break"),
    ("line_break_in_a_key", "strikes.csv", "event_id", FILLED, "ve-20260103-raid\nx", "line break"),
    ("leading_space_in_vocabulary", "events.csv", "actor", lambda v: v == "russia", " russia", "check spaces and letter case"),
    ("trailing_space_in_vocabulary", "strikes.csv", "confidence", lambda v: v == "high", "high ",
     "check spaces and letter case"),
    ("wrong_case_in_vocabulary", "events.csv", "claim_status", lambda v: v == "confirmed", "Confirmed",
     "check spaces and letter case"),
    ("float_count", "strikes.csv", "vessels", lambda v: v == "1", "1.0", "not a whole number"),
    ("absurd_count", "strikes.csv", "killed_best", FILLED, "5000", "at most 1000"),
    ("before_schema_minimum", "events.csv", "date", FILLED, "1900-01-01", "at least 1970-01-01"),
    ("blank_key", "casualty_estimates.csv", "estimate_id", FILLED, "", "value is required"),
    ("dangling_source", "weapon_systems.csv", "source_ids", FILLED, "nobody-20250101-nothing", "not in sources.csv"),
    ("url_not_http", "sources.csv", "url", lambda v: v.startswith("https://"), "www.example.org/page", "http:// or https://"),
    ("formula_cell", "events.csv", "location", FILLED, "@Caracas", "formula"),
]


def cell_case(name, file, column, which, value, message):
    def corrupt(d):
        line = find_line(d / file, column, which)
        set_cell(d / file, line, column, value)
        return d / file, line, column, message

    corrupt.__name__ = name
    return corrupt


def thousands_separator(d):
    p = d / "weapon_systems.csv"
    line = find_line(p, "quantity", lambda v: v.isdigit() and int(v) >= 1000)
    set_cell(p, line, "quantity", f"{int(cell(p, line, 'quantity')):,}")
    return p, line, "quantity", "not a whole number"


def decimal_comma(d):
    p = d / "arms_transfers.csv"
    line = find_line(p, "tiv_millions", lambda v: "." in v)
    set_cell(p, line, "tiv_millions", cell(p, line, "tiv_millions").replace(".", ","))
    return p, line, "tiv_millions", "not a number"


def byte_order_mark(d):
    p = d / "casualty_estimates.csv"
    p.write_bytes(b"\xef\xbb\xbf" + p.read_bytes())
    return p, 1, "", "byte-order mark"


def semicolons(d):
    p = d / "comparison.csv"
    p.write_text("\n".join(";".join(r) for r in read_rows(p)) + "\n", encoding="utf-8")
    return p, 1, "", "not comma-separated"


def latin1(d):
    p = d / "sources.csv"
    line = find_line(p, "title", bool)
    set_cell(p, line, "title", "Caf\u00e9 con Maduro")
    p.write_bytes(p.read_bytes().replace("Caf\u00e9".encode(), "Caf\u00e9".encode("latin-1")))
    return p, line, "title", "not valid UTF-8"


def trailing_blank_rows(d):
    p = d / "strikes.csv"
    n = last_line(p)
    p.write_bytes(p.read_bytes() + b",,,,,,,,,,,,,,,,,,,,\n")
    return p, n + 1, "", "blank row"


def reordered_columns(d):
    p = d / "weapon_systems.csv"
    rewrite(p, lambda rows: [[r[1], r[0], *r[2:]] for r in rows])
    return p, 1, "", "not in the order"


def renamed_column(d):
    p = d / "events.csv"
    rewrite(p, lambda rows: [["Date" if h == "date" else h for h in rows[0]], *rows[1:]])
    return p, 1, "Date", "did you mean 'date'"


def duplicated_column(d):
    p = d / "comparison.csv"
    rewrite(p, lambda rows: [r + [r[0]] for r in rows])
    return p, 1, "metric", "more than once"


def missing_column(d):
    p = d / "casualty_estimates.csv"
    rewrite(p, lambda rows: [r[:-1] for r in rows])
    return p, 1, "note", "column is missing"


def extra_column(d):
    p = d / "strikes.csv"
    rewrite(p, lambda rows: [rows[0] + ["checked_by"], *[r + ["me"] for r in rows[1:]]])
    return p, 1, "checked_by", "unexpected column"


def negative_count(d):
    p = d / "weapon_systems.csv"
    line = find_line(p, "quantity", lambda v: v != "")
    set_cell(p, line, "quantity", "-4")
    return p, line, "quantity", "at least 0"


def low_above_best(d):
    p = d / "comparison.csv"
    line = find_line(p, "value_low", lambda v: v != "")
    set_cell(p, line, "value_best", str(float(cell(p, line, "value_low")) - 1))
    return p, line, "value_low", "greater than value_best"


def best_above_high(d):
    p = d / "casualty_estimates.csv"
    line = find_line(p, "killed_high", lambda v: v != "")
    set_cell(p, line, "killed_best", str(int(cell(p, line, "killed_high")) + 1))
    return p, line, "killed_best", "greater than killed_high"


def after_data_as_of(d):
    p = d / "casualty_estimates.csv"
    as_of = json.loads((d / "datapackage.json").read_text())["data_as_of"]
    year = int(as_of[:4]) + 1
    line = find_line(p, "as_of", bool)
    set_cell(p, line, "as_of", f"{year}{as_of[4:]}")
    return p, line, "as_of", "after data_as_of"


def month_not_on_first(d):
    p = d / "strikes.csv"
    line = find_line(p, "date_precision", lambda v: v == "month")
    set_cell(p, line, "date", cell(p, line, "date")[:8] + "15")
    return p, line, "date", "1st of the month"


def duplicate_key(d):
    p = d / "weapon_systems.csv"
    rewrite(p, lambda rows: rows + [rows[3]])
    return p, last_line(p), "system_id", "duplicate key (first on line 4)"


def unused_source(d):
    p = d / "sources.csv"
    rewrite(p, lambda rows: rows + [["orphan-20250101-x", "https://example.org/x", "Example", "X", "", "2026-01-01",
                                     "news", "", ""]])
    return p, last_line(p), "source_id", "not cited"


def source_ids_with_spaces(d):
    p = d / "events.csv"
    line = find_line(p, "source_ids", bool)
    set_cell(p, line, "source_ids", cell(p, line, "source_ids").replace(";", "; ") + "; x")
    return p, line, "source_ids", "separated by ';' with no spaces"


def strike_to_missing_event(d):
    p = d / "strikes.csv"
    line = find_line(p, "event_id", lambda v: v != "")
    set_cell(p, line, "event_id", "ve-20000101-nothing")
    return p, line, "event_id", "not found in events.csv"


def accessed_before_published(d):
    p = d / "sources.csv"
    line = find_line(p, "published", bool)
    set_cell(p, line, "accessed", "2000-01-02")
    return p, line, "accessed", "is before the source's published date"


def older_sources_case(name, several):
    def corrupt(d):
        dated = {row[0] for row in read_rows(d / "sources.csv")[1:] if row[4]}  # source_id, ..., published
        p = d / "strikes.csv"
        line = find_line(p, "source_ids", lambda v: (";" in v) == several and all(i in dated for i in v.split(";")))
        set_cell(p, line, "date", "2026-11-20")  # a source of another strike pasted onto a new row, say
        return p, line, "source_ids", "every source it cites was published before its date"

    corrupt.__name__ = name
    return corrupt


def empty_file(d):
    p = d / "weapon_systems.csv"
    p.write_bytes(b"")
    return p, 0, "", "file is empty"


def header_only(d):
    p = d / "strikes.csv"
    rewrite(p, lambda rows: rows[:1])
    return p, 0, "", "has a header but no data rows"


def missing_file(d):
    p = d / "arms_transfers.csv"
    p.unlink()
    return p, 0, "", "file is missing"


CASES = [cell_case(*case) for case in CELL_CASES] + [
    thousands_separator, decimal_comma, byte_order_mark, semicolons, latin1, trailing_blank_rows, reordered_columns,
    renamed_column, duplicated_column, missing_column, extra_column, negative_count, low_above_best, best_above_high,
    after_data_as_of, month_not_on_first, duplicate_key, unused_source, source_ids_with_spaces,
    strike_to_missing_event, accessed_before_published, older_sources_case("strike_only_on_older_sources", True),
    older_sources_case("strike_only_on_one_older_source", False), empty_file, header_only, missing_file]


def expected_prefix(path, line, column) -> str:
    where = f"{path}:{line}: " if line else f"{path}: "
    return where + (f"{column}: " if column else "")


@pytest.mark.parametrize("corrupt", CASES, ids=[c.__name__ for c in CASES])
def test_check_and_build_report_the_exact_line(data, tmp_path, capsys, corrupt):
    path, line, column, words = corrupt(data)
    prefix = expected_prefix(path, line, column)
    code, out = run_check(data, capsys)
    assert code == 1
    hits = [o for o in out if o.startswith(prefix) and words in o]
    assert hits, f"no line starting {prefix!r} containing {words!r} in:\n" + "\n".join(out)
    assert not any("Traceback" in o for o in out)
    assert not crashed_rules(out), "a rule of the check crashed on the data:\n" + "\n".join(crashed_rules(out))

    assert build(data=data, out=tmp_path / "out", jobs=1) == 1
    built = capsys.readouterr()
    assert any(o.startswith(prefix) and words in o for o in built.out.splitlines())
    assert "no notebook was run" in built.err
    assert not (tmp_path / "out" / "notebooks").exists()


def test_crlf_line_endings_are_a_safe_normalisation(data, capsys):
    from dilemma.schema import digest

    fingerprint = digest(data)
    for name in ("events.csv", "strikes.csv"):
        path = data / name
        before = path.read_bytes()
        path.write_bytes(before.replace(b"\n", b"\r\n"))
    # the same data: a Windows checkout (git's core.autocrlf) or re-save keeps the fingerprint the notebooks print
    assert digest(data) == fingerprint
    rows = read_rows(data / "sources.csv")
    with (data / "sources.csv").open("w", encoding="utf-8", newline="") as handle:  # a spreadsheet's "quote all" save
        csv.writer(handle, quoting=csv.QUOTE_ALL, lineterminator="\n").writerows(rows)
    (data / "arms_transfers.csv").write_bytes((data / "arms_transfers.csv").read_bytes().replace(b"\n", b"\r"))  # old Mac
    code = main(["check", "--data", str(data)])
    out, err = capsys.readouterr()
    assert code == 0 and len(out.splitlines()) == 1 and out.startswith("ok: "), out + err
    assert (data / "events.csv").read_bytes().count(b"\r\n") > 10, "the file is read, never rewritten"
    # accepted, but said (on stderr: stdout keeps its one line): committed all quoted, every line would show as changed
    assert [line.split(": accepted")[0] for line in err.splitlines()] == [
        f"note: {data / 'sources.csv'}: every cell quoted", f"note: {data / 'events.csv'}: Windows or old Mac line endings",
        f"note: {data / 'strikes.csv'}: Windows or old Mac line endings",
        f"note: {data / 'arms_transfers.csv'}: Windows or old Mac line endings"]
