"""Validation of the data package.

The rules live in ``data/datapackage.json`` (Frictionless Table Schema): types,
required, enum, minimum/maximum, pattern, unique, primary and foreign keys. The
``frictionless`` library checks those. This module adds only what Table Schema
cannot express, each rule named in data/README.md:

* file-level checks done before parsing (missing/empty file, BOM, bytes that
  are not UTF-8, a delimiter other than the comma, line breaks inside a field,
  blank rows, rows with the wrong number of fields, missing/extra/duplicated/
  reordered columns), so that every problem carries its real line number;
* the cross-field rules in ``CROSS_FIELD_RULES``.

Every problem is a :class:`Problem` that prints as the CLI contract asks:
``PATH:LINE: COLUMN: what is wrong (got VALUE)``.
"""

from __future__ import annotations

import codecs
import csv
import difflib
import hashlib
import io
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import partial
from itertools import chain
from pathlib import Path

import pandas as pd

from dilemma.paths import display

PACKAGE_FILE = "datapackage.json"
LIST_SEPARATOR = ";"
FORMULA_PREFIXES = ("=", "+", "-", "@")
MAX_SHOWN = 60
ID_PATTERN = r"[a-z0-9][a-z0-9-]*"
"""One id in a ';'-separated list column (the descriptor's list patterns repeat it)."""
ID_FORMS = {
    "^s-[0-9]{8}-(car|pac|ven)(-([2-9]|[1-9][0-9]+))?$":
        "s-yyyymmdd-car, -pac or -ven, with -2, -3 ... for another strike that day in that theater",
    "^(ve|sy)-[0-9]{8}(-[a-z0-9]+)+$": "ve- or sy-, yyyymmdd, then lower-case words joined by hyphens",
    f"^{ID_PATTERN}$": "of an id: lower-case letters, digits and hyphens (no _ or spaces), starting with a letter or digit",
}
"""The id patterns of datapackage.json that enforce a documented form, and that form in words for the message (a
pattern edited in the descriptor falls back to quoting the pattern alone)."""
CERTAINTY_COLUMNS = ("claim_status", "status_claim", "confidence")
"""How sure a row is: a mistyped value here gets no 'did you mean', which could raise a row's certainty."""
AFTER_DATA_AS_OF = "is after data_as_of"
LOST_LETTERS = re.compile(r"(?<![\w?])\?{2,}")
"""A word made of question marks: what a spreadsheet's plain CSV writes for letters its code page cannot hold ('war??'
is left alone)."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the data, located as precisely as possible."""

    path: str
    line: int = 0  # 0 = the whole file
    column: str = ""
    message: str = ""
    value: str | None = None

    def __str__(self) -> str:
        text = self.path + (f":{self.line}" if self.line else "") + ": "
        if self.column:
            text += f"{self.column if self.column.isprintable() else repr(self.column)}: "
        text += self.message
        if self.value is not None:
            shown = self.value if len(self.value) <= MAX_SHOWN else self.value[:MAX_SHOWN] + "..."
            text += " (got " + re.sub(r"\\udc([89a-f][0-9a-f])", r"\\x\1", repr(shown)) + ")"  # a bad byte as \xe1
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


