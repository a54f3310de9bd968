"""Write a schema-valid synthetic copy of data/ that is FACTOR times larger (for the scale benchmark).

Every table is repeated FACTOR times with suffixed keys, and each copy cites its own copy of the sources, so keys,
foreign keys and "every source is cited" still hold. Milestone labels are kept on the first copy only (they are
annotations, not data volume). arms_transfers is capped by its key (supplier, recipient, year): copies shift the
years back until the schema's minimum year. Usage: python tests/perf/make_synthetic.py OUT_DIR [FACTOR]
"""

from __future__ import annotations

import csv
import json
import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
KEYS = {"sources": ["source_id"], "events": ["event_id"], "strikes": ["strike_id"],
        "casualty_estimates": ["estimate_id"], "weapon_systems": ["system_id"], "comparison": ["metric"]}


def read(path: Path) -> tuple[list[str], list[dict]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames), list(reader)


def write(path: Path, fields: list[str], rows: list[dict]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def suffix(value: str, k: int, sep: str = "-") -> str:
    """The id of copy ``k`` in the documented id forms, which allow one numeric suffix (s-yyyymmdd-car-2 is another
    strike that day): copy k of x is x-(1000 + k), of x-2 it is x-(2000 + k), so no copy takes the id of a real row or
    of another copy."""
    if k == 0:
        return value
    head, number = value.rsplit(sep, 1) if re.search(rf"{re.escape(sep)}\d+$", value) else (value, "1")
    return f"{head}{sep}{int(number) * 1000 + k}"


def make(out: Path, factor: int = 100, source: Path = ROOT / "data") -> Path:
    out.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source / "datapackage.json", out / "datapackage.json")
    package = json.loads((source / "datapackage.json").read_text())
    for resource in package["resources"]:
        name = resource["name"]
        fields, rows = read(source / resource["path"])
        copies = []
        for k in range(factor):
            for row in rows:
                new = dict(row)
                for key in KEYS.get(name, []):
                    new[key] = suffix(row[key], k, "_" if key == "metric" else "-")
                if name == "sources":
                    new["url"] = row["url"] + ("&" if "?" in row["url"] else "?") + f"copy={k}" if k else row["url"]
                if "source_ids" in new:
                    new["source_ids"] = ";".join(suffix(s, k) for s in row["source_ids"].split(";"))
                if name == "strikes" and row["event_id"]:
                    new["event_id"] = suffix(row["event_id"], k)
                if name == "events" and k:
                    new["milestone"] = ""
                    new["part_of"] = suffix(row["part_of"], k) if row["part_of"] else ""  # a stage of its own copy's act
                if name == "arms_transfers":
                    year = int(row["year"]) - 25 * k
                    if year < 1950:
                        continue
                    new["year"] = str(year)
                copies.append(new)
        write(out / resource["path"], fields, copies)
    return out


if __name__ == "__main__":
    target = Path(sys.argv[1])
    made = make(target, int(sys.argv[2]) if len(sys.argv) > 2 else 100)
    print(f"wrote {made}")
