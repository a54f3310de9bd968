"""The build: stops on bad data, rebuilds byte-identically into --out, leaves the repository untouched."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from conftest import REAL_DATA, cell, find_line, set_cell

from dilemma import paths
from dilemma.build import execute, notebooks
from dilemma.data import short_digest

TRACKED = ("notebooks", "figures", "data", "README.md")


def tree_hash(root: Path) -> dict[str, str]:
    out = {}
    for name in TRACKED:
        base = root / name
        files = [base] if base.is_file() else sorted(p for p in base.rglob("*") if p.is_file())
        for f in files:
            out[str(f.relative_to(root))] = hashlib.sha256(f.read_bytes()).hexdigest()
    return out


def run_build(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DILEMMA_")}
    return subprocess.run([sys.executable, "-m", "dilemma", "build", *args], capture_output=True, text=True,
                          cwd=paths.ROOT, env=env, timeout=1800)


def test_build_stops_before_any_notebook_on_bad_data(data, tmp_path):
    path = data / "strikes.csv"
    set_cell(path, 3, "killed_best", "1,000")
    out = tmp_path / "out"
    done = run_build("--data", str(data), "--out", str(out))
    assert done.returncode == 1
    assert f"{path}:3: killed_best: not a whole number" in done.stdout
    assert "no notebook was run" in done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    assert not (out / "notebooks").exists()


@pytest.mark.parametrize("via", ["--data", "DILEMMA_DATA_DIR", "DILEMMA_FIGURES_DIR"])
@pytest.mark.parametrize("out", [None, "the repository"])
def test_build_from_other_data_or_to_other_figures_in_place_stops_before_anything_runs(data, tmp_path, monkeypatch,
                                                                                       capsys, via, out):
    from dilemma import build as build_module

    # in-process, with the check replaced: were the guard ever to fail, nothing would run in place over the repository
    monkeypatch.setattr(build_module, "check", lambda *args: pytest.fail("the build got past the guard"))
    out = out and paths.ROOT / "notebooks" / ".."  # `--out .` typed in the repository, spelled another way
    if via == "--data":
        code = build_module.build(data=data, out=out)
    else:
        monkeypatch.setenv(via, str(data if via == "DILEMMA_DATA_DIR" else tmp_path / "figures"))
        code = build_module.build(out=out)
    assert code == 2
    err = capsys.readouterr().err
    assert ("without --out" if out is None else "(the repository itself)") in err
    assert ("--data" if via == "--data" else f"${via}") in err


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("build")
    before = tree_hash(paths.ROOT)
    done = run_build("--out", str(out), "--jobs", "2")
    return out, done, before


@pytest.mark.parametrize("inside", ["data", "figures", "notebooks/sub"])
def test_build_out_inside_the_repositorys_kept_folders_stops_before_anything_runs(monkeypatch, capsys, inside):
    from dilemma import build as build_module

    monkeypatch.setattr(build_module, "check", lambda *args: pytest.fail("the build got past the guard"))
    assert build_module.build(out=paths.ROOT / inside) == 2  # with the repository's own data too
    assert f"is inside the repository's {inside.split('/')[0]}/" in capsys.readouterr().err


def test_a_leftover_data_variable_does_not_stop_a_build_of_the_repositorys_data(monkeypatch, tmp_path):
    from dilemma import build as build_module

    monkeypatch.setenv("DILEMMA_DATA_DIR", str(tmp_path))  # left from running a chapter by hand on a copy
    monkeypatch.delenv("DILEMMA_FIGURES_DIR")
    class PastTheGuards(Exception):
        pass

    def reached(*args):
        raise PastTheGuards

    monkeypatch.setattr(build_module, "check", reached)
    with pytest.raises(PastTheGuards):  # not a traceback from the guards
        build_module.build(data=paths.ROOT / "data")


def test_build_out_succeeds_and_reports_every_notebook(built):
    out, done, _ = built
    assert done.returncode == 0, done.stdout + done.stderr
    for nb in notebooks():
        assert nb.name in done.stdout and (out / "notebooks" / nb.name).exists()
    assert "build ok" in done.stdout


def test_build_out_leaves_the_repository_untouched(built):
    _, _, before = built
    assert tree_hash(paths.ROOT) == before


def test_rebuild_is_byte_identical_to_the_committed_report(built):
    """A build from unchanged data reproduces every committed notebook, figure and the README block."""
    out, done, _ = built
    assert done.returncode == 0, done.stderr
    for nb in notebooks():
        assert (out / "notebooks" / nb.name).read_bytes() == nb.read_bytes(), f"{nb.name} is stale: run make report"
    committed = sorted(p.name for p in (paths.ROOT / "figures").iterdir())
    rebuilt = sorted(p.name for p in (out / "figures").iterdir())
    assert rebuilt == committed
    for name in committed:
        assert (out / "figures" / name).read_bytes() == (paths.ROOT / "figures" / name).read_bytes(), name
    assert (out / "README.md").read_bytes() == (paths.ROOT / "README.md").read_bytes()


def words(text: str) -> str:
    return " ".join(text.split())


def test_briefing_has_a_contents_page_then_each_figure_on_its_own_page(built):
    """Page 1 lists every title; page k+1 shows figure k (its title comes from the figure's own PDF) and its caption."""
    from pypdf import PdfReader

    from dilemma.briefing import figure_meta

    out, _, _ = built
    metas = figure_meta(out / "figures")
    reader = PdfReader(out / "figures" / "briefing.pdf")
    assert len(metas) > 0 and len(reader.pages) == 1 + len(metas)
    contents = words(reader.pages[0].extract_text())
    assert "CC BY 4.0" in contents and "keep each figure's source line" in contents  # the licence travels with the pack
    # the data's fingerprint, as each chapter prints it, tells this pack from one built on other data of the same date
    digest = short_digest(REAL_DATA)
    assert f"data sha256 {digest}" in contents and f"data sha256 `{digest}`" in (out / "README.md").read_text()
    assert all(f"sha256 {digest}" in nb.read_text() for nb in (out / "notebooks").glob("*.ipynb"))
    for meta, page in zip(metas, reader.pages[1:], strict=True):
        text = words(page.extract_text())
        assert words(meta["title"]) in contents
        assert words(meta["title"]) in text, f"{meta['name']}: its page does not show the figure"
        assert words(meta["caption"]) in text and f"Figure {meta['name']}" in text


def compared_outputs(nb: nbformat.NotebookNode) -> list[str]:
    """The outputs nbval compares (text, not images)."""
    texts = []
    for c in nb.cells:
        for o in c.get("outputs", []):
            texts.append(o.get("text", "") + o.get("data", {}).get("text/plain", ""))
    return texts


def test_changing_a_death_count_changes_notebook_outputs(data, tmp_path, monkeypatch):
    """Editing data/ without re-running the notebook must fail nbval: the compared outputs differ."""
    path = data / "strikes.csv"
    line = find_line(path, "kind", lambda v: v == "vessel_strike")
    set_cell(path, line, "killed_best", str(int(cell(path, line, "killed_best")) + 1))
    monkeypatch.setenv("DILEMMA_DATA_DIR", str(data))
    monkeypatch.setenv("DILEMMA_FIGURES_DIR", str(tmp_path / "figures"))
    source = paths.NOTEBOOKS_DIR / "02_strike_campaign.ipynb"
    target = tmp_path / source.name
    name, _, error = execute(source, target)
    assert error == ""
    committed = compared_outputs(nbformat.read(source, as_version=4))
    changed = compared_outputs(nbformat.read(target, as_version=4))
    assert committed[0] != changed[0], "the fingerprint line must change"
    assert sum(a != b for a, b in zip(committed, changed, strict=True)) > 1, "the totals must change too"


def test_real_data_is_what_the_committed_notebooks_show():
    from dilemma.data import fingerprint

    first = nbformat.read(paths.NOTEBOOKS_DIR / "02_strike_campaign.ipynb", as_version=4)
    assert fingerprint(REAL_DATA) in compared_outputs(first)[0]


def test_a_failing_cell_is_named_and_nothing_is_written(tmp_path):
    source = tmp_path / "99_broken.ipynb"
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1"),
                                         nbformat.v4.new_code_cell("raise KeyError('no such column')")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, source)
    before = source.read_bytes()
    target = tmp_path / "out" / source.name
    name, _, error = execute(source, target)
    assert name == "99_broken.ipynb"
    assert error.startswith("cell 1: KeyError") and "no such column" in error
    assert not target.exists() and source.read_bytes() == before


