"""Set-up shared by every chapter: style, display options, data loaded and fingerprinted."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import pandas as pd

from dilemma import data, figures


@dataclass
class Chapter:
    tables: dict[str, pd.DataFrame]
    as_of: pd.Timestamp
    save: partial


def setup(notebook: str) -> Chapter:
    """Load and validate every table, print the data fingerprint, return the tables and a bound ``save``."""
    pd.set_option("display.width", 140)
    pd.set_option("display.max_columns", 20)
    pd.set_option("display.max_colwidth", 70)
    pd.set_option("display.max_rows", 80)
    figures.use_style()
    tables = data.load_all()
    as_of = data.data_as_of()
    print(data.fingerprint())
    return Chapter(tables, as_of, partial(figures.save, data_as_of=as_of, notebook=notebook))