class DataError(Exception):
    """Raised by the loaders when the data does not pass the check."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass
class Table:
    """One parsed CSV: its raw rows, their physical line numbers, its typed frame."""

    name: str
    path: Path
    schema: dict
    header: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    frame: pd.DataFrame | None = None
    unread: int = 0
    """Rows left out for a wrong number of fields (reported): what they hold is not known."""

    @property
    def all_columns(self) -> bool:
        return all(f["name"] in self.header for f in self.schema["fields"])

    @property
    def whole(self) -> bool:
        """Every column present and every row read. A rule across tables trusts only a whole table: one that is not
        would make ids look missing, or sources uncited, only because a row or column of it could not be read."""
        return bool(self.rows) and not self.unread and self.all_columns


@dataclass
class Result:
    """What a check found: the problems, the package descriptor and the typed tables."""

    problems: list[Problem]
    package: dict
    tables: dict[str, Table]

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def data_as_of(self) -> pd.Timestamp | None:
        value = self.package.get("data_as_of")
        try:
            return pd.Timestamp(date.fromisoformat(value))
        except (TypeError, ValueError):
            return None


# --------------------------------------------------------------------------- reading


def read_package(data_dir: Path) -> tuple[dict, list[Problem]]:
    if not Path(data_dir).is_dir():
        what = "does not exist" if not Path(data_dir).exists() else "is a file"
        return {}, [Problem(display(Path(data_dir)), message=f"{what}: give the data folder (the one with {PACKAGE_FILE})")]
    path = Path(data_dir) / PACKAGE_FILE
    shown = display(path)
    try:
        descriptor = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}, [Problem(shown, message="file is missing")]
    except OSError as exc:
        return {}, [Problem(shown, message=f"cannot be read ({exc.strerror})")]
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return {}, [Problem(shown, message=f"is not valid JSON ({exc})")]
    if not isinstance(descriptor, dict) or not isinstance(descriptor.get("resources"), list):
        return {}, [Problem(shown, message="has no list of resources")]
    problems = []
    for i, resource in enumerate(descriptor["resources"], start=1):
        if not _is_resource(resource):
            problems.append(Problem(shown, message=f"resource {i} needs a name, a path and a schema whose fields each "
                                    "have a name and a type"))
    if problems:
        return {}, problems
    names = {r["name"] for r in descriptor["resources"]}
    for resource in descriptor["resources"]:
        for fk in resource["schema"].get("foreignKeys", []):
            target = fk.get("reference", {}).get("resource") if isinstance(fk, dict) else None
            if target not in names:
                problems.append(Problem(shown, message=f"resource {resource['name']}: a foreign key points to resource "
                                        f"{target!r}, which datapackage.json does not describe"))
    if problems:
        return {}, problems
    as_of = descriptor.get("data_as_of")
    if not _is_iso_date(as_of):
        problems.append(Problem(shown, column="data_as_of", message="must be a date as YYYY-MM-DD", value=str(as_of)))
    elif date.fromisoformat(as_of) > date.today() + timedelta(days=1):  # a day's grace for time zones
        problems.append(Problem(shown, column="data_as_of", message=f"is after today ({date.today():%Y-%m-%d}): a typo? "
                                "It is the day the tables were brought up to date, and no row may be dated after it",
                                value=as_of))
    return descriptor, problems


def _is_resource(resource) -> bool:
    """A resource the check can read: a name, a path and a schema whose fields each have a name and a type."""
    try:
        return (isinstance(resource["name"], str) and isinstance(resource["path"], str)
                and all(isinstance(f["name"], str) and isinstance(f["type"], str) for f in resource["schema"]["fields"]))
    except (KeyError, TypeError):
        return False


def _is_iso_date(value) -> bool:
    """A string written YYYY-MM-DD that is a real date (``date.fromisoformat`` alone also takes 20261127)."""
    if not (isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value)):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _fix_bytes(cell: str) -> str:
    """Replace undecodable bytes (kept as surrogates) by U+FFFD."""
    return cell.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


BAD_BYTE = re.compile("[\udc80-\udcff]")
"""An undecodable byte, kept by ``surrogateescape`` as a lone surrogate."""


def read_table(table: Table, scan: bool = True) -> list[Problem]:
    """Parse one CSV into rows with their line numbers; report file-level problems. ``scan=False`` (for bytes that
    already passed a full check) skips the per-row and per-cell scans, which could find nothing."""
    shown = display(table.path)
    try:
        raw = table.path.read_bytes()
    except FileNotFoundError:
        return [Problem(shown, message="file is missing")]
    except OSError as exc:
        return [Problem(shown, message=f"cannot be read ({exc.strerror})")]
    if not raw.strip():
        return [Problem(shown, message="file is empty (expected a header row and data rows)")]
    problems: list[Problem] = []
    if raw.startswith(codecs.BOM_UTF8):
        problems.append(Problem(shown, 1, message="file starts with a byte-order mark (BOM, which Excel's 'CSV UTF-8' "
                                "adds); save it as UTF-8 without BOM (data/README.md, 'Editing in a spreadsheet')"))
        raw = raw[len(codecs.BOM_UTF8):]
        if not raw.strip():  # what a spreadsheet writes for an empty sheet saved as "CSV UTF-8"
            return [*problems, Problem(shown, message="file is empty (expected a header row and data rows)")]
    text = raw.decode("utf-8", "surrogateescape")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    bad_bytes = BAD_BYTE.search(text) is not None
    rows, lines, start = [], [], 1
    try:
        for row in reader:
            rows.append(row)
            lines.append(start)
            start = reader.line_num + 1
    except csv.Error as exc:
        problems.append(Problem(shown, start, message=f"is not valid CSV ({exc})"))
        return problems
    expected = [f["name"] for f in table.schema["fields"]]
    header = rows[0]
    if len(header) == 1 and len(expected) > 1:
        found = next((d for d in (";", "\t", "|") if d in header[0]), None)
        what = f"the header is separated by {found!r}" if found else "the header has a single column"
        problems.append(Problem(shown, 1, message=f"is not comma-separated: {what}; re-export it as CSV with commas "
                                "(data/README.md, 'Editing in a spreadsheet')", value=header[0]))
        return problems
    header = [_fix_bytes(h) for h in header]
    problems += _check_header(shown, header, expected)
    keep = [i for i, name in enumerate(header) if name in expected and name not in header[:i]]
    table.header = [header[i] for i in keep]
    if not scan:
        table.rows = rows[1:] if keep == list(range(len(header))) else [[row[i] for i in keep] for row in rows[1:]]
        table.lines = lines[1:]
        return problems
    for row, line in zip(rows[1:], lines[1:], strict=True):
        if not any(cell.strip() for cell in row):
            problems.append(Problem(shown, line, message="blank row; delete it"))
            continue
        if len(row) != len(header):
            problems.append(Problem(shown, line, message=f"row has {len(row)} fields but the header has {len(header)}"
                                    " (a stray or missing comma, or an unquoted comma in a text)"))
            table.unread += 1
            continue
        for name, cell in zip(header, row, strict=True):
            if bad_bytes and BAD_BYTE.search(cell):
                where = BAD_BYTE.search(cell).start()
                # the byte is in the value shown, from just before it: a message without it sums up a whole file
                # re-saved as Latin-1 in one line per column (report_lines)
                problems.append(Problem(shown, line, name, "is not valid UTF-8 (an accent saved as Latin-1 or "
                                        "Windows-1252?); save the file as UTF-8", _near(cell, where)))
            if "\n" in cell or "\r" in cell:
                problems.append(Problem(shown, line, name, "has a line break inside the field; keep every field on one line",
                                        cell))
        table.rows.append([_fix_bytes(row[i]) for i in keep] if bad_bytes else [row[i] for i in keep])
        table.lines.append(line)
    if not table.rows and not problems:
        problems.append(Problem(shown, message="has a header but no data rows"))
    return problems


def _check_header(shown: str, header: list[str], expected: list[str]) -> list[Problem]:
    problems = []
    for i, name in enumerate(header):
        if name in header[:i]:
            problems.append(Problem(shown, 1, name, "column appears more than once"))
        elif not name.strip():  # a spreadsheet's empty last column: a comma at the end of every line
            problems.append(Problem(shown, 1, f"column {i + 1}", "has no name (a comma at the end of every line?); "
                                    "delete the empty column"))
        elif name not in expected:
            hint = next((e for e in expected if e == name.strip().lower()), None)
            why = f"unexpected column {name!r}" + (f" (did you mean {hint!r}?)" if hint else ", not in datapackage.json")
            problems.append(Problem(shown, 1, name, why))  # quoted: a stray space in a name is otherwise invisible
    for name in expected:
        if name not in header:
            problems.append(Problem(shown, 1, name, "column is missing"))
    present = [h for i, h in enumerate(header) if h in expected and h not in header[:i]]
    if not problems and present != expected:
        problems.append(Problem(shown, 1, message="columns are not in the order of datapackage.json (expected "
                                + ",".join(expected) + ")"))
    return problems


# --------------------------------------------------------------------------- schema rules (frictionless)


def _subschema(table: Table, tables: dict[str, Table]) -> dict:
    """The table's schema restricted to the columns the file has, in the file's order.

    Keys whose columns are missing (already reported) are left out, and so are
    foreign keys into a table that could not be read whole.
    """
    fields = {f["name"]: f for f in table.schema["fields"]}
    schema = {k: v for k, v in table.schema.items() if k not in ("fields", "foreignKeys", "primaryKey")}
    schema["fields"] = [fields[name] for name in table.header]
    pk = table.schema.get("primaryKey", [])
    if pk and all(name in table.header for name in pk):
        schema["primaryKey"] = pk
    schema["foreignKeys"] = [
        fk for fk in table.schema.get("foreignKeys", [])
        if all(name in table.header for name in fk["fields"])
        and tables[fk["reference"]["resource"]].whole
    ]
    return schema


def _near(cell: str, where: int) -> str:
    """The cell as shown in a problem, starting shortly before character ``where``: in a long text or list the part
    shown (``MAX_SHOWN`` characters) would otherwise end before the fault."""
    start = max(0, where - 20)
    return ("..." if start else "") + cell[start:]


def _first_bad_item(cell: str) -> int:
    """Where the first item of a ';'-separated id list that is not an id starts (a space, a comma, a capital, an empty
    item between two ';')."""
    start = 0
    for item in cell.split(";"):
        if not re.fullmatch(ID_PATTERN, item):
            return start
        start += len(item) + 1
    return 0


def _constraint_message(fdesc: dict, note: str, value: str) -> str:
    match = re.match(r'constraint "(\w+)"', note or "")
    constraint = match.group(1) if match else ""
    cons = fdesc.get("constraints", {})
    if constraint == "required":
        return "value is required"
    if constraint == "enum":
        allowed = cons["enum"]
        if value.strip() in allowed or value.strip().lower() in allowed:
            return f"not an allowed value: check spaces and letter case (allowed: {', '.join(allowed)})"
        typed = value.strip().lower().replace(" ", "_")
        close = [c for c in difflib.get_close_matches(typed, allowed, n=1)  # a misspelling, never a negation's opposite
                 if not (typed.endswith(c) or c.endswith(typed)) and fdesc["name"] not in CERTAINTY_COLUMNS]
        hint = f"did you mean {close[0]!r}? " if close else ""
        return f"not an allowed value ({hint}allowed: {', '.join(allowed)})"
    if constraint in ("minimum", "maximum"):
        word = "at least" if constraint == "minimum" else "at most"
        return f"must be {word} {cons[constraint]}"
    if constraint == "pattern":
        if fdesc["name"] == "source_ids":
            return "must be lower-case source ids separated by ';' with no spaces"
        if fdesc["name"] == "url":
            return "must be an http:// or https:// address"
        if re.fullmatch(cons["pattern"], value.strip().lower()):  # an id with a stray space or capitals
            return "must be lower case with no spaces (an id: letters, digits and hyphens)"
        form = ID_FORMS.get(cons["pattern"])
        return f"does not have the form {form} (pattern {cons['pattern']})" if form else \
            f"does not match the pattern {cons['pattern']}"
    return f"breaks the constraint {constraint or note}"


TYPE_HINTS = {
    "date": "not a valid date; write YYYY-MM-DD",
    "integer": "not a whole number of at most 15 digits; write digits only, without separators or decimals",
    "number": "not a number of at most 15 digits before the point; write digits with '.' for decimals and no separators",
}


def schema_problems(tables: dict[str, Table]) -> list[Problem]:
    """Run the Table Schema rules of datapackage.json on the parsed rows with frictionless."""
    from frictionless import Package, Resource, Schema

    resources = []
    for table in tables.values():
        if not table.header:
            continue
        schema = Schema.from_descriptor(_subschema(table, tables))
        # the rows as a function, not a list: frictionless deep-copies and validates a list of inline rows as metadata
        # whenever it exports a descriptor (seconds at a hundred times the data); it calls a function at every read
        rows = partial(chain, [table.header], table.rows)
        resources.append(Resource(name=table.name, data=rows, schema=schema))
    report = Package(resources=resources).validate(limit_errors=10**9)
    problems = []
    for task in report.tasks:
        table = tables[task.name]
        shown = display(table.path)
        for error in task.errors:
            row = getattr(error, "row_number", None)
            line = table.lines[row - 2] if row and 2 <= row < len(table.lines) + 2 else 0
            name = getattr(error, "field_name", "") or ""
            cell = getattr(error, "cell", None)
            try:
                problem = _schema_problem(error, table, tables, shown, line, name, cell)
            except Exception:  # an error of a shape not foreseen: frictionless's own words, never the others lost
                problem = Problem(shown, line, name, f"{error.title.lower()}: {error.note}", cell)
            if problem is not None:
                problems.append(problem)
    return problems


def _schema_problem(error, table: Table, tables: dict[str, Table], shown: str, line: int, name: str,
                    cell) -> Problem | None:
    """One frictionless error in the check's words (None: reported under another error)."""
    fields = {f["name"]: f for f in table.schema["fields"]}
    if error.type == "type-error":
        return Problem(shown, line, name, TYPE_HINTS.get(fields[name]["type"], "wrong type"), cell)
    if error.type == "constraint-error":
        shown_value = _near(cell, _first_bad_item(cell)) if name == "source_ids" and cell else cell
        return Problem(shown, line, name, _constraint_message(fields[name], error.note, cell), shown_value)
    if error.type in ("unique-error", "primary-key"):
        if error.type == "primary-key" and (len(table.schema["primaryKey"]) == 1 or "None" in error.note):
            return None  # single keys are reported as unique-error; empty parts as required
        first = re.search(r"position (\d+)", error.note)
        where = f" (first on line {table.lines[int(first.group(1)) - 2]})" if first else ""
        column = name or "+".join(table.schema["primaryKey"])
        value = cell if cell is not None else ",".join(str(c) for c in error.cells[:3])
        keyed = error.type == "primary-key" or column in table.schema.get("primaryKey", [])
        what = "duplicate key" if keyed else "duplicate value (must be unique)"
        return Problem(shown, line, column, f"{what}{where}", value)
    if error.type == "foreign-key":
        target = tables[error.reference_name or table.name]  # a key into the table itself names no resource
        return Problem(shown, line, "+".join(error.field_names),
                       f"not found in {target.path.name} {'+'.join(error.reference_field_names)}",
                       ",".join(error.field_cells))
    return Problem(shown, line, name, f"{error.title.lower()}: {error.note}", cell)


