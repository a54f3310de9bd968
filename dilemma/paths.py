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
    """The folder figures are written to."""
    return Path(os.environ.get("DILEMMA_FIGURES_DIR") or ROOT / "figures")


def display(path: Path) -> str:
    """A path as the user should see it: relative to the working directory when below it."""
    path = Path(path)
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
