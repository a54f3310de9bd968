"""The data contract: the real data passes, and every rule reports the exact line and column."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, timedelta

import pytest
from conftest import REAL_DATA, cell, find_line, read_rows, run_check, set_cell, write_rows

from dilemma.__main__ import main
from dilemma.schema import CROSS_FIELD_RULES, MAX_SHOWN


def test_real_data_passes(capsys):
    code, out = run_check(REAL_DATA, capsys)
    assert code == 0, "\n".join(out)
    assert len(out) == 1 and out[0].startswith("ok: ")


def test_cli_summary_and_exit_code_from_a_subprocess(data):
    (data / "events.csv").write_bytes(b"")
    done = subprocess.run([sys.executable, "-m", "dilemma", "check", "--data", str(data)],
                          capture_output=True, text=True)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr + done.stdout
    assert f"{data / 'events.csv'}: file is empty" in done.stdout


def reported(data, capsys, file: str, where: tuple, edits: dict[str, str], column: str, *words: str) -> str:
    """Set ``edits`` ({column: value}) on the first row of ``file`` whose ``where`` = (column, predicate) holds, run the
    check, and return the one line it reports for that row and ``column`` (which must hold ``words``)."""
    path = data / file
    line = find_line(path, *where)
    for name, value in edits.items():
        set_cell(path, line, name, value)
    code, out = run_check(data, capsys)
    assert code == 1
    return expect(out, path, line, column, *words)


def expect(out: list[str], path, line: int, column: str, *words: str) -> str:
    """Exactly one reported line starts with PATH:LINE: COLUMN: and it contains the words."""
    prefix = f"{path}:{line}: {column}: " if column else f"{path}:{line}: "
    hits = [o for o in out if o.startswith(prefix)]
    assert len(hits) == 1, f"expected one line starting {prefix!r} in:\n" + "\n".join(out)
    for word in words:
        assert word in hits[0], hits[0]
    return hits[0]


@pytest.mark.parametrize("name", ["sources", "events", "strikes", "casualty_estimates", "weapon_systems",
                                  "arms_transfers", "comparison"])
def test_missing_file(data, capsys, name):
    (data / f"{name}.csv").unlink()
    code, out = run_check(data, capsys)
    assert code == 1
    assert f"{data / f'{name}.csv'}: file is missing" in out


def test_empty_file_and_header_only_file(data, capsys):
    (data / "comparison.csv").write_text("")
    header = read_rows(data / "arms_transfers.csv")[0]
    write_rows(data / "arms_transfers.csv", [header])
    code, out = run_check(data, capsys)
    assert code == 1
    assert f"{data / 'comparison.csv'}: file is empty (expected a header row and data rows)" in out
    assert f"{data / 'arms_transfers.csv'}: has a header but no data rows" in out


def test_missing_and_extra_column(data, capsys):
    path = data / "strikes.csv"
    rows = read_rows(path)
    drop = rows[0].index("vessels")
    rows = [r[:drop] + r[drop + 1:] + ["x"] for r in rows]
    rows[0][-1] = "comment"
    write_rows(path, rows)
    code, out = run_check(data, capsys)
    assert code == 1
    expect(out, path, 1, "vessels", "column is missing")
    expect(out, path, 1, "comment", "unexpected column 'comment', not in datapackage.json")
    assert [o for o in out if "vessels" in o] == [f"{path}:1: vessels: column is missing"], \
        "a missing column is reported once, not again on every row that would need it"


def test_a_stray_space_in_a_column_name_is_shown(data, capsys):
    path = data / "strikes.csv"
    rows = read_rows(path)
    rows[0][rows[0].index("case")] = " case"  # what ', case' in a hand-typed header gives
    write_rows(path, rows)
    code, out = run_check(data, capsys)
    assert code == 1 and f"{path}:1:  case: unexpected column ' case' (did you mean 'case'?)" in out, out


@pytest.mark.parametrize(("file", "column"), [("casualty_estimates.csv", "killed_low"), ("strikes.csv", "survivors")])
def test_a_missing_column_brings_no_false_problem_from_the_rules_that_read_it(data, capsys, file, column):
    path = data / file
    rows = read_rows(path)
    drop = rows[0].index(column)
    write_rows(path, [r[:drop] + r[drop + 1:] for r in rows])
    code, out = run_check(data, capsys)
    assert code == 1
    assert out == [f"{path}:1: {column}: column is missing"]


def test_wrong_delimiter(data, capsys):
    path = data / "weapon_systems.csv"
    rows = read_rows(path)
    path.write_text("\n".join(";".join(r) for r in rows) + "\n", encoding="utf-8")
    code, out = run_check(data, capsys)
    assert code == 1
    expect(out, path, 1, "", "not comma-separated", "';'")


def test_byte_order_mark(data, capsys):
    path = data / "events.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    code, out = run_check(data, capsys)
    assert code == 1
    assert out[0].startswith(f"{path}:1: file starts with a byte-order mark (BOM")
    assert "save it as UTF-8 without BOM" in out[0] and "Editing in a spreadsheet" in out[0]  # where the how-to is
    assert "### Editing in a spreadsheet" in (REAL_DATA / "README.md").read_text(encoding="utf-8")
    assert len(out) == 1, "the BOM must not hide the header or shift the rows"


def test_a_table_that_cannot_be_read_does_not_make_every_source_it_cites_look_uncited(data, capsys):
    (data / "events.csv").unlink()
    code, out = run_check(data, capsys)
    assert code == 1
    assert out == [f"{data / 'events.csv'}: file is missing"]  # not hundreds of 'source is not cited' lines


def test_a_lone_byte_order_mark_is_an_empty_file(data, capsys):  # Excel's "CSV UTF-8" export of an empty sheet
    path = data / "events.csv"
    path.write_bytes(b"\xef\xbb\xbf\r\n")
    code, out = run_check(data, capsys)
    assert code == 1
    assert f"{path}: file is empty (expected a header row and data rows)" in out


@pytest.mark.parametrize(("file", "column", "value", "hint"), [
    ("strikes.csv", "strikes_counted", "+1", "not a whole number"),
    ("strikes.csv", "killed_best", " 5", "not a whole number"),
    ("arms_transfers.csv", "tiv_millions", "inf", "not a number"),
    ("strikes.csv", "date", "2025-9-2", "YYYY-MM-DD"),
    ("casualty_estimates.csv", "strikes", "9223372036854775808", "at most 15 digits"),  # 2^63: no longer a crash
    ("arms_transfers.csv", "tiv_millions", "9" * 40, "at most 15 digits"),  # a paste gone wrong (400 digits read as inf)
])
def test_a_value_the_loaders_would_not_read_as_written_is_reported(data, capsys, file, column, value, hint):
    """Table Schema accepts these spellings; the typed tables would hold a missing value instead, losing the number."""
    path = data / file
    line = find_line(path, column, lambda v: v != "")
    set_cell(path, line, column, value)
    code, out = run_check(data, capsys)
    assert code == 1
    expect(out, path, line, column, hint, f"(got {value!r})")


def test_a_data_path_that_is_not_a_folder(data, capsys):
    code, out = run_check(data / "events.csv", capsys)
    assert code == 1
    assert out == [f"{data / 'events.csv'}: is a file: give the data folder (the one with datapackage.json)"]


@pytest.mark.parametrize(("change", "message"), [
    (lambda p: p["resources"][2].pop("schema"), "resource 3 needs a name, a path and a schema"),
    (lambda p: p.update(data_as_of=20261127), "data_as_of: must be a date as YYYY-MM-DD (got '20261127')"),
    (lambda p: p.update(data_as_of=f"{date.today().year + 1}{p['data_as_of'][4:]}"), "data_as_of: is after today"),
])
def test_a_malformed_package_descriptor_is_reported_not_raised(data, capsys, change, message):
    path = data / "datapackage.json"
    package = json.loads(path.read_text(encoding="utf-8"))
    change(package)
    path.write_text(json.dumps(package), encoding="utf-8")
    code, out = run_check(data, capsys)
    assert code == 1
    assert any(line.startswith(f"{path}: ") and message in line for line in out), out


def test_not_utf8(data, capsys):
    path = data / "events.csv"
    line = find_line(path, "location", lambda v: v != "")
    set_cell(path, line, "location", "Bogot\u00e1")
    path.write_bytes(path.read_bytes().replace("Bogot\u00e1".encode(), "Bogot\u00e1".encode("latin-1")))
    code, out = run_check(data, capsys)
    assert code == 1
    expect(out, path, line, "location", "not valid UTF-8 (an accent saved as Latin-1", "(got 'Bogot\\xe1')")


def test_a_file_resaved_as_latin1_is_summed_up_first(data, capsys):
    path = data / "events.csv"
    path.write_bytes(path.read_text(encoding="utf-8").encode("latin-1", "replace"))  # a spreadsheet's Western save
    code, out = run_check(data, capsys)
    bad = [o for o in out if ": description: is not valid UTF-8" in o]
    assert code == 1 and len(bad) >= 5
    assert "rows have the same problem (is not valid UTF-8" in out[0], out[:2]  # a summary first, one per column
    assert f"{path}: description: {len(bad)} rows have the same problem (is not valid UTF-8" in "\n".join(out)


def test_a_bad_byte_deep_in_a_long_text_is_shown(data, capsys):
    path = data / "events.csv"
    line = find_line(path, "description", lambda v: len(v) > 150)
    text = "x" * 120 + " Maiquet\u00eda airport " + "y" * 80
    set_cell(path, line, "description", text)
    path.write_bytes(path.read_bytes().replace(text.encode(), text.encode("latin-1")))
    code, out = run_check(data, capsys)
    assert code == 1
    expect(out, path, line, "description", "not valid UTF-8", "(got '...xxxxxxxxxxxx Maiquet\\xeda airport")


def test_bad_date(data, capsys):
    reported(data, capsys, "strikes.csv", ("date", bool), {"date": "03/01/2026"}, "date", "YYYY-MM-DD", "(got '03/01/2026')")


@pytest.mark.parametrize("value", ["carribean", " caribbean", "Caribbean"])
def test_value_outside_vocabulary(data, capsys, value):
    reported(data, capsys, "strikes.csv", ("theater", bool), {"theater": value}, "theater", "not an allowed value",
             f"(got {value!r})")


def test_negative_count(data, capsys):
    reported(data, capsys, "strikes.csv", ("killed_best", bool), {"killed_best": "-3"}, "killed_best", "at least 0",
             "(got '-3')")


def test_low_greater_than_best(data, capsys):
    path = data / "strikes.csv"
    line = find_line(path, "killed_best", lambda v: v != "")
    best = int(cell(path, line, "killed_best"))
    set_cell(path, line, "killed_low", str(best + 5))
    code, out = run_check(data, capsys)
    assert code == 1
    expect(out, path, line, "killed_low", "greater than killed_best", f"{best + 5} > {best}")


def test_best_greater_than_high_in_weapons(data, capsys):
    reported(data, capsys, "weapon_systems.csv", ("quantity", lambda v: v.isdigit() and int(v) > 2),
             {"quantity_high": "1", "quantity_low": ""}, "quantity", "greater than quantity_high")


def test_survivors_fates_exceed_survivors(data, capsys):
    reported(data, capsys, "strikes.csv", ("killed_best", lambda v: v.isdigit() and int(v) >= 1),  # room for a follow-up kill
             {"survivors": "1", "survivors_rescued": "1", "survivors_presumed_dead": "0", "survivors_killed": "1"},
             "survivors", "survivors_rescued + survivors_presumed_dead + survivors_killed")


def test_a_fate_without_a_survivors_count_says_what_to_fill(data, capsys):
    hit = reported(data, capsys, "strikes.csv", ("survivors", lambda v: v.isdigit() and int(v) >= 1),
                   {"survivors": "", "survivors_rescued": "1"}, "survivors", "a fate needs a survivors count")
    assert "<NA>" not in hit and "got" not in hit


def test_survivors_killed_later_must_be_inside_the_toll(data, capsys):
    path = data / "strikes.csv"
    line = find_line(path, "kind", lambda v: v == "vessel_strike")
    set_cell(path, line, "survivors", "50")
    set_cell(path, line, "survivors_killed", str(int(cell(path, line, "killed_best")) + 1))
    code, out = run_check(data, capsys)
    assert code == 1
    expect(out, path, line, "survivors_killed", "greater than killed_best")


def test_delivery_years_out_of_order(data, capsys):
    path = data / "weapon_systems.csv"
    line = find_line(path, "delivered_first_year", lambda v: v != "")
    first = int(cell(path, line, "delivered_first_year"))
    set_cell(path, line, "delivered_last_year", str(first - 1))
    code, out = run_check(data, capsys)
    assert code == 1
    expect(out, path, line, "delivered_first_year", "after delivered_last_year")


@pytest.mark.parametrize(("file", "key"), [("events.csv", "event_id"), ("arms_transfers.csv", "supplier+recipient+year")])
def test_duplicate_key(data, capsys, file, key):
    path = data / file
    rows = read_rows(path)
    rows.append(rows[1])
    write_rows(path, rows)
    code, out = run_check(data, capsys)
    assert code == 1
    expect(out, path, len(rows), key, "duplicate key (first on line 2)")


def test_dangling_source_id(data, capsys):
    path = data / "comparison.csv"
    line = find_line(path, "source_ids", lambda v: v != "")
    set_cell(path, line, "source_ids", cell(path, line, "source_ids") + ";nobody-20250101-nothing")
    code, out = run_check(data, capsys)
    assert code == 1
    expect(out, path, line, "source_ids", "not in sources.csv", "(got 'nobody-20250101-nothing')")


def test_unused_source(data, capsys):
    path = data / "sources.csv"
    rows = read_rows(path)
    rows.append(["unused-20250101-orphan", "https://example.org/orphan", "Example", "Orphan", "2025-01-01",
                 "2026-01-01", "news", "", ""])
    write_rows(path, rows)
    code, out = run_check(data, capsys)
    assert code == 1
    expect(out, path, len(rows), "source_id", "not cited", "(got 'unused-20250101-orphan')")


@pytest.mark.parametrize("column", ["strikes_counted", "vessels"])
def test_a_vessel_strike_without_its_counts(data, capsys, column):
    """Blank, the row's deaths would count while its strike or boat did not."""
    reported(data, capsys, "strikes.csv", ("kind", lambda v: v == "vessel_strike"), {column: ""}, column,
             "is required for a vessel_strike")


