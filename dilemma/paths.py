"""Where the package reads data and writes figures.

Both locations can be overridden with environment variables, so a build can run
against a copy of the data and write its figures elsewhere:
``DILEMMA_DATA_DIR`` and ``DILEMMA_FIGURES_DIR``.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS_DIR = ROOT / "notebooks"


def data_dir() -> Path:
    """The folder holding the CSVs and datapackage.json."""
    return Path(os.environ.get("DILEMMA_DATA_DIR") or ROOT / "data")


def figures_dir() -> Path:
    """The folder figures are written to: ``DILEMMA_FIGURES_DIR``, else the repository's figures/, which show data/ only:
    with ``DILEMMA_DATA_DIR`` naming other data and no ``DILEMMA_FIGURES_DIR``, ValueError (a chapter run by hand on a
    copy of the data would overwrite the committed figures with its numbers)."""
    if os.environ.get("DILEMMA_FIGURES_DIR"):
        return Path(os.environ["DILEMMA_FIGURES_DIR"])
    if data_dir().resolve() != (ROOT / "data").resolve():
        raise ValueError(f"$DILEMMA_DATA_DIR is {data_dir()}, not the repository's data/: set $DILEMMA_FIGURES_DIR to a "
                         "folder for this data's figures, or the repository's figures/ would get its numbers (or build "
                         "with --data and --out)")
    return ROOT / "figures"


def display(path: Path) -> str:
    """A path as the user should see it: relative to the working directory when below it."""
    path = Path(path)
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def write_if_changed(path: Path, text: str | bytes) -> bool:
    """Write atomically, and only when the bytes differ; return whether the file changed."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    if path.exists() and path.read_bytes() == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return True