def chapters(folder: Path, monkeypatch, cells: dict[str, str]) -> None:
    """Make the build see only these one-cell notebooks ({file name: code})."""
    from dilemma import build as build_module

    sources = []
    for name, code in cells.items():
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nbformat.write(nb, folder / name)
        sources.append(folder / name)
    monkeypatch.setattr(build_module, "notebooks", lambda: sources)


def test_a_sidecar_written_by_hand_is_named_by_the_build(tmp_path, monkeypatch, capsys):
    from dilemma.build import build

    write = "import os; open(os.environ['DILEMMA_FIGURES_DIR'] + '/01-mine.json', 'w').write({!r})"
    for sidecar, said in [('{"name": "01-mine", "title": "Mine"}', "01-mine.json: the figure's sidecar lacks subtitle, "
                                                                    "caption, tables, data_as_of, notebook, data_file"),
                          ("[]", "01-mine.json: the figure's sidecar lacks all"),
                          ('{"name": ', "01-mine.json: the figure's sidecar is not JSON")]:
        chapters(tmp_path, monkeypatch, {"01_mine.ipynb": write.format(sidecar)})
        assert build(out=tmp_path / "out", jobs=1) == 1
        err = capsys.readouterr().err
        assert f"build failed while writing the briefing pack: {said}" in err, err
        assert not (tmp_path / "out").exists()  # nothing published