# --------------------------------------------------------------------------- typed frames


WRITTEN_AS = {"date": r"\d{4}-\d{2}-\d{2}", "integer": r"-?\d{1,15}", "number": r"-?\d{1,15}(\.\d+)?"}
"""How a date, integer or number cell must be written; a cell written otherwise is missing in the typed frame and
reported by the check (frictionless alone would accept ``+1``, `` 5``, ``inf`` or ``2025-9-2``). A number has at most 15
digits before its point: a longer one is a paste gone wrong (an integer past 2^63 could not be stored, a number of 400
digits would be read as infinity)."""


def to_frame(table: Table) -> pd.DataFrame:
    """Typed DataFrame of the parsed rows, indexed by the physical line of each row.

    Cells that do not parse become missing; the schema check reports them.
    """
    raw = pd.DataFrame(table.rows, columns=table.header, dtype="str")
    out = {}
    for fdesc in table.schema["fields"]:
        name = fdesc["name"]
        column = raw[name] if name in raw else pd.Series([""] * len(raw), dtype="str")
        column = column.where(column != "")
        kind = fdesc["type"]
        if kind in WRITTEN_AS:  # only what the data's own format allows: no sign, space, exponent, inf or 2025-9-2
            column = column.where(column.str.fullmatch(WRITTEN_AS[kind], na=False))
        if kind == "date":
            out[name] = pd.to_datetime(column, format="%Y-%m-%d", errors="coerce")
        elif kind == "integer":
            out[name] = pd.to_numeric(column, errors="coerce").astype("Int64")
        elif kind == "number":
            out[name] = pd.to_numeric(column, errors="coerce").astype("Float64")
        elif "enum" in fdesc.get("constraints", {}):
            allowed = fdesc["constraints"]["enum"]
            out[name] = pd.Categorical(column.where(column.isin(allowed)), categories=allowed, ordered=True)
        else:
            out[name] = column.astype("str")
    frame = pd.DataFrame(out)
    frame.index = pd.Index(table.lines, name="line")
    return frame