@pytest.mark.parametrize("column, value", [("title", "[????? ???? ??????? ?? ????]"),
                                           ("url", "https://ru.wikipedia.org/wiki/??????_????")])  # a URL's pattern takes '?'
def test_letters_a_spreadsheet_turned_into_question_marks(data, capsys, column, value):
    reported(data, capsys, "sources.csv", (column, bool), {column: value}, column, "has '??'", "restore the text")


def test_a_headline_that_asks_twice_is_not_taken_for_lost_letters(data, capsys):
    path = data / "sources.csv"
    set_cell(path, find_line(path, "title", bool), "title", "Is this war?? A question in a headline")
    code, out = run_check(data, capsys)
    assert code == 0, "\n".join(out)


def test_a_misspelt_vocabulary_value_gets_the_nearest_allowed_one(data, capsys):
    reported(data, capsys, "strikes.csv", ("theater", bool), {"theater": "eastern_pacfic"}, "theater",
             "did you mean 'eastern_pacific'?")


@pytest.mark.parametrize(("column", "value"), [("claim_status", "confirmd"), ("claim_status", "unconfirmed"),
                                               ("includes_presumed_dead", "known")])
def test_no_hint_that_could_raise_a_row_s_certainty_or_turn_a_negation_around(data, capsys, column, value):
    file = "events.csv" if column == "claim_status" else "casualty_estimates.csv"
    line = reported(data, capsys, file, (column, bool), {column: value}, column, "not an allowed value")
    assert "did you mean" not in line