def test_a_briefing_pack_problem_is_reported_as_a_message_not_a_traceback(tmp_path, monkeypatch, capsys):
    from dilemma.build import build

    chapters(tmp_path, monkeypatch, {"01_new.ipynb": "print('a chapter without its findings cell')"})
    out = tmp_path / "out"
    (out / "figures").mkdir(parents=True)
    (out / "figures" / "01-old.json").write_text("{}")
    assert build(out=out, jobs=1) == 1
    err = capsys.readouterr().err
    assert "build failed while writing the briefing pack: " in err and "expected one cell tagged 'findings'" in err
    # the notebook ran, but nothing is published: no notebook, no README, and the figure it no longer makes kept
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*")) == ["figures", "figures/01-old.json"]


def test_a_build_with_a_failing_notebook_changes_no_notebook_and_no_figure(tmp_path, monkeypatch, capsys):
    """One chapter saves a figure and succeeds, the next fails: the figure folder and the notebooks stay as they were."""
    from dilemma import build as build_module

    chapters(tmp_path, monkeypatch, {
        "01_ok.ipynb": "import os\nopen(os.path.join(os.environ['DILEMMA_FIGURES_DIR'], '01-new.json'), 'w').write('{}')",
        "02_broken.ipynb": "raise KeyError('no such column')"})
    out = tmp_path / "out"
    (out / "figures").mkdir(parents=True)
    (out / "figures" / "01-old.json").write_text("{}")
    assert build_module.build(out=out, jobs=2) == 1
    assert "02_broken.ipynb" in capsys.readouterr().err
    assert sorted(p.name for p in (out / "figures").iterdir()) == ["01-old.json"]
    assert not (out / "notebooks").exists()


def test_the_readme_headline_reads_a_raid_known_only_as_a_range(data):
    from dilemma import briefing

    path = data / "strikes.csv"
    line = find_line(path, "kind", lambda v: v == "raid")
    set_cell(path, line, "killed_best", "")  # allowed: only a vessel strike needs a best figure
    low, high = cell(path, line, "killed_low"), cell(path, line, "killed_high")
    assert f"The raid's row keeps {low} to {high}." in briefing.headline_markdown(data, briefing.KEY_FIGURE)


def test_publish_replaces_changed_figures_keeps_unchanged_ones_and_removes_stale_ones(tmp_path):
    from dilemma.build import publish

    staging, figures = tmp_path / "staging", tmp_path / "figures"
    staging.mkdir()
    figures.mkdir()
    for name, text in (("01-same.png", "same"), ("01-changed.png", "new"), ("02-added.json", "{}")):
        (staging / name).write_text(text)
    for name, text in (("01-same.png", "same"), ("01-changed.png", "old"), ("01-renamed.png", "x"), ("01-renamed.json", "{}"),
                       ("README.md", "index"), ("briefing.pdf", "pack")):
        (figures / name).write_text(text)
    os.utime(figures / "01-same.png", (0, 0))
    assert publish(staging, figures) == ["01-renamed.json", "01-renamed.png"]
    assert {p.name: p.read_text() for p in figures.iterdir()} == {
        "01-same.png": "same", "01-changed.png": "new", "02-added.json": "{}", "README.md": "index", "briefing.pdf": "pack"}
    assert (figures / "01-same.png").stat().st_mtime == 0, "an unchanged figure must not be rewritten"