# --------------------------------------------------------------------------- cross-field rules


def _rule_low_best_high(tables, as_of):
    triples = {"strikes": ("killed_low", "killed_best", "killed_high"),
               "casualty_estimates": ("killed_low", "killed_best", "killed_high"),
               "weapon_systems": ("quantity_low", "quantity", "quantity_high"),
               "comparison": ("value_low", "value_best", "value_high")}
    for name, (low, best, high) in triples.items():
        frame = tables[name].frame
        for a, b in ((low, best), (best, high), (low, high)):
            wrong = (frame[a] > frame[b]).fillna(False)
            if b == high and a == low:  # only needed when there is no best value to compare through
                wrong &= frame[best].isna()
            bad = frame[wrong]
            for line, row in bad.iterrows():
                yield name, line, a, f"is greater than {b} ({row[a]} > {row[b]})", str(row[a])


SURVIVOR_FATES = ("survivors_rescued", "survivors_presumed_dead", "survivors_killed")


def _rule_survivors(tables, as_of):
    frame = tables["strikes"].frame
    fates = frame[list(SURVIVOR_FATES)].fillna(0).sum(axis=1)
    bad = frame[(fates > frame["survivors"]).fillna(False) | (frame["survivors"].isna() & (fates > 0))]
    for line, row in bad.iterrows():
        if pd.isna(row["survivors"]):
            yield ("strikes", line, "survivors", "is empty, but a survivors' fate is filled in: give the number of "
                   "survivors (a fate needs a survivors count)", None)
            continue
        yield ("strikes", line, "survivors", f"is smaller than {' + '.join(SURVIVOR_FATES)} "
               f"({' + '.join('0' if pd.isna(row[c]) else str(row[c]) for c in SURVIVOR_FATES)})", str(row["survivors"]))