def test_many_rows_after_data_as_of_point_to_data_as_of_not_to_a_spreadsheet(data, capsys):
    package_file = data / "datapackage.json"
    package = json.loads(package_file.read_text())
    package["data_as_of"] = "2026-01-01"  # the newest row's date, say, instead of the day of the update
    package_file.write_text(json.dumps(package))
    code, out = run_check(data, capsys)
    assert code == 1
    summary = [o for o in out if "rows have the same problem (is after data_as_of" in o]
    assert summary and all("is data_as_of in datapackage.json right?" in o and "spreadsheet" not in o for o in summary)


def test_a_refreshed_arms_table_that_leaves_comparison_s_tiv_total_behind(data, capsys):
    path = data / "arms_transfers.csv"
    line = find_line(path, "supplier", lambda v: v == "russia")
    set_cell(path, line, "tiv_millions", str(float(cell(path, line, "tiv_millions")) + 10))
    code, out = run_check(data, capsys)
    assert code == 1
    assert [o for o in out if "is not the sum of arms_transfers.csv's russia rows" in o and "comparison.csv" in o]


def test_date_after_data_as_of(data, capsys):
    package = json.loads((data / "datapackage.json").read_text())
    path = data / "events.csv"
    line = len(read_rows(path))
    set_cell(path, line, "date", "2099-01-01")
    set_cell(path, line, "date_precision", "day")
    code, out = run_check(data, capsys)
    assert code == 1
    expect(out, path, line, "date", f"after data_as_of {package['data_as_of']}", "(got '2099-01-01')")


