"""Loaders for the curated tables.

Every loader validates the whole package first (``dilemma.schema.check``) and
raises :class:`~dilemma.schema.DataError` listing every problem when the data
is not valid. Frames come typed: dates as ``datetime64``, counts as nullable
``Int64``, measures as ``Float64``, vocabularies as ordered categoricals in the
order of datapackage.json, text as ``str``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pandas as pd

from dilemma import paths
from dilemma.schema import PACKAGE_FILE, DataError, Result, check, digest, resource_paths

TRUSTED_DIGEST_ENV = "DILEMMA_VALIDATED_SHA256"
"""Set by the build for its kernels: the digest of the data it has just checked in full."""

_CACHE: dict[tuple, Result] = {}


def _state(data_dir: Path) -> tuple:
    """The cache key: the folder, and the size, dates and inode of datapackage.json and of every file it names (not a
    digest of the bytes: at a hundred times the data, hashing them at every load cost seconds per chapter). An editor's
    save replaces the file (a new inode) or stamps it (a new change time)."""
    files = [Path(data_dir) / PACKAGE_FILE] + [Path(data_dir) / name for name in resource_paths(data_dir)]
    stats = [(str(f), f.stat()) for f in files if f.exists()]
    return (str(Path(data_dir).resolve()),) + tuple(
        (name, st.st_mtime_ns, st.st_ctime_ns, st.st_size, st.st_ino) for name, st in stats)


def checked(data_dir: Path | None = None) -> Result:
    """The check result for ``data_dir`` (default: the package's data folder); raises DataError when invalid."""
    data_dir = Path(data_dir or paths.data_dir())
    key = _state(data_dir)
    if key not in _CACHE:
        _CACHE.clear()
        _CACHE[key] = check(data_dir, trusted_digest=os.environ.get(TRUSTED_DIGEST_ENV))
    result = _CACHE[key]
    if not result.ok:
        raise DataError(result.problems)
    return result


def remember(data_dir: Path, result: Result) -> None:
    """Keep the result of a full check of ``data_dir`` (the build's own) for the loads that follow in this process."""
    _CACHE.clear()
    _CACHE[_state(Path(data_dir))] = result


UNRECONCILED_BLOCK = re.compile(r"<!-- unreconciled:begin -->(.*?)<!-- unreconciled:end -->", re.S)
UNRECONCILED_ROW = re.compile(r"^\| `(ce-[a-z0-9-]+)` \|[^|]*\|[^|]*\| (\d+) \| (\d+) / (\d+) \|", re.M)


def documented_unreconciled(data_dir: Path | None = None) -> dict[str, tuple[int, int, int]] | None:
    """The table of tallies that do not reconcile, in the data folder's README.md (between the ``unreconciled``
    markers): estimate id -> (tally, dataset at the time, dataset with presumed dead). None without such a table;
    ValueError naming the file when it cannot be read, or naming a row of the table that cannot."""
    readme = Path(data_dir or paths.data_dir()) / "README.md"
    if not readme.is_file():
        return None
    try:
        block = UNRECONCILED_BLOCK.search(readme.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"{paths.display(readme)} cannot be read ({exc})") from exc
    if block is None:
        return None
    rows = [line for line in block.group(1).splitlines() if line.startswith("| `ce-")]
    unread = [line for line in rows if not UNRECONCILED_ROW.match(line)]
    if unread:
        raise ValueError(f"{paths.display(readme)}: a row of the unreconciled table is not '| `id` | as of | publisher | "
                         f"tally | at the time / with presumed dead | why |': {unread[0][:80]}")
    return {found[0]: tuple(map(int, found[1:])) for found in UNRECONCILED_ROW.findall(block.group(1))}


NEWEST_MARK = re.compile(r"written\s+for\s+the\s+newest\s+strike\s+of\s+(\d{4}-\d{2}-\d{2})\s+and\s+the\s+newest\s+"
                         r"event\s+of\s+(\d{4}-\d{2}-\d{2})")


def documented_newest(data_dir: Path | None = None) -> dict[str, pd.Timestamp] | None:
    """The newest strike and event dates the data folder's README.md says "Coverage and known gaps" was written for:
    {"strikes": date, "events": date}; None without a README or that sentence."""
    readme = Path(data_dir or paths.data_dir()) / "README.md"
    try:
        found = NEWEST_MARK.search(readme.read_text(encoding="utf-8")) if readme.is_file() else None
    except (OSError, UnicodeDecodeError):
        return None  # the reconciliation note already says the README cannot be read
    return {"strikes": pd.Timestamp(found[1]), "events": pd.Timestamp(found[2])} if found else None


def load(name: str, data_dir: Path | None = None) -> pd.DataFrame:
    """One validated, typed table by resource name."""
    return checked(data_dir).tables[name].frame.reset_index(drop=True).copy()


def load_all(data_dir: Path | None = None) -> dict[str, pd.DataFrame]:
    """Every table, validated and typed, keyed by resource name."""
    return {name: load(name, data_dir) for name in checked(data_dir).tables}


def _loader(name: str):
    def load_table(data_dir: Path | None = None) -> pd.DataFrame:
        return load(name, data_dir)
    load_table.__name__ = load_table.__qualname__ = f"load_{name}"
    load_table.__doc__ = f"The validated, typed {name}.csv table (see data/README.md)."
    return load_table


load_sources = _loader("sources")
load_events = _loader("events")
load_strikes = _loader("strikes")
load_casualty_estimates = _loader("casualty_estimates")
load_weapon_systems = _loader("weapon_systems")
load_arms_transfers = _loader("arms_transfers")
load_comparison = _loader("comparison")


def data_as_of(data_dir: Path | None = None) -> pd.Timestamp:
    return checked(data_dir).data_as_of


def short_digest(data_dir: Path | None = None) -> str:
    """The first 12 hex digits of the data's SHA-256: what tells two builds of the same data date apart."""
    return digest(Path(data_dir or paths.data_dir()))[:12]


def fingerprint(data_dir: Path | None = None) -> str:
    """One line that changes whenever any byte of the data changes: date, row counts, short hash."""
    result = checked(data_dir)
    rows = ", ".join(f"{name} {len(table.rows)}" for name, table in result.tables.items())
    return f"data as of {result.data_as_of:%Y-%m-%d} | rows: {rows} | sha256 {short_digest(data_dir)}"
