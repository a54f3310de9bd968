"""Property-based fuzzing of `check`: random mutations of the real files never produce a traceback.

Whatever the mutation (cells, bytes, rows, columns), `check` either accepts the data or reports lines in the
contract's format. In `make test` it is bounded and reproducible: 25 derandomized examples, no shrinking. For an
occasional long, random run (with shrinking of a failure):

    FUZZ_EXAMPLES=2000 FUZZ_RANDOM=1 FUZZ_SHRINK=1 .venv/bin/python -m pytest tests/test_fuzz.py -o addopts="" \
        --hypothesis-seed=20261126
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import tempfile
from pathlib import Path

from conftest import REAL_DATA, crashed_rules
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from dilemma.__main__ import main

FILES = sorted(p.name for p in REAL_DATA.glob("*.csv"))
TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=12) | st.sampled_from(
    ["", " ", "0", "-1", "1.5", "1,000", "2026-13-45", "03/01/2026", "=1+1", "\n", '"', ";", "high", "NaN"])
def read_rows(path: Path) -> list[list[str]]:
    """Rows of a possibly already corrupted file (undecodable bytes kept as surrogates, NULs dropped)."""
    text = path.read_bytes().replace(b"\0", b"").decode("utf-8", "surrogateescape")
    return list(csv.reader(io.StringIO(text, newline="")))


def write_rows(path: Path, rows: list[list[str]]) -> None:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    path.write_bytes(buffer.getvalue().encode("utf-8", "surrogateescape"))


LINE = re.compile(r"^(?P<path>.+?\.(csv|json))(:(?P<line>\d+))?: (?P<rest>.+)$")


def mutate_cell(rows, data):
    r = data.draw(st.integers(0, len(rows) - 1))
    if rows[r]:
        c = data.draw(st.integers(0, len(rows[r]) - 1))
        rows[r][c] = data.draw(TEXT)
    return rows


def drop_row(rows, data):
    del rows[data.draw(st.integers(0, len(rows) - 1))]
    return rows


def duplicate_row(rows, data):
    rows.append(list(rows[data.draw(st.integers(0, len(rows) - 1))]))
    return rows


def drop_column(rows, data):
    c = data.draw(st.integers(0, len(rows[0]) - 1))
    return [r[:c] + r[c + 1:] for r in rows]


def swap_columns(rows, data):
    a, b = data.draw(st.integers(0, len(rows[0]) - 1)), data.draw(st.integers(0, len(rows[0]) - 1))
    for r in rows:
        if max(a, b) < len(r):
            r[a], r[b] = r[b], r[a]
    return rows


ROW_MUTATIONS = [mutate_cell, drop_row, duplicate_row, drop_column, swap_columns]


@settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", "25")), deadline=None, database=None,
          derandomize=not os.environ.get("FUZZ_RANDOM"),
          phases=[Phase.explicit, Phase.generate] + ([Phase.shrink] if os.environ.get("FUZZ_SHRINK") else []),
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_check_never_crashes_and_always_speaks_the_contract(data, capsys):
    capsys.readouterr()
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "data"
        shutil.copytree(REAL_DATA, target)
        for _ in range(data.draw(st.integers(1, 3))):
            path = target / data.draw(st.sampled_from(FILES))
            if data.draw(st.booleans()):
                rows = read_rows(path)
                if rows:
                    write_rows(path, data.draw(st.sampled_from(ROW_MUTATIONS))(rows, data))
            else:
                raw = bytearray(path.read_bytes())
                at = data.draw(st.integers(0, len(raw)))
                junk = data.draw(st.binary(max_size=8))
                cut = data.draw(st.integers(0, 8))
                raw[at:at + cut] = junk
                path.write_bytes(bytes(raw))
        code = main(["check", "--data", str(target)])
        out = capsys.readouterr().out.splitlines()
    assert code in (0, 1)
    if code == 0:
        assert len(out) == 1 and out[0].startswith("ok: ")
    else:
        assert out
        for line in out:
            match = LINE.match(line)
            assert match and match["path"].startswith(str(target)), f"not in the contract's format: {line!r}"
        assert not crashed_rules(out), f"a rule of the check crashed: {crashed_rules(out)}"
