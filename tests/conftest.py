"""Shared fixtures: a scratch copy of the real data and helpers to corrupt it."""

from __future__ import annotations

import csv
import os
import shutil
import tempfile
from pathlib import Path

import pytest

from dilemma import paths
from dilemma.__main__ import main

REAL_DATA = paths.ROOT / "data"


def pytest_configure(config):
    """The notebooks nbval runs read this checkout's data and write their figures to a scratch folder: a test run leaves
    figures/ to the build, which publishes them."""
    config.figures_scratch = tempfile.mkdtemp(prefix="dilemma-test-figures-")
    os.environ["DILEMMA_FIGURES_DIR"] = config.figures_scratch
    os.environ["DILEMMA_DATA_DIR"] = str(Path(__file__).resolve().parent.parent / "data")


def pytest_unconfigure(config):
    shutil.rmtree(getattr(config, "figures_scratch", ""), ignore_errors=True)


@pytest.fixture
def data(tmp_path: Path) -> Path:
    """A writable copy of the repository's data/ folder."""
    target = tmp_path / "data"
    shutil.copytree(REAL_DATA, target)
    return target


def read_rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def write_rows(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


def set_cell(path: Path, line: int, column: str, value: str) -> str:
    """Set one cell (line as an editor shows it, header = 1); return the old value."""
    rows = read_rows(path)
    index = rows[0].index(column)
    old = rows[line - 1][index]
    rows[line - 1][index] = value
    write_rows(path, rows)
    return old


def cell(path: Path, line: int, column: str) -> str:
    rows = read_rows(path)
    return rows[line - 1][rows[0].index(column)]


def find_line(path: Path, column: str, predicate) -> int:
    """The first line whose cell in ``column`` satisfies ``predicate``."""
    rows = read_rows(path)
    index = rows[0].index(column)
    for number, row in enumerate(rows[1:], start=2):
        if predicate(row[index]):
            return number
    raise AssertionError(f"no row of {path.name} matches in {column}")


def run_check(data_dir: Path, capsys) -> tuple[int, list[str]]:
    """Run `python -m dilemma check --data DIR` in-process; return the exit code and stdout lines."""
    code = main(["check", "--data", str(data_dir)])
    out = capsys.readouterr().out
    return code, [line for line in out.splitlines() if line]


def crashed_rules(out: list[str]) -> list[str]:
    """The check's lines saying one of its own passes raised (its fallback keeps the contract's format, so a test that
    only checks the format would take a crash for an answer)."""
    return [line for line in out if "failed on the tables it describes" in line]


def _data_digest() -> dict[str, str]:
    import hashlib

    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(REAL_DATA.iterdir()) if p.is_file()}


def pytest_sessionstart(session):
    session.config._data_before = _data_digest()


def pytest_sessionfinish(session, exitstatus):
    """The whole suite (check, build --out, notebooks) must leave data/ byte for byte as it found it."""
    before = getattr(session.config, "_data_before", None)
    if before is not None and _data_digest() != before:
        changed = sorted(k for k in set(before) | set(_data_digest()) if before.get(k) != _data_digest().get(k))
        print(f"\nERROR: the test suite changed data/: {changed}")
        session.exitstatus = 1
