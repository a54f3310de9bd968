"""Benchmark of the build, printed side by side in one run (not a test: timings are measured, not asserted).

1. build: `python -m dilemma build --out TMP` on the real data (every notebook, figures, briefing pack).
2. floor: the same number of notebooks that only import pandas, matplotlib and dilemma, executed the same way
   (same executor, same parallelism); and the same floor plus the exports every build owes whatever its charts
   show (as many empty house-style figures per notebook as the chapter saves, as 300-dpi PNG, SVG and inline PNG).
3. scale: the build on a synthetic, schema-valid data set FACTOR (default 100) times the real one.

Targets (issue: build <= 1.5 x floor; scale <= 3 x build). Usage: python tests/perf/bench_build.py [--factor N] [--repeat N]
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).parent))
from make_synthetic import make  # noqa: E402

from dilemma import paths  # noqa: E402
from dilemma.briefing import figure_meta  # noqa: E402
from dilemma.build import execute, notebooks  # noqa: E402

FLOOR_CELL = "import pandas as pd\nimport matplotlib.pyplot as plt\nimport dilemma.data\nprint('ready')"
# The output every build must produce whatever the charts show: per figure a 300-dpi PNG, an SVG and the inline PNG
# (here of an empty house-style canvas, so a lower bound). The vector PDF for the briefing pack is left out.
EXPORT_CELL = """
from pathlib import Path
from dilemma import figures as fg
fg.use_style()
for i in range({count}):
    fig, ax = fg.figure()
    image = fg.write_png(fig, Path(f"blank{{i}}.png"))
    fig.savefig(f"blank{{i}}.svg", metadata=fg.SVG_METADATA)
    fg.show_inline(fig, image)
"""


PHASES = re.compile(r"in ([\d.]+) s \(check ([\d.]+) s, notebooks ([\d.]+) s, briefing pack ([\d.]+) s\)")


def timed_build(*args: str) -> tuple[float, list[float]]:
    """Wall time of one build, and its phases as it reports them: start-up and check, notebooks, briefing pack."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "dilemma", "build", *args], capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"build failed:\n{done.stdout}\n{done.stderr}")
    phases = PHASES.search(done.stdout)
    if not phases:
        sys.exit(f"the build's summary line has no phase times:\n{done.stdout}")
    total, check, notebooks_, pack = map(float, phases.groups())
    return elapsed, [elapsed - total + check, notebooks_, pack]


def figures_per_notebook() -> list[int]:
    """How many figures each chapter saves, from the committed figures' sidecars."""
    counts = Counter(meta["notebook"] for meta in figure_meta(paths.ROOT / "figures"))
    return [counts[nb.name] for nb in notebooks()]


def floor(cells: list[str], jobs: int, work: Path) -> float:
    """Wall time to execute one notebook per cell source, with the build's executor and parallelism."""
    work.mkdir()
    sources = []
    for i, code in enumerate(cells):
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        path = work / f"{i:02d}_floor.ipynb"
        nbformat.write(nb, path)
        sources.append(path)
    started = time.perf_counter()
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        results = list(pool.map(execute, sources, [work / "out" / p.name for p in sources]))
    elapsed = time.perf_counter() - started
    failed = [name for name, _, error in results if error]
    if failed:
        sys.exit(f"floor notebooks failed: {failed}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--factor", type=int, default=100)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--repeat", type=int, default=3, help="runs of the build and the floor; medians are printed")
    args = parser.parse_args()
    count = len(notebooks())
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        exports = [FLOOR_CELL + EXPORT_CELL.format(count=n) for n in figures_per_notebook()]
        builds, floors, export_floors = [], [], []
        for run in range(args.repeat):  # interleaved, so that a busy moment does not hit only one of them
            builds.append(timed_build("--out", str(tmp / f"build{run}"), "--jobs", str(args.jobs)))
            floors.append(floor([FLOOR_CELL] * count, args.jobs, tmp / f"floor{run}"))
            export_floors.append(floor(exports, args.jobs, tmp / f"exports{run}"))
        build, phases = sorted(builds)[len(builds) // 2]
        base, export_base = statistics.median(floors), statistics.median(export_floors)
        synthetic = make(tmp / "synthetic", args.factor, paths.ROOT / "data")
        scale, _ = timed_build("--data", str(synthetic), "--out", str(tmp / "scale"), "--jobs", str(args.jobs))
    print(f"medians of {args.repeat} runs (builds: {', '.join(f'{b:.1f}' for b, _ in builds)} s; "
          f"floors: {', '.join(f'{f:.1f}' for f in floors)} s)")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
          f"{count} notebooks, --jobs {args.jobs}")
    print(f"{'build (real data)':<28}{build:8.1f} s")
    print(f"{'  start-up and data check':<28}{phases[0]:8.1f} s")
    print(f"{'  notebooks':<28}{phases[1]:8.1f} s   notebooks / floor = {phases[1] / base:.2f}")
    print(f"{'  briefing pack':<28}{phases[2]:8.1f} s")
    print(f"{'floor (imports only)':<28}{base:8.1f} s   build / floor = {build / base:.2f}  (target <= 1.5)")
    print(f"{'floor + required exports':<28}{export_base:8.1f} s   build / (floor + exports) = {build / export_base:.2f}"
          f"  ({sum(figures_per_notebook())} empty figures as 300-dpi PNG + SVG + inline PNG)")
    print(f"{f'build ({args.factor}x synthetic data)':<28}{scale:8.1f} s   scale / build = {scale / build:.2f}  (target <= 3)")


if __name__ == "__main__":
    main()