def test_line_break_inside_a_field(data, capsys):
    path = data / "events.csv"
    line = find_line(path, "description", lambda v: v != "")
    set_cell(path, line, "description", "first line\nsecond line")
    set_cell(path, line + 2, "title", "a later row")
    code, out = run_check(data, capsys)
    assert code == 1
    expect(out, path, line, "description", "line break inside the field")
    assert not any(o.startswith(f"{path}:{line + 2}:") for o in out), "lines after the break are counted as the editor does"


def test_foreign_key_to_missing_event(data, capsys):
    reported(data, capsys, "strikes.csv", ("event_id", bool), {"event_id": "ve-19990101-no-such-event"}, "event_id",
             "not found in events.csv event_id")


def test_killed_best_required_for_vessel_strike(data, capsys):
    reported(data, capsys, "strikes.csv", ("kind", lambda v: v == "vessel_strike"),
             dict.fromkeys(("killed_low", "killed_best", "killed_high"), ""), "killed_best", "required for a vessel_strike")


def test_escalation_level_required_for_venezuela(data, capsys):
    reported(data, capsys, "events.csv", ("case", lambda v: v == "venezuela"), {"escalation_level": ""}, "escalation_level",
             "required for case venezuela")


@pytest.mark.parametrize(("table", "column", "precision"), [("events", "date", "date_precision"),
                                                         ("casualty_estimates", "as_of", "as_of_precision"),
                                                         ("weapon_systems", "status_as_of", "status_as_of_precision")])
def test_month_precision_not_on_the_first(data, capsys, table, column, precision):
    reported(data, capsys, f"{table}.csv", (column, lambda v: v != "" and not v.endswith("-01")), {precision: "month"},
             column, "1st of the month")


def test_formula_in_text_cell(data, capsys):
    reported(data, capsys, "events.csv", ("title", bool), {"title": "=HYPERLINK(\"http://x\")"}, "title", "formula")


def test_url_not_http(data, capsys):
    reported(data, capsys, "sources.csv", ("url", lambda v: v.startswith("http")), {"url": "ftp://example.org/file"}, "url",
             "http:// or https://")


def test_every_problem_in_one_run(data, capsys):
    strike = find_line(data / "strikes.csv", "theater", bool)
    event = find_line(data / "events.csv", "date", bool)
    set_cell(data / "strikes.csv", strike, "theater", "atlantic")
    set_cell(data / "events.csv", event, "date", "yesterday")
    (data / "comparison.csv").unlink()
    code, out = run_check(data, capsys)
    assert code == 1
    assert any(f"strikes.csv:{strike}: theater:" in o for o in out)
    assert any(f"events.csv:{event}: date:" in o for o in out)
    assert any(o.endswith("comparison.csv: file is missing") for o in out)


def test_every_cross_field_rule_is_documented():
    readme = (REAL_DATA / "README.md").read_text(encoding="utf-8")
    missing = [name for name in CROSS_FIELD_RULES if name not in readme]
    assert not missing, f"data/README.md does not name: {missing}"


def test_check_never_writes_to_data(data, capsys):
    before = {p.name: p.read_bytes() for p in data.iterdir()}
    set_cell(data / "strikes.csv", find_line(data / "strikes.csv", "theater", bool), "theater", "atlantic")
    before["strikes.csv"] = (data / "strikes.csv").read_bytes()
    run_check(data, capsys)
    assert {p.name: p.read_bytes() for p in data.iterdir()} == before


def test_low_greater_than_high_without_a_best_value(data, capsys):
    reported(data, capsys, "comparison.csv", ("value_best", lambda v: v == ""), {"value_low": "50", "value_high": "10"},
             "value_low", "greater than value_high", "50.0 > 10.0")


def test_a_trusted_digest_gives_the_same_frames_and_never_hides_a_problem_in_changed_bytes(data):
    import pandas as pd

    from dilemma.schema import check, digest

    full, trusted = check(data), check(data, trusted_digest=digest(data))
    assert full.ok and trusted.ok
    for name, table in full.tables.items():
        pd.testing.assert_frame_equal(trusted.tables[name].frame, table.frame)
        assert trusted.tables[name].lines == table.lines
    stale = digest(data)
    line = find_line(data / "strikes.csv", "killed_best", lambda v: v.isdigit() and int(v) < 999)
    set_cell(data / "strikes.csv", line, "killed_low", "999")  # now above killed_best: a cross-field rule must catch it
    assert [p.line for p in check(data, trusted_digest=stale).problems if p.column == "killed_low"] == [line]