def _rule_follow_up_killed(tables, as_of):
    frame = tables["strikes"].frame
    for line, row in frame[(frame["survivors_killed"] > frame["killed_best"]).fillna(False)].iterrows():
        yield ("strikes", line, "survivors_killed", f"is greater than killed_best ({row['killed_best']}), which "
               "includes them", str(row["survivors_killed"]))


def _rule_delivery_years(tables, as_of):
    frame = tables["weapon_systems"].frame
    for a, b in (("ordered_year", "delivered_first_year"), ("delivered_first_year", "delivered_last_year")):
        for line, row in frame[(frame[a] > frame[b]).fillna(False)].iterrows():
            yield "weapon_systems", line, a, f"is after {b} ({row[a]} > {row[b]})", str(row[a])


def _required_when(name: str, column: str, when, message: str):
    """A rule: ``column`` of table ``name`` must be filled in the rows where ``when(frame)`` holds."""
    def rule(tables, as_of):
        frame = tables[name].frame
        empty = _written(tables[name], column) == ""  # a cell filled but unreadable is reported by _rule_written_as
        for line in frame.index[when(frame).fillna(False) & empty]:
            yield name, line, column, message, ""
    return rule


def _written(table: Table, column: str) -> pd.Series:
    """The cells of ``column`` as written in the file, indexed like the typed frame (empty where the column is missing)."""
    at = table.header.index(column) if column in table.header else None
    return pd.Series(["" if at is None else row[at] for row in table.rows], index=table.frame.index, dtype="str")


def _rule_date_precision(tables, as_of):
    for name, column, precision in (("events", "date", "date_precision"), ("strikes", "date", "date_precision"),
                                    ("casualty_estimates", "as_of", "as_of_precision"),
                                    ("weapon_systems", "status_as_of", "status_as_of_precision")):
        frame = tables[name].frame
        day = frame[column].dt.day
        month = frame[column].dt.month
        dated = frame[column].notna()
        not_first = (frame[precision] == "month") & (day != 1)
        not_jan1 = (frame[precision] == "year") & ((day != 1) | (month != 1))
        for line, row in frame[((not_first | not_jan1) & dated).fillna(False)].iterrows():
            where = "the 1st of the month" if row[precision] == "month" else "1 January"
            yield name, line, column, f"must be {where} when {precision} is {row[precision]}", \
                row[column].strftime("%Y-%m-%d")


def _rule_announced_after_strike(tables, as_of):
    frame = tables["strikes"].frame
    bad = frame[(frame["announced_date"] < frame["date"]).fillna(False)]  # a month-dated strike is stored on its 1st
    for line, row in bad.iterrows():
        when = {"month": "the start of the strike's month", "year": "the start of the strike's year"}.get(
            row["date_precision"], "the strike's date")
        yield "strikes", line, "announced_date", f"is before {when}", row["announced_date"].strftime("%Y-%m-%d")


def _rule_not_after_data_as_of(tables, as_of):
    if as_of is None:
        return
    for name, table in tables.items():
        for fdesc in table.schema["fields"]:
            column = table.frame[fdesc["name"]]
            if fdesc["type"] == "date":
                late = column > as_of
                shown = column.dt.strftime("%Y-%m-%d")
            elif fdesc["name"].endswith("year"):
                late = column > as_of.year
                shown = column.astype("str")
            else:
                continue
            for line in column.index[late.fillna(False)]:
                yield (name, line, fdesc["name"], f"{AFTER_DATA_AS_OF} {as_of:%Y-%m-%d} in datapackage.json (a typo, "
                       "or data_as_of not moved forward with this update)", shown[line])


def _rule_written_as(tables, as_of):
    """A filled date, integer or number cell that the typed frame could not read (see ``WRITTEN_AS``) is reported, so
    no value is lost without a word; a cell frictionless rejected too gets the same problem, reported once."""
    for name, table in tables.items():
        for fdesc in table.schema["fields"]:
            if fdesc["type"] not in WRITTEN_AS:
                continue
            written = _written(table, fdesc["name"])
            for line, value in written[(written != "") & table.frame[fdesc["name"]].isna()].items():
                yield name, line, fdesc["name"], TYPE_HINTS[fdesc["type"]], value


def _rule_source_ids(tables, as_of):
    known = set(tables["sources"].frame["source_id"].dropna())
    wrong = [i for i in known if not re.fullmatch(ID_PATTERN, i)]  # ids sources.csv itself writes wrongly
    spelt = {i.strip().lower(): i for i in wrong}
    sources_whole = tables["sources"].whole
    cited: set[str] = set()
    suggested = 0
    for name, table in tables.items():
        if "source_ids" not in table.frame or name == "sources":
            continue
        for line, value in table.frame["source_ids"].dropna().items():
            ids = re.split(r"[;,\s]+", value.strip())  # a space or comma for ';' is the pattern's problem, not a missing id
            cited.update(ids)
            for source_id in ids:
                if not source_id or source_id in known or not sources_whole:
                    continue
                suggested += 1  # a suggestion costs a scan of every id: the first few typos get one
                close = spelt.get(source_id) or next(iter(
                    difflib.get_close_matches(source_id, known, n=1) if suggested <= 25 else []), None)
                if close in wrong:  # a right id here, written wrongly there: never offer the wrong one, nor another's
                    cited.add(close)
                    yield (name, line, "source_ids", f"names a source that sources.csv writes as {close!r} (the id there "
                           "is the one to correct)", source_id)
                else:
                    yield (name, line, "source_ids", "names a source that is not in sources.csv"
                           + (f" (did you mean {close!r}?)" if close else ""), source_id)
            for source_id in sorted({i for i in ids if i and ids.count(i) > 1}):
                yield name, line, "source_ids", "names the same source twice", source_id
    if not all(t.whole for name, t in tables.items() if name != "sources"):
        return  # a table or row that could not be read cites nothing, and every source it cites would look uncited
    for line, source_id in tables["sources"].frame["source_id"].dropna().items():
        if source_id not in cited:
            yield "sources", line, "source_id", "source is not cited by any row of any table", source_id


