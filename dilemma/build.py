"""``python -m dilemma build``: check the data, execute every notebook, write the briefing pack.

1. The data is checked first; on any problem the build prints the check's lines
   and stops before a notebook runs.
2. Every ``notebooks/NN_*.ipynb`` is executed with nbclient, in parallel across
   ``--jobs`` processes, into a staging folder; each kernel sees
   ``DILEMMA_DATA_DIR`` and ``DILEMMA_FIGURES_DIR`` (staged figures). Executed
   notebooks are normalised so that unchanged data gives unchanged bytes.
3. figures/README.md and figures/briefing.pdf are generated into the staging
   folder from the staged figures' sidecars, and the README's generated blocks
   from the staged notebooks and the data.
4. Only when all of that succeeded is anything published (a failed build
   changes nothing): changed files replaced, figures no notebook makes any
   more removed, the README rewritten.

Without ``--out`` everything is updated in place; with ``--out DIR`` executed
notebooks go to DIR/notebooks, figures to DIR/figures and the README to
DIR/README.md, and the repository is left untouched.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

import nbformat

from dilemma import briefing, paths
from dilemma.analysis import fmt_date, newest_row, reconcile, reconcile_fixes, vessel_strikes
from dilemma.data import TRUSTED_DIGEST_ENV, documented_newest, documented_unreconciled, remember
from dilemma.paths import write_if_changed
from dilemma.schema import check, digest, report_lines, rewrite_notes

TIMEOUT = 900
FIGURE_FILES = "[0-9][0-9]-*"
"""The files ``figures.save`` writes (``NN-slug.png``, ``.svg``, ``.pdf``, ``.csv``, ``.json``); the rest of figures/ is
the pack."""


def notebooks() -> list[Path]:
    return sorted(paths.NOTEBOOKS_DIR.glob("[0-9][0-9]_*.ipynb"))


def normalise(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Drop volatile metadata so that an unchanged notebook re-executes to the same bytes.

    The kernel flushes stdout on a timer, so one cell's prints may arrive as one stream output or as several;
    adjacent outputs of the same stream are merged (streams on either side of a figure or table stay apart).
    """
    for cell in nb.cells:
        if cell.get("outputs"):
            merged = []
            for output in cell.outputs:
                previous = merged[-1] if merged else None
                if (previous is not None and output.output_type == previous.output_type == "stream"
                        and output.name == previous.name):
                    previous.text += output.text
                else:
                    merged.append(output)
            cell.outputs = merged
        cell.metadata.pop("execution", None)
        cell.metadata.pop("collapsed", None)
        cell.metadata.pop("scrolled", None)
    nb.metadata.get("language_info", {}).pop("version", None)  # the Python patch release: not part of the report
    nb.metadata.pop("widgets", None)
    nb.metadata.pop("papermill", None)
    return nb