def test_a_remembered_check_is_reused_by_the_loaders(data, monkeypatch):  # the build remembers its own check
    from dilemma import data as loader
    from dilemma import schema
    from dilemma.schema import check

    result = check(data)
    loader.remember(data, result)
    monkeypatch.setattr(schema, "check", lambda *a, **k: pytest.fail("checked a second time"))
    monkeypatch.setattr(loader, "check", lambda *a, **k: pytest.fail("checked a second time"))
    assert set(loader.load_all(data)) == set(result.tables)


def test_a_column_rewritten_by_a_spreadsheet_gets_one_summary_line(data, capsys):
    path = data / "strikes.csv"
    rows = read_rows(path)
    column = rows[0].index("date")
    for row in rows[1:7]:
        year, month, day = row[column].split("-")
        row[column] = f"{day}/{month}/{year}"  # what a spreadsheet re-saving the file might write
    write_rows(path, rows)
    code, out = run_check(data, capsys)
    assert code == 1
    summary = [o for o in out if o.startswith(f"{path}: date: 6 rows have the same problem")]
    assert len(summary) == 1 and "YYYY-MM-DD" in summary[0]
    assert out[0] == summary[0]  # first: the line that explains the hundred after it
    assert len([o for o in out if ": date: not a valid date" in o]) == 6  # the lines themselves are all still there


def test_many_problems_in_one_cell_are_not_summed_up_as_rows(data, capsys):
    path = data / "strikes.csv"
    line = find_line(path, "source_ids", lambda v: v.count(";") >= 5)
    set_cell(path, line, "source_ids", cell(path, line, "source_ids").upper())  # six or more ids, each wrong
    code, out = run_check(data, capsys)
    assert code == 1 and len([o for o in out if o.startswith(f"{path}:{line}: source_ids: ")]) >= 6
    assert not any("rows have the same problem" in o for o in out if o.startswith(f"{path}: source_ids: ")), out


def test_a_rows_problems_are_listed_in_the_files_column_order(data, capsys):
    path = data / "strikes.csv"
    line = find_line(path, "killed_best", bool)
    set_cell(path, line, "killed_best", "eleven")
    set_cell(path, line, "confidence", "sure")  # further right in the file, earlier in the alphabet
    code, out = run_check(data, capsys)
    assert code == 1
    columns = [o.split(": ")[1] for o in out if o.startswith(f"{path}:{line}: ")]
    assert columns == ["killed_best", "confidence"], out


@pytest.mark.parametrize("precision, words", [("day", "before the strike's date"),
                                               ("month", "before the start of the strike's month")])
def test_announced_before_the_strike_date_or_its_month(data, capsys, precision, words):
    path = data / "strikes.csv"
    line = find_line(path, "date_precision", lambda v: v == precision)
    day_before = date.fromisoformat(cell(path, line, "date")) - timedelta(days=1)  # a month-dated strike is on its 1st
    set_cell(path, line, "announced_date", day_before.isoformat())
    code, out = run_check(data, capsys)
    assert code == 1
    expect(out, path, line, "announced_date", words, f"(got '{day_before.isoformat()}')")


def test_a_status_date_without_its_precision(data, capsys):
    reported(data, capsys, "weapon_systems.csv", ("status_as_of", bool), {"status_as_of_precision": ""},
             "status_as_of_precision", "required when status_as_of is given")


def test_a_quantity_without_a_unit(data, capsys):
    reported(data, capsys, "weapon_systems.csv", ("quantity", bool), {"quantity_unit": ""}, "quantity_unit",
             "required when a quantity is given")


def test_an_estimate_without_any_number(data, capsys):
    reported(data, capsys, "casualty_estimates.csv", ("killed_best", bool),
             dict.fromkeys(("killed_low", "killed_best", "killed_high"), ""), "killed_best",
             "needs killed_best, killed_low or killed_high")


@pytest.mark.parametrize(("table", "column", "precision"), [("events", "date", "date_precision"),
                                                         ("strikes", "date", "date_precision"),
                                                         ("casualty_estimates", "as_of", "as_of_precision")])
def test_year_precision_not_on_the_first_of_january(data, capsys, table, column, precision):
    reported(data, capsys, f"{table}.csv", (column, lambda v: v.endswith("-01") and not v.endswith("-01-01")),  # a 1st, not 1 Jan
             {precision: "year"}, column, f"must be 1 January when {precision} is year")


@pytest.mark.parametrize(("table", "column"), [("weapon_systems", "delivered_last_year"), ("arms_transfers", "year")])
def test_a_year_after_the_year_of_data_as_of(data, capsys, table, column):
    as_of = json.loads((data / "datapackage.json").read_text())["data_as_of"]
    later = str(int(as_of[:4]) + 1)
    reported(data, capsys, f"{table}.csv", (column, bool), {column: later}, column, f"is after data_as_of {as_of}",
             f"(got '{later}')")


def test_a_year_equal_to_the_year_of_data_as_of_passes(data, capsys):
    as_of = json.loads((data / "datapackage.json").read_text())["data_as_of"]
    path = data / "weapon_systems.csv"
    line = find_line(path, "delivered_first_year", lambda v: v != "" and int(v) <= int(as_of[:4]))
    set_cell(path, line, "delivered_last_year", as_of[:4])  # a delivery in the data year may be before data_as_of
    code, out = run_check(data, capsys)
    assert code == 0, "\n".join(out)