def _rule_dates_against_sources(tables, as_of):
    sources = tables["sources"].frame
    early = sources["accessed"] < sources["published"] - pd.Timedelta(days=1)  # a day's grace for time zones, as below
    for line, row in sources[early.fillna(False)].iterrows():
        yield "sources", line, "accessed", "is before the source's published date", f"{row['accessed']:%Y-%m-%d}"
    if not tables["sources"].whole:
        return  # sources a broken sources.csv could not give would look missing
    published = sources.dropna(subset=["source_id", "published"]).drop_duplicates("source_id").set_index(
        "source_id")["published"]
    for name, column in SOURCED_DATES.items():
        frame = tables[name].frame
        frame = frame[frame["source_ids"].notna() & frame[column].notna()]
        cited = frame["source_ids"].str.split(";").explode()  # one row per id, indexed by the citing row's line
        dates = cited.map(published)
        newest = dates.groupby(level=0).max()
        all_dated = dates.notna().groupby(level=0).all()  # an undated source may be the newer one
        old = all_dated & (newest < frame[column] - pd.Timedelta(days=1))  # a day's grace for time zones
        for line in old[old].index:
            source = cited.loc[[line]][dates.loc[[line]] == newest[line]].iloc[0]  # [[line]]: a Series, even for one id
            yield (name, line, "source_ids", f"every source it cites was published before its {column} (the newest, "
                   f"of {newest[line]:%Y-%m-%d}, is shown): a source of another row?", source)


SOURCED_DATES = {"events": "date", "strikes": "date", "casualty_estimates": "as_of"}
"""Tables whose rows report something on a date: at least one cited source must be published on or after it."""


CASE_PREFIX = {"venezuela": "ve-", "syria": "sy-"}


def _rule_event_id_case(tables, as_of):
    events = tables["events"]
    pattern = _field(events, "event_id").get("constraints", {}).get("pattern", ".*")
    frame = events.frame
    prefixes = frame["case"].astype("str").map(CASE_PREFIX)
    event_ids = frame["event_id"].fillna("")
    other_case = pd.Series([isinstance(prefix, str) and not event_id.startswith(prefix)
                            for event_id, prefix in zip(event_ids, prefixes, strict=True)], index=frame.index)
    wrong = frame["event_id"].str.fullmatch(pattern, na=False) & other_case  # the rest: the pattern's
    for line, row in frame[wrong].iterrows():
        yield ("events", line, "event_id", f"starts as an event of the other case; an event of case {row['case']} has "
               f"an id starting {prefixes[line]!r}", row["event_id"])


def period_end(dates: pd.Series, precision: pd.Series) -> pd.Series:
    """The last day each date could be, given its precision: the date itself, its month's end, or its year's end."""
    end = dates.copy()
    month, year = precision == "month", precision == "year"
    end[month] = dates[month] + pd.offsets.MonthEnd(0)
    end[year] = dates[year] + pd.offsets.YearEnd(0)
    return end


def _rule_part_of(tables, as_of):
    events = tables["events"]
    if not events.whole:  # an event that could not be read would look missing
        return
    frame = events.frame
    first_steps = frame.drop_duplicates("event_id").set_index("event_id")
    pattern = _field(events, "part_of").get("constraints", {}).get("pattern", ".*")
    last_days = period_end(frame["date"], frame["date_precision"])  # a month-dated step: its month's end
    for line, row in frame[frame["part_of"].str.fullmatch(pattern, na=False)].iterrows():  # the rest: the pattern's
        first = first_steps.loc[row["part_of"]] if row["part_of"] in first_steps.index else None
        if first is not None and (pd.isna(first["case"]) or pd.isna(row["case"])):
            continue  # an unreadable case is reported in its own column
        if row["part_of"] == row["event_id"]:
            problem = "names the row itself; leave part_of empty on an act's first step"
        elif first is None:
            close = difflib.get_close_matches(row["part_of"], first_steps.index, n=1)
            problem = "names an event that is not in events.csv" + (f" (did you mean {close[0]!r}?)" if close else "")
        elif pd.notna(first["part_of"]):
            problem = f"names a step that is itself part of {first['part_of']}; name the act's first step"
        elif first["case"] != row["case"]:
            problem = f"names an event of case {first['case']}, not {row['case']}"
        elif first["date"] > last_days[line]:
            problem = f"names a later event ({first['date']:%Y-%m-%d}); the first step comes first"
        else:
            continue
        yield "events", line, "part_of", problem, row["part_of"]


TIV_TOTAL = ("sipri_tiv_russia_2000_2023", "russia", 2000, 2023)
"""comparison.csv's metric that restates a sum of arms_transfers.csv: (metric, supplier, first year, last year)."""