def test_normalise_gives_the_same_bytes_however_stdout_was_chunked():
    """The kernel may deliver one cell's prints as one stream output or several; the written notebook must not differ."""
    from dilemma.build import normalise

    def notebook(*outputs):
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print('a'); print('b')", id="c0", outputs=list(outputs))])
        return nbformat.writes(normalise(nb))

    def out(text, name="stdout"):
        return nbformat.v4.new_output("stream", name=name, text=text)

    figure = nbformat.v4.new_output("display_data", data={"text/plain": "<Figure>"})
    assert notebook(out("a\n"), out("b\n"), figure) == notebook(out("a\nb\n"), figure)
    # Streams on either side of a figure, or of another stream, keep their order.
    apart = nbformat.reads(notebook(out("a\n"), figure, out("b\n"), out("e\n", "stderr"), out("c\n")), as_version=4)
    assert [(o.output_type, o.get("text")) for o in apart.cells[0].outputs] == [
        ("stream", "a\n"), ("display_data", None), ("stream", "b\n"), ("stream", "e\n"), ("stream", "c\n")]


def test_every_chapter_opens_with_its_findings_and_the_readme_lists_them():
    """Each chapter prints what it finds right after its set-up cell, and the README's findings block carries each line."""
    readme = (paths.ROOT / "README.md").read_text(encoding="utf-8")
    for path in notebooks():
        nb = nbformat.read(path, as_version=4)
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert "findings" in code[1].metadata.get("tags", []), f"{path.name}: the cell after the set-up must be the findings"
        printed = "".join(o.get("text", "") for o in code[1].outputs).splitlines()
        assert printed, f"{path.name}: the findings cell prints nothing"
        for line in printed:
            assert line.removeprefix("- ") in readme, f"{path.name}: README lacks the finding {line!r}"


def test_a_chapter_without_a_findings_cell_is_named(tmp_path):
    from dilemma.briefing import findings_markdown

    path = tmp_path / "07_new.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Chapter 7"),
                                                  nbformat.v4.new_code_cell("print(1)")]), path)
    with pytest.raises(ValueError, match="07_new.ipynb: expected one cell tagged 'findings', found 0"):
        findings_markdown([path])


def fake_figures(figures_dir: Path, titles: list[str], captions: list[str]) -> None:
    """One real figure saved by the house ``save``, its PDF and sidecar copied under as many names as titles given."""
    import json
    import shutil

    import matplotlib
    import pandas as pd

    matplotlib.use("Agg")
    from dilemma import figures as fg

    fig, _ = fg.figure()
    fg.save(fig, "01-seed", title="seed", subtitle="seed", tables=["events"], data_as_of=pd.Timestamp("2026-03-01"))
    seed = json.loads((figures_dir / "01-seed.json").read_text(encoding="utf-8"))
    for path in figures_dir.glob("01-seed.*"):
        if path.suffix != ".pdf":
            path.unlink()
    for i, (title, caption) in enumerate(zip(titles, captions, strict=True)):
        name = f"01-fig{i:02d}"
        shutil.copyfile(figures_dir / "01-seed.pdf", figures_dir / f"{name}.pdf")
        (figures_dir / f"{name}.json").write_text(json.dumps({**seed, "name": name, "title": title, "caption": caption}),
                                                  encoding="utf-8")
    (figures_dir / "01-seed.pdf").unlink()


def baselines(page, keep) -> list[float]:
    """The baselines (points from the page's foot) of the page's own text chunks that ``keep`` accepts."""
    found = []
    page.extract_text(visitor_text=lambda text, cm, tm, font, size: found.append(cm[5]) if text.strip() and keep(text) else None)
    return found