@pytest.mark.parametrize("file", ["strikes.csv", "sources.csv", "events.csv"])
def test_rows_with_a_field_too_many_or_too_few(data, capsys, file):
    path = data / file
    rows = read_rows(path)
    fields = len(rows[0])
    long, short = 2, len(rows)
    rows[long - 1].append("stray")
    rows[short - 1].pop()
    write_rows(path, rows)
    code, out = run_check(data, capsys)
    assert code == 1
    expect(out, path, long, "", f"row has {fields + 1} fields but the header has {fields}")
    expect(out, path, short, "", f"row has {fields - 1} fields but the header has {fields}")
    false = [o for o in out if any(w in o for w in ("not cited", "not in sources.csv", "not found in"))]
    assert not false, "what a row that could not be read holds or cites is not known:\n" + "\n".join(false[:5])


def test_a_stray_quote_in_sources_is_one_problem_not_a_flood(data, capsys):
    path = data / "sources.csv"
    lines = path.read_text(encoding="utf-8").split("\n")
    lines[4] = lines[4].replace(",", ',"x', 1)
    path.write_text("\n".join(lines), encoding="utf-8")
    code, out = run_check(data, capsys)
    assert code == 1
    assert len(out) == 1 and "is not valid CSV" in out[0], "\n".join(out[:5])


def test_a_stray_quote_is_not_valid_csv(data, capsys):
    path = data / "events.csv"
    line = find_line(path, "title", lambda v: '"' not in v)
    lines = path.read_text(encoding="utf-8").split("\n")
    lines[line - 1] += ',"quoted"tail'  # text after a closing quote: strict CSV refuses it
    path.write_text("\n".join(lines), encoding="utf-8")
    code, out = run_check(data, capsys)
    assert code == 1
    expect(out, path, line, "", "is not valid CSV (")


def test_check_audit_counts_rows_claims_and_aggregator_only_rows(capsys):
    code = main(["check", "--data", str(REAL_DATA), "--audit"])
    out = capsys.readouterr().out.splitlines()
    assert code == 0 and out[0].startswith("ok: ")
    # Computed from the CSVs here: rows, rows whose weakest certainty is claimed/low, rows citing only aggregator copies.
    source_rows = read_rows(REAL_DATA / "sources.csv")
    kind = {r[0]: r[source_rows[0].index("source_type")] for r in source_rows[1:]}
    certainty = {"events": ("claim_status", "claimed"), "strikes": ("confidence", "low"),
                 "weapon_systems": ("status_claim", "claimed")}
    cited, aggregator_total = set(), 0
    for name in ("events", "strikes", "casualty_estimates", "weapon_systems", "arms_transfers", "comparison"):
        header, *rows = read_rows(REAL_DATA / f"{name}.csv")
        ids = [r[header.index("source_ids")].split(";") for r in rows]
        cited.update(i for row in ids for i in row)
        aggregator_only = sum(all(kind[i] == "aggregator" for i in row) for row in ids)
        aggregator_total += aggregator_only
        column, weak = certainty.get(name, (None, None))
        claimed = sum(r[header.index(column)] == weak for r in rows) if column else 0
        (line,) = [o.split() for o in out if o.startswith(f"{name} ")]
        assert (line[1], line[3], line[5]) == (str(len(rows)), str(aggregator_only), str(claimed)), name
    assert f"sources cited by no row: {len(set(kind) - cited)}" in out
    (summary,) = [o for o in out if o.startswith("rows resting only on aggregator copies: ")]
    assert summary.split(": ")[1].startswith(f"{aggregator_total} ")
    start = out.index(summary) + 1
    assert len([o for o in out[start:start + aggregator_total + 1] if o.startswith("  ")]) == aggregator_total


def test_a_load_after_an_edit_sees_the_new_value(data):
    from dilemma import data as loader

    path = data / "strikes.csv"
    line = find_line(path, "announced_by", lambda v: len(v) > 3 and "," not in v)
    strike_id, old = cell(path, line, "strike_id"), cell(path, line, "announced_by")
    assert loader.load_strikes(data).set_index("strike_id").loc[strike_id, "announced_by"] == old
    new = "x" * len(old)  # same length: the file keeps its size, only its bytes and modification time change
    set_cell(path, line, "announced_by", new)
    assert loader.load_strikes(data).set_index("strike_id").loc[strike_id, "announced_by"] == new


@pytest.mark.parametrize("pick, words", [
    (lambda steps, firsts: (steps[0], steps[0]["event_id"]), "names the row itself"),
    (lambda steps, firsts: (steps[0], "ve-20991231-no-such-event"), "names an event that is not in events.csv"),
    (lambda steps, firsts: (steps[1], steps[0]["event_id"]), "itself part of"),
    (lambda steps, firsts: (next(f for f in firsts if f["case"] != steps[0]["case"]), steps[0]["part_of"]),
     "names an event of case"),
    (lambda steps, firsts: (min((f for f in firsts if f["case"] == steps[0]["case"]), key=lambda f: f["date"]),
                            steps[0]["part_of"]), "names a later event"),
])
def test_part_of_names_an_earlier_first_step_of_the_same_case(data, capsys, pick, words):
    path = data / "events.csv"
    rows = read_rows(path)
    records = [dict(zip(rows[0], row, strict=True), line=line) for line, row in enumerate(rows[1:], start=2)]
    steps = [r for r in records if r["part_of"]]  # later steps, in file order
    firsts = [r for r in records if not r["part_of"] and r["event_id"] != steps[0]["part_of"]]
    row, value = pick(steps, firsts)
    set_cell(path, row["line"], "part_of", value)
    code, out = run_check(data, capsys)
    assert code == 1
    expect(out, path, row["line"], "part_of", words, f"(got '{value}')")