def _rule_tiv_total(tables, as_of):
    metric, supplier, first, last = TIV_TOTAL
    comparison, arms = tables["comparison"].frame, tables["arms_transfers"].frame
    if not tables["arms_transfers"].whole:
        return  # a sum over rows that could not all be read would be wrong
    for line, row in comparison[(comparison["metric"] == metric) & comparison["value_best"].notna()].iterrows():
        rows = arms[(arms["supplier"] == supplier) & (arms["recipient"] == row["case"]) & arms["year"].between(first, last)]
        total = float(rows["tiv_millions"].sum())
        if abs(total - float(row["value_best"])) > 0.005:
            yield ("comparison", line, "value_best", f"is not the sum of arms_transfers.csv's {supplier} rows to "
                   f"{row['case']}, {first}-{last} ({total:.2f}); update one or the other", f"{row['value_best']:g}")


def _field(table: Table, name: str) -> dict:
    """The schema of one column of ``table`` ({} when the descriptor has no such field)."""
    return next((f for f in table.schema["fields"] if f["name"] == name), {})


def _text_columns(tables):
    """(table, column name, cells) for every text column outside a vocabulary (ids and URLs included)."""
    for name, table in tables.items():
        for fdesc in table.schema["fields"]:
            if fdesc["type"] == "string" and "enum" not in fdesc.get("constraints", {}):
                yield name, fdesc["name"], table.frame[fdesc["name"]]


def _rule_no_formulas(tables, as_of):
    for name, column, cells in _text_columns(tables):
        for line, value in cells[cells.str.startswith(FORMULA_PREFIXES, na=False)].items():
            yield (name, line, column, "starts with a character a spreadsheet would run as a formula (=, +, -, @); "
                   "reword it", value)


def _rule_no_edge_spaces(tables, as_of):
    for name, column, cells in _text_columns(tables):
        if "pattern" in _field(tables[name], column).get("constraints", {}):
            continue  # an id or URL with a space breaks its pattern, reported once there
        for line, value in cells[cells.notna() & (cells.str.strip() != cells)].items():
            yield (name, line, column, "is blank: only spaces" if not value.strip() else
                   "has spaces at the start or end; remove them", value)


def _rule_no_lost_characters(tables, as_of):
    for name, column, cells in _text_columns(tables):
        for line, value in cells[cells.str.contains(LOST_LETTERS, na=False)].items():
            yield (name, line, column, "has '??', what a spreadsheet writes for letters its encoding cannot hold "
                   "(Cyrillic, Arabic); restore the text from git or the source", value)


CROSS_FIELD_RULES = {
    "low <= best <= high": _rule_low_best_high,
    "survivors_rescued + survivors_presumed_dead + survivors_killed <= survivors": _rule_survivors,
    "survivors_killed <= killed_best": _rule_follow_up_killed,
    "ordered_year <= delivered_first_year <= delivered_last_year": _rule_delivery_years,
    **{f"{column} required for vessel_strike": _required_when(
        "strikes", column, lambda f: f["kind"] == "vessel_strike", "is required for a vessel_strike")
       for column in ("killed_best", "strikes_counted", "vessels")},
    "an estimate gives at least one of killed_low, killed_best, killed_high": _required_when(
        "casualty_estimates", "killed_best", lambda f: f[["killed_low", "killed_high"]].isna().all(axis=1),
        "an estimate needs killed_best, killed_low or killed_high"),
    "escalation_level required for case venezuela": _required_when(
        "events", "escalation_level", lambda f: f["case"] == "venezuela", "is required for case venezuela"),
    "quantity_unit required with a quantity": _required_when(
        "weapon_systems", "quantity_unit", lambda f: f[["quantity", "quantity_low", "quantity_high"]].notna().any(axis=1),
        "is required when a quantity is given"),
    "status_as_of_precision required with status_as_of": _required_when(
        "weapon_systems", "status_as_of_precision", lambda f: f["status_as_of"].notna(),
        "is required when status_as_of is given (day, month or year)"),
    "month/year precision dates on the 1st": _rule_date_precision,
    "announced_date not before the strike's date (or its month's or year's start)": _rule_announced_after_strike,
    "no date after data_as_of": _rule_not_after_data_as_of,
    "every date and number written as the format says": _rule_written_as,
    "every source id exists and every source is cited": _rule_source_ids,
    "a source is not accessed before it was published, and a row cites one published on or after its date":
        _rule_dates_against_sources,
    "event_id starts with its case's prefix (ve-, sy-)": _rule_event_id_case,
    "part_of names an earlier first step of the same case": _rule_part_of,
    "comparison's SIPRI TIV totals are the sums of arms_transfers": _rule_tiv_total,
    "no text cell a spreadsheet would run as a formula": _rule_no_formulas,
    "no text cell blank or with spaces at either end": _rule_no_edge_spaces,
    "no text cell with '??' (letters lost to a spreadsheet's encoding)": _rule_no_lost_characters,
}


# --------------------------------------------------------------------------- entry point


def resource_paths(data_dir: Path) -> list[str]:
    """The paths of the files datapackage.json names ([] when it cannot be read: the check says why)."""
    try:
        return [r["path"] for r in json.loads((Path(data_dir) / PACKAGE_FILE).read_text(encoding="utf-8"))["resources"]]
    except (OSError, ValueError, KeyError, TypeError):
        return []


def plain_line_endings(raw: bytes) -> bytes:
    """Windows (CRLF) and old Mac (CR) line endings as plain ones (LF), as the check reads them: a line break inside a
    field is refused, so no CR is ever part of valid data."""
    return raw.replace(b"\r\n", b"\n").replace(b"\r", b"\n")