def execute(source: Path, target: Path) -> tuple[str, float, str]:
    """Execute one notebook; write it to ``target`` only on success. Returns (name, seconds, error or '')."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    started = time.perf_counter()
    nb = nbformat.read(source, as_version=4)
    # The kernel is local and private to this build; its start-up warning about unencrypted TCP is noise.
    client = NotebookClient(nb, timeout=TIMEOUT, startup_timeout=180, kernel_name="python3", record_timing=False,
                            extra_arguments=["--IPKernelApp.log_level=ERROR"],
                            resources={"metadata": {"path": str(source.parent)}})
    try:
        client.execute()
    except CellExecutionError as exc:
        failed = next((i for i, c in enumerate(nb.cells)
                       if any(o.get("output_type") == "error" for o in c.get("outputs", []))), None)
        where = f"cell {failed}" if failed is not None else "a cell"
        return source.name, time.perf_counter() - started, f"{where}: {exc.ename}: {exc.evalue}"
    except Exception as exc:  # kernel died, timeout: report, never write a half-run notebook
        return source.name, time.perf_counter() - started, f"{type(exc).__name__}: {exc}"
    write_if_changed(target, nbformat.writes(normalise(nb)) + "\n")
    return source.name, time.perf_counter() - started, ""


def _set_environment(settings: dict[str, str]) -> None:  # a module-level function: workers may be spawned
    os.environ.update(settings)


def publish(staging: Path, figures: Path) -> list[str]:
    """Move one run's figures from ``staging`` into ``figures``: a changed file is replaced, an unchanged one keeps its
    bytes and date, and a figure file this run did not make is deleted (so the index and briefing.pdf list only the
    figures the notebooks make now). Generated files that are not figures (README.md, briefing.pdf) stay. Returns the
    names deleted."""
    made = {p.name for p in staging.iterdir()}
    stale = sorted(p.name for p in figures.glob(FIGURE_FILES) if p.name not in made)
    for name in stale:
        (figures / name).unlink()
    for name in sorted(made):
        write_if_changed(figures / name, (staging / name).read_bytes())
    return stale


def reconciliation_note(data_dir: Path, tables: dict) -> str:
    """A note when the data folder's table of unreconciled tallies no longer matches the data ('' when it does, or
    when there is no such table): chapter 2 and the README say it gives the reason for every mismatch."""
    try:
        documented = documented_unreconciled(data_dir)
    except ValueError as exc:
        return f"note: {exc}"
    if documented is None:
        return ""
    fixes = reconcile_fixes(reconcile(tables["strikes"], tables["casualty_estimates"]), documented)
    return (f"note: {paths.display(data_dir / 'README.md')}, the table of unreconciled tallies, no longer matches the "
            "data: " + "; ".join(fixes)) if fixes else ""


def coverage_note(data_dir: Path, tables: dict) -> str:
    """A note when the newest strike or event is no longer the one the data folder's README.md was written for: its
    coverage section, the README's last search date and a row calling itself the latest are hand-written ('' when
    they match, or for a data folder without a README). A README without the sentence naming the two dates gets a note
    too: without it nothing would tell when the section falls behind the data."""
    documented = documented_newest(data_dir)
    readme = paths.display(data_dir / "README.md")
    if documented is None:
        return (f"note: {readme} has no sentence saying which rows 'Coverage and known gaps' was written for ('written "
                "for the newest strike of YYYY-MM-DD and the newest event of YYYY-MM-DD'); put it back, so that the "
                "build can tell when that section falls behind the data") if (data_dir / "README.md").is_file() else ""
    newest = {"strikes": newest_row(vessel_strikes(tables["strikes"])), "events": newest_row(tables["events"])}
    moved = [f"the newest {name[:-1]} is now {fmt_date(row['date'], row['date_precision'])} ({row['date']:%Y-%m-%d} in "
             f"the data), not {when:%Y-%m-%d}" for name, row in newest.items() if row["date"] != (when := documented[name])]
    return (f"note: {'; '.join(moved)}: update 'Coverage and known gaps' in {readme} and the two dates it was written "
            f"for, the date of the last search under 'Limitations' in {paths.display(paths.ROOT / 'README.md')}, and the "
            "note of any row that called itself the latest") if moved else ""


def refusal(data: Path | None, out: Path | None, data_dir: Path) -> str:
    """Why a build from ``data_dir`` into ``out`` would overwrite what it must not ('' when it may run): the repository's
    notebooks, figures and README rebuilt from other data or around figures kept elsewhere, or an ``--out`` inside a
    folder the repository keeps."""
    root = paths.ROOT.resolve()
    in_place = out is None or Path(out).resolve() == root  # `--out .` typed in the repository is in place
    without = "without --out" if out is None else f"with --out {out} (the repository itself)"
    kept = [name for name in ("data", "figures", "notebooks")
            if out is not None and (root / name).resolve() in (Path(out).resolve(), *Path(out).resolve().parents)]
    if kept:
        return (f"--out {out} is inside the repository's {kept[0]}/, where the build's README, notebooks/ and figures/ "
                "would overwrite or mix with the files kept there; choose a folder outside them")
    if in_place and data_dir != (root / "data").resolve():
        given = "--data" if data else "$DILEMMA_DATA_DIR"
        return (f"{given} {paths.display(data_dir)} is not the repository's data/, and {without} the build would "
                "replace the repository's notebooks, figures and README with its numbers; add --out DIR outside the "
                "repository")
    figures_env = os.environ.get("DILEMMA_FIGURES_DIR")  # not paths.figures_dir(): the build sets both for its kernels
    if in_place and figures_env and Path(figures_env).resolve() != (root / "figures").resolve():
        return (f"$DILEMMA_FIGURES_DIR {paths.display(Path(figures_env))} is not the repository's figures/, and {without} "
                "the build would rewrite the repository's notebooks and README around figures kept elsewhere; add "
                "--out DIR outside the repository (or unset the variable)")
    return ""


def build(data: Path | None = None, out: Path | None = None, jobs: int | None = None) -> int:
    started = time.perf_counter()
    data_dir = Path(data or paths.data_dir()).resolve()
    why = refusal(data, out, data_dir)
    if why:
        print(f"build stopped: {why}", file=sys.stderr)
        return 2
    result = check(data_dir)
    if not result.ok:
        print("\n".join(report_lines(result.problems)), flush=True)  # before the count on stderr, when both are captured
        print(f"build stopped: {len(result.problems)} data problem(s); no notebook was run", file=sys.stderr)
        return 1
    print(f"data ok: {paths.display(data_dir)} (data as of {result.package['data_as_of']})", flush=True)
    for note in rewrite_notes(data_dir):
        print(note)
    remember(data_dir, result)  # the README's headline and audit load the same data: no second check
    data_digest = digest(data_dir)  # handed to the kernels (they trust the check) and printed on the briefing
    checked = time.perf_counter()

    out = Path(out).resolve() if out else None
    notebooks_out = out / "notebooks" if out else paths.NOTEBOOKS_DIR
    figures_out = out / "figures" if out else paths.ROOT / "figures"
    readme = out / "README.md" if out else paths.ROOT / "README.md"
    todo = notebooks()
    jobs = max(1, jobs or os.cpu_count() or 1)
    failures = []
    with tempfile.TemporaryDirectory(prefix="dilemma-build-") as staging:
        staged_notebooks, staged_figures = Path(staging) / "notebooks", Path(staging) / "figures"
        staged_figures.mkdir()
        # the workers (and the kernels they start) get the settings; this process's environment is left as it was
        settings = {"DILEMMA_DATA_DIR": str(data_dir), "DILEMMA_FIGURES_DIR": str(staged_figures),
                    TRUSTED_DIGEST_ENV: data_digest}
        with ProcessPoolExecutor(max_workers=min(jobs, len(todo) or 1), initializer=_set_environment,
                                 initargs=(settings,)) as pool:
            futures = [pool.submit(execute, nb, staged_notebooks / nb.name) for nb in todo]
            for done, future in enumerate(as_completed(futures), start=1):
                name, seconds, error = future.result()
                status = "ok" if not error else f"FAILED: {error}"
                print(f"[{done}/{len(todo)}] {name} {seconds:5.1f} s {status}", flush=True)
                if error:
                    failures.append(name)
        if failures:
            print(f"build failed: {len(failures)} of {len(todo)} notebook(s) failed ({', '.join(failures)}); no "
                  "notebook or figure was changed", file=sys.stderr)
            return 1
        executed = time.perf_counter()
        try:
            figures = briefing.write_index(staged_figures)
            briefing.write_pdf(staged_figures, data_digest[:12])
            text = briefing.readme_text(paths.ROOT / "README.md", data_dir, [staged_notebooks / nb.name for nb in todo])
        except Exception as exc:  # a README without its markers, a chapter without its findings cell, a bad sidecar
            print(f"build failed while writing the briefing pack: {exc if isinstance(exc, ValueError) else repr(exc)}; "
                  "no notebook, figure or README was changed", file=sys.stderr)
            return 1
        for nb in todo:
            write_if_changed(notebooks_out / nb.name, (staged_notebooks / nb.name).read_bytes())
        removed = publish(staged_figures, figures_out)
        write_if_changed(readme, text)
    if removed:
        print(f"removed {len(removed)} file(s) of figures no notebook makes any more: {', '.join(removed)}")
    done = time.perf_counter()
    frames = {name: table.frame for name, table in result.tables.items()}
    for note in (reconciliation_note(data_dir, frames), coverage_note(data_dir, frames)):
        if note:
            print(note)
    print(f"build ok: {len(todo)} notebook(s), {len(figures)} figure(s), "
          f"{paths.display(figures_out / 'briefing.pdf')}, in {done - started:.1f} s "
          f"(check {checked - started:.1f} s, notebooks {executed - checked:.1f} s, briefing pack {done - executed:.1f} s)")
    return 0