def test_a_space_in_source_ids_is_one_problem_and_a_repeated_id_is_reported(data, capsys):
    path = data / "strikes.csv"
    spaced, repeated = find_line(path, "source_ids", lambda v: ";" in v), find_line(path, "source_ids", lambda v: ";" not in v)
    set_cell(path, spaced, "source_ids", cell(path, spaced, "source_ids").replace(";", "; "))
    once = cell(path, repeated, "source_ids")
    set_cell(path, repeated, "source_ids", f"{once};{once}")
    code, out = run_check(data, capsys)
    assert code == 1
    expect(out, path, spaced, "source_ids", "with no spaces")  # one line for the space: no source 'missing', none 'uncited'
    expect(out, path, repeated, "source_ids", "names the same source twice", f"(got '{once}')")
    assert len(out) == 2, out  # nothing else: no source "missing", none "uncited"


@pytest.mark.parametrize("value, words", [(" ", "is blank: only spaces"), ("Title ", "spaces at the start or end")])
def test_a_text_of_only_spaces_or_with_spaces_at_an_end(data, capsys, value, words):
    reported(data, capsys, "events.csv", ("title", bool), {"title": value}, "title", words, f"(got {value!r})")


def test_a_repeated_url_is_a_duplicate_value_and_a_repeated_id_a_duplicate_key(data, capsys):
    path = data / "sources.csv"
    set_cell(path, 3, "url", cell(path, 2, "url"))
    set_cell(path, 5, "source_id", cell(path, 4, "source_id"))
    code, out = run_check(data, capsys)
    assert code == 1
    expect(out, path, 3, "url", "duplicate value (must be unique) (first on line 2)")
    expect(out, path, 5, "source_id", "duplicate key (first on line 4)")


def test_an_empty_last_column_is_named_by_its_position(data, capsys):
    path = data / "comparison.csv"
    rows = read_rows(path)
    write_rows(path, [row + [""] for row in rows])  # a spreadsheet's trailing comma on every line
    code, out = run_check(data, capsys)
    assert code == 1
    expect(out, path, 1, f"column {len(rows[0]) + 1}", "has no name (a comma at the end of every line?)")


def _resource(package: dict, name: str) -> dict:
    return next(r for r in package["resources"] if r["name"] == name)


def _field(package: dict, resource: str, name: str) -> dict:
    return next(f for f in _resource(package, resource)["schema"]["fields"] if f["name"] == name)


@pytest.mark.parametrize("edit", [
    lambda p: p["resources"].remove(_resource(p, "comparison")),
    lambda p: _field(p, "events", "date_precision")["constraints"].update(enum="day"),  # a string, not a list
    lambda p: _resource(p, "strikes")["schema"]["foreignKeys"][0]["reference"].update(resource="event"),
    lambda p: _field(p, "events", "date").update(type="datetime"),
    lambda p: _field(p, "events", "event_id")["constraints"].update(pattern="[unclosed"),
], ids=["resource removed", "vocabulary as a string", "foreign key to no table", "date retyped", "bad pattern"])
def test_a_descriptor_the_rules_no_longer_fit_is_reported_against_it_not_raised(data, capsys, edit):
    path = data / "datapackage.json"
    package = json.loads(path.read_text(encoding="utf-8"))
    edit(package)
    path.write_text(json.dumps(package), encoding="utf-8")
    code, out = run_check(data, capsys)  # in-process: a traceback would fail the test
    assert code == 1
    about = [line for line in out if line.startswith(f"{path}: ")]
    assert about and all(any(words in line for words in ("failed on the tables it describes", "cannot be applied",
                                                          "foreign key points to resource")) for line in about), out


def test_a_csv_the_descriptor_does_not_describe_is_reported(data, capsys):
    path = data / "datapackage.json"
    package = json.loads(path.read_text(encoding="utf-8"))
    package["resources"].remove(_resource(package, "comparison"))
    path.write_text(json.dumps(package), encoding="utf-8")
    code, out = run_check(data, capsys)
    assert code == 1
    assert f"{data / 'comparison.csv'}: is not described in datapackage.json" in "\n".join(out)


def test_a_later_step_in_the_month_of_its_first_step_is_not_before_it(data, capsys):
    path = data / "events.csv"
    step = find_line(path, "part_of", bool)
    first = find_line(path, "event_id", lambda v: v == cell(path, step, "part_of"))
    set_cell(path, step, "date", cell(path, first, "date")[:8] + "01")  # the first step's month, on its 1st
    set_cell(path, step, "date_precision", "month")
    code, out = run_check(data, capsys)
    assert code == 0, out


@pytest.mark.parametrize("separator", [" ", ","])
def test_source_ids_written_with_a_space_or_comma_are_one_problem(data, capsys, separator):
    path = data / "strikes.csv"
    line = find_line(path, "source_ids", lambda v: ";" in v)
    set_cell(path, line, "source_ids", cell(path, line, "source_ids").replace(";", separator, 1))
    code, out = run_check(data, capsys)
    assert code == 1 and len(out) == 1 and "with no spaces" in out[0], out