def rewrite_notes(data_dir: Path) -> list[str]:
    """Notes (not problems) on files the check accepts as they are: Windows or old Mac line endings (read as plain ones,
    and stored plain by git per .gitattributes), and every cell quoted (told by the first data row's id: an id never
    needs quotes), which git would show as a change of every line."""
    notes = []
    for name in resource_paths(data_dir):
        path = Path(data_dir) / name
        raw = path.read_bytes() if path.is_file() else b""
        if b"\r" in raw:
            notes.append(f"note: {display(path)}: Windows or old Mac line endings: accepted and read as plain ones (the "
                         "data's fingerprint is the same, and git stores them plain, per .gitattributes)")
        if plain_line_endings(raw).split(b"\n", 1)[-1].lstrip(b"\n").startswith(b'"'):
            notes.append(f"note: {display(path)}: every cell quoted: accepted, but git will show every line as changed; "
                         "re-save it with quotes only where needed, or restore it from git (data/README.md, 'Editing in "
                         "a spreadsheet')")
    return notes


def digest(data_dir: Path) -> str:
    """SHA-256 over datapackage.json and every file it names (missing files count as empty), line endings read as
    plain ones: a checkout or a re-save with Windows line endings holds the same data, and keeps the same digest."""
    data_dir = Path(data_dir)
    sha = hashlib.sha256()
    manifest = data_dir / PACKAGE_FILE
    sha.update(plain_line_endings(manifest.read_bytes()) if manifest.exists() else b"")
    for name in resource_paths(data_dir):
        path = data_dir / name
        sha.update(name.encode() + b"\0" + (plain_line_endings(path.read_bytes()) if path.exists() else b""))
    return sha.hexdigest()


def report_lines(problems: list[Problem], repeated: int = 5) -> list[str]:
    """For each file and column where ``repeated`` or more rows share one problem, a summary first (a whole column
    changed at once is usually a spreadsheet re-saving the file in its own format: the one line to read before the
    hundred after it); then every problem as a line."""
    same = Counter((p.path, p.column, p.message) for p in dict.fromkeys(  # rows, not problems: one cell can have several
        Problem(p.path, p.line, p.column, p.message) for p in problems if p.column and p.line))
    summaries = [f"{path}: {column}: {n} rows have the same problem ({message}); " + (
                 "is data_as_of in datapackage.json right? It is the day the tables were brought up to date (sources "
                 "accessed that day included), not the date of the newest row" if message.startswith(AFTER_DATA_AS_OF)
                 else "if a spreadsheet re-saved the file, re-export it as CSV with ISO dates (YYYY-MM-DD) and plain "
                 "numbers, or restore it from git")
                 for (path, column, message), n in same.items() if n >= repeated]
    return summaries + [str(p) for p in problems]


def check(data_dir: Path, trusted_digest: str | None = None) -> Result:
    """Validate every table of the package in ``data_dir``; collect all problems in one run.

    ``trusted_digest``: the :func:`digest` of data that already passed a full check (the build passes it to its
    kernels). When the files still have that digest, only parsing and typing run: the scans for bad cells, the Table
    Schema pass and the cross-field rules could find nothing in the same bytes.
    """
    data_dir = Path(data_dir)
    package, problems = read_package(data_dir)
    trusted = bool(trusted_digest) and trusted_digest == digest(data_dir)
    tables: dict[str, Table] = {}
    # A descriptor edited so that the code's own rules no longer fit it (a resource or field they read removed or
    # retyped, a vocabulary written as a string, a bad pattern) is reported against datapackage.json in the error's own
    # words, never as a traceback: hence the broad excepts below.
    shown = display(data_dir / PACKAGE_FILE)
    described = {(data_dir / r["path"]).resolve() for r in package.get("resources", [])}
    for stray in sorted(p for p in data_dir.glob("*.csv") if p.resolve() not in described) if package else []:
        problems.append(Problem(display(stray), message="is not described in datapackage.json (its rows are not read, "
                                "so the sources it cites look uncited); add its resource or move the file out"))
    for resource in package.get("resources", []):
        table = Table(resource["name"], data_dir / resource["path"], resource["schema"])
        problems += read_table(table, scan=not trusted)
        try:
            table.frame = to_frame(table)
        except Exception as exc:
            return Result(problems + [Problem(shown, message=f"resource {table.name}: its schema cannot be applied to the "
                                              f"file ({type(exc).__name__}: {exc}); check its field types and constraints")],
                          package, tables)
        tables[table.name] = table
    if tables and not trusted:
        result = Result(problems, package, tables)
        # a table with a column missing (reported) gets no cross-field problem: each would be a false one about the column
        incomplete = {name for name, t in tables.items() if not t.all_columns}

        def guarded(what: str, run) -> list[Problem]:
            try:
                return run()
            except Exception as exc:
                return [Problem(shown, message=f"{what} failed on the tables it describes ({type(exc).__name__}: {exc}); "
                                "is a resource, field, type or constraint it relies on removed, renamed or malformed?")]

        problems += guarded("the Table Schema pass", lambda: schema_problems(tables))
        for what, rule in CROSS_FIELD_RULES.items():
            problems += guarded(f"the rule {what!r}", lambda rule=rule: [
                Problem(display(tables[name].path), int(line), column, message, value)
                for name, line, column, message, value in rule(tables, result.data_as_of) if name not in incomplete])
    # within a row, the columns in the file's order (the descriptor's), as a reader scans the line
    order = {(display(data_dir / r["path"]), f["name"]): i for r in package.get("resources", []) for i, f in
             enumerate(r["schema"].get("fields", []))}
    unique = dict.fromkeys(problems)
    ordered = sorted(unique, key=lambda p: (p.path, p.line, order.get((p.path, p.column), len(order)), p.column,
                                            p.message, p.value or ""))
    return Result(ordered, package, tables)