def test_briefing_text_never_prints_over_text_or_the_figure_and_stays_on_the_page(tmp_path, monkeypatch):
    import re

    from pypdf import PdfReader

    from dilemma import briefing

    monkeypatch.setenv("DILEMMA_FIGURES_DIR", str(tmp_path))
    titles = [f"Title {i}: " + "a finding stated at length so that it wraps onto a second line " * 3 for i in range(10)]
    captions = [("Caption words that go on and on. " * (5 + 12 * (i % 2))) for i in range(10)]
    fake_figures(tmp_path, titles, captions)
    reader = PdfReader(briefing.write_pdf(tmp_path))
    lines = sorted(set(baselines(reader.pages[0], lambda text: True)), reverse=True)
    assert len(lines) >= 2 * len(titles) and min(lines) > 0  # every title wrapped, each line on its own baseline
    assert min(a - b for a, b in zip(lines[:-1], lines[1:], strict=True)) >= 10  # no two lines closer than the smallest font
    for page in reader.pages[1:]:
        footer = baselines(page, lambda text: "notebook" in text or "Figure 01-fig" in text)
        caption = baselines(page, lambda text: "Caption" in text or "on and on" in text)
        scale, x, y = map(float, re.search(rb"q ([\d.]+) 0 0 [\d.]+ ([\d.]+) ([\d.]+) cm /Figure Do",
                                           page.get_contents().get_data()).groups())
        assert 0 < min(footer) and max(footer) + 9 <= min(caption), "the caption runs into the footer"
        assert max(caption) + 11 <= y, "the figure covers the caption"
        assert y + scale * float(page.mediabox.height) <= float(page.mediabox.height), "the figure leaves the page"


def test_a_contents_list_too_long_for_one_page_runs_onto_the_next_and_keeps_its_page_numbers(tmp_path, monkeypatch):
    """40 long titles (the 100 x synthetic data gave titles too long for one page): the contents flow onto a second
    page, and each entry's number is the page that shows that figure."""
    import re

    from pypdf import PdfReader

    from dilemma import briefing

    monkeypatch.setenv("DILEMMA_FIGURES_DIR", str(tmp_path))
    titles = [f"Title {i:02d}: " + "a finding stated at length " * 8 for i in range(40)]
    fake_figures(tmp_path, titles, [f"caption {i:02d}" for i in range(40)])
    reader = PdfReader(briefing.write_pdf(tmp_path))
    contents = words(" ".join(page.extract_text() for page in reader.pages[:-40]))
    assert len(reader.pages) - 40 >= 2, "the list should not fit on one page"
    numbers = {int(n): i for n, i in re.findall(r"(\d+)\. Title (\d\d):", contents)}
    assert sorted(numbers.values()) == [f"{i:02d}" for i in range(40)], "every title is listed once"
    for number, i in numbers.items():
        assert f"caption {i}" in reader.pages[number - 1].extract_text(), f"entry {number} points at the wrong page"


def test_the_briefing_title_page_keys_every_claim_status_as_the_figures_draw_it(tmp_path, monkeypatch):
    from pypdf import PdfReader

    from dilemma import briefing
    from dilemma import figures as fg

    monkeypatch.setenv("DILEMMA_FIGURES_DIR", str(tmp_path))
    fake_figures(tmp_path, ["A title"], ["A caption"])
    title_page = " ".join(PdfReader(briefing.write_pdf(tmp_path)).pages[0].extract_text().split())
    assert " ".join(briefing.READING_KEY.split()) in title_page
    clauses = {clause.strip().split(",")[0].split()[0]: clause for clause in briefing.READING_KEY.split(":")[1].split(";")}
    for status, style in fg.CLAIM_STYLES.items():  # the key says what the style table draws, status by status
        clause = clauses[status]
        assert ("hollow" in clause) == (not style["filled"]), status
        assert ("faint" in clause) == (style["alpha"] < 1), status
        assert ("cross-hatched" in clause) == (style["hatch"] == "xx") and (("hatched" in clause) == bool(style["hatch"])), status


@pytest.mark.parametrize("jobs", ["0", "-1", "two"])
def test_jobs_below_one_are_refused_before_anything_runs(jobs, monkeypatch, capsys):
    from dilemma import build as build_module
    from dilemma.__main__ import main

    monkeypatch.setattr(build_module, "build", lambda **kw: pytest.fail("a build started"))
    with pytest.raises(SystemExit) as stopped:
        main(["build", "--jobs", jobs])
    assert stopped.value.code == 2
    assert f"argument --jobs: must be a whole number of at least 1 (got '{jobs}')" in capsys.readouterr().err