def test_a_space_past_the_shown_part_of_a_long_source_list_is_shown(data, capsys):
    path = data / "strikes.csv"
    line = find_line(path, "source_ids", lambda v: ";" in v[MAX_SHOWN:])
    value = cell(path, line, "source_ids")
    at = value.rindex(";")  # a space after the last ';', past the part of the value a problem line shows from its start
    set_cell(path, line, "source_ids", value[:at + 1] + " " + value[at + 1:])
    code, out = run_check(data, capsys)
    assert code == 1 and len(out) == 1, out
    assert "; " + value[at + 1:at + 11] in out[0]  # the shown value starts near the space


def test_a_list_column_rewritten_with_spaces_gets_one_summary_line(data, capsys):
    path = data / "strikes.csv"
    rows = read_rows(path)
    column = rows[0].index("source_ids")
    spaced = [row for row in rows[1:] if ";" in row[column]]
    for row in spaced:
        row[column] = row[column].replace(";", "; ")  # what a spreadsheet's list formatting might write
    write_rows(path, rows)
    code, out = run_check(data, capsys)
    assert code == 1
    assert out[0].startswith(f"{path}: source_ids: {len(spaced)} rows have the same problem"), out[:2]


@pytest.mark.parametrize("value", ["s-20250902-car-1", "s-20250902-car-0", "s-20250902-car-02"])
def test_a_second_strike_that_day_is_numbered_from_2(data, capsys, value):
    reported(data, capsys, "strikes.csv", ("strike_id", bool), {"strike_id": value}, "strike_id",
             "does not have the form s-yyyymmdd-car, -pac or -ven, with -2, -3")


def test_an_event_id_starts_with_its_cases_prefix(data, capsys):
    path = data / "events.csv"
    rows = read_rows(path)
    header = rows[0]
    row = next(r for r in rows[1:] if r[header.index("case")] == "syria")
    row = list(row)
    row[header.index("event_id")] = "ve-" + row[header.index("event_id")][3:] + "-copy"  # a new row, its id miscased
    write_rows(path, [*rows, row])
    code, out = run_check(data, capsys)
    expect(out, path, len(rows) + 1, "event_id", "an event of case syria has an id starting 'sy-'")


def test_an_event_id_is_words_joined_by_single_hyphens(data, capsys):
    reported(data, capsys, "events.csv", ("event_id", lambda v: v.startswith("ve-")), {"event_id": "ve-20250101-a--b"},
             "event_id", "does not have the form ve- or sy-")


@pytest.mark.parametrize("value", ["s-20260711-caribbean", "s-2026-07-11-car", "20260711-pac"])
def test_an_id_off_its_documented_form_is_reported_with_the_form_in_words(data, capsys, value):
    reported(data, capsys, "strikes.csv", ("strike_id", bool), {"strike_id": value}, "strike_id",
             "does not have the form s-yyyymmdd-car, -pac or -ven", f"(got {value!r})")


@pytest.mark.parametrize("value", ["S-20250902-car", "s-20250902-car "])
def test_an_id_with_capitals_or_a_stray_space_says_so(data, capsys, value):
    reported(data, capsys, "strikes.csv", ("strike_id", bool), {"strike_id": value}, "strike_id",
             "must be lower case with no spaces", f"(got {value!r})")


def test_a_misspelt_source_id_or_part_of_gets_the_nearest_id(data, capsys):
    strikes, events = data / "strikes.csv", data / "events.csv"
    line = find_line(strikes, "source_ids", lambda v: ";" not in v)
    right = cell(strikes, line, "source_ids")
    set_cell(strikes, line, "source_ids", right[:-1] + "x" if right[-1] != "x" else right[:-1] + "y")  # one letter off
    step = find_line(events, "part_of", bool)
    first = cell(events, step, "part_of")
    set_cell(events, step, "part_of", first.replace("-", "", 1))  # a hyphen dropped
    code, out = run_check(data, capsys)
    assert code == 1
    expect(out, strikes, line, "source_ids", f"(did you mean {right!r}?)")
    expect(out, events, step, "part_of", f"(did you mean {first!r}?)")


@pytest.mark.parametrize("miswrite", [str.upper, lambda v: v.replace("-", "_", 1)], ids=["capitals", "underscore"])
def test_an_id_sources_csv_writes_wrongly_is_named_there_never_offered_or_replaced_by_another(data, capsys, miswrite):
    sources, strikes = data / "sources.csv", data / "strikes.csv"
    line = find_line(strikes, "source_ids", lambda v: ";" not in v)
    cited = cell(strikes, line, "source_ids")
    source = find_line(sources, "source_id", lambda v: v == cited)
    set_cell(sources, source, "source_id", miswrite(cited))  # the row citing it keeps the right id
    code, out = run_check(data, capsys)
    assert code == 1
    assert any(o.startswith(f"{sources}:{source}: source_id: ") for o in out)  # the pattern's message, at the wrong id
    about = [o for o in out if o.startswith(f"{strikes}:{line}: source_ids: ")]
    assert about == [f"{strikes}:{line}: source_ids: names a source that sources.csv writes as {miswrite(cited)!r} (the "
                     f"id there is the one to correct) (got {cited!r})"], out
    assert not any("is not cited" in o for o in out)


def test_the_scale_benchmarks_synthetic_data_passes_the_check(tmp_path, capsys, monkeypatch):
    """The benchmark's copies keep every rule (id forms, keys, sources cited); a new rule they break would stop the
    scale run before any notebook ran."""
    monkeypatch.syspath_prepend(str(REAL_DATA.parent / "tests" / "perf"))
    from make_synthetic import make

    code, out = run_check(make(tmp_path / "synthetic", 3, REAL_DATA), capsys)
    assert code == 0, "\n".join(out[:5])
