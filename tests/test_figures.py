"""Figure export: deterministic bytes, the stamps on every figure, the index of committed figures."""

from __future__ import annotations

import json
import os

import matplotlib

matplotlib.use("Agg")

import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from dilemma import figures as fg  # noqa: E402
from dilemma import paths  # noqa: E402

AS_OF = pd.Timestamp("2026-03-01")


def draw():
    fig, ax = fg.figure()
    ax.plot(pd.date_range("2025-09-01", periods=5, freq="W"), [1, 3, 2, 5, 4])
    ax.scatter([1, 2], [3, 4], **fg.marker_kwargs("#c0392b", "claimed"))
    return fig


@pytest.fixture(autouse=True)
def close_figures():
    """Outside a notebook ``save`` leaves its figure open: close every test's figures after it."""
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


@pytest.fixture
def figures_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("DILEMMA_FIGURES_DIR", str(tmp_path))
    return tmp_path


def test_same_figure_saved_twice_gives_the_same_bytes(figures_dir, tmp_path):
    kwargs = {"title": "A finding", "subtitle": "What is measured", "tables": ["strikes"], "data_as_of": AS_OF}
    formats = ("png", "svg", "pdf", "json")
    fg.save(draw(), "99-test", **kwargs)
    first = {ext: (figures_dir / f"99-test.{ext}").read_bytes() for ext in formats}
    fg.save(draw(), "99-test", **kwargs)
    second = {ext: (figures_dir / f"99-test.{ext}").read_bytes() for ext in formats}
    assert first == second


@pytest.mark.parametrize("name", ["02-tallies", "3-tallies", "03 tallies"])
def test_a_figure_named_for_another_chapter_or_not_nn_slug_stops_before_any_file(figures_dir, name):
    with pytest.raises(ValueError, match="a figure's name is NN-slug, NN its chapter's number"):
        fg.save(draw(), name, title="A finding", subtitle="What is measured", tables=["strikes"], data_as_of=AS_OF,
                notebook="03_arsenal.ipynb")
    assert not list(figures_dir.iterdir())


def test_a_readers_own_matplotlibrc_does_not_reach_the_files(tmp_path):
    import subprocess
    import sys

    script = ("import pandas as pd\nfrom dilemma import figures as fg\nfig, ax = fg.figure()\n"
              "ax.plot([-2, -1, 0], [1, 3, 2])\n"
              "fg.save(fig, '99-test', title='A finding', subtitle='What is measured', tables=['strikes'], "
              "data_as_of=pd.Timestamp('2026-03-01'))\n")
    saved = {}
    for name, rc in (("plain", ""), ("personal", "axes.linewidth: 3\naxes.unicode_minus: False\nlines.linewidth: 6\n")):
        (tmp_path / name / "config").mkdir(parents=True)
        (tmp_path / name / "config" / "matplotlibrc").write_text(rc)
        env = {**os.environ, "MPLCONFIGDIR": str(tmp_path / name / "config"), "MPLBACKEND": "Agg",
               "DILEMMA_FIGURES_DIR": str(tmp_path / name)}
        subprocess.run([sys.executable, "-c", script], env=env, check=True, cwd=paths.ROOT)
        saved[name] = {ext: (tmp_path / name / f"99-test.{ext}").read_bytes() for ext in ("png", "svg", "pdf")}
    assert saved["personal"] == saved["plain"]


def test_a_chapter_run_by_hand_on_other_data_never_writes_the_repositorys_figures(tmp_path, monkeypatch):
    monkeypatch.setattr(paths, "ROOT", tmp_path / "repository")  # were the guard to fail, it would write there
    monkeypatch.setenv("DILEMMA_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DILEMMA_FIGURES_DIR")
    with pytest.raises(ValueError, match=r"set \$DILEMMA_FIGURES_DIR"):
        fg.save(draw(), "99-test", title="A finding", subtitle="What is measured", tables=["strikes"], data_as_of=AS_OF)
    assert not (tmp_path / "repository").exists()
    monkeypatch.setenv("DILEMMA_FIGURES_DIR", str(tmp_path / "figures"))
    fg.save(draw(), "99-test", title="A finding", subtitle="What is measured", tables=["strikes"], data_as_of=AS_OF)
    assert (tmp_path / "figures" / "99-test.png").exists()


def test_the_numbers_drawn_are_written_as_csv_with_stable_text(figures_dir):
    months = pd.DataFrame({"strikes": [2, 0], "share": [1 / 3, 0.5]},
                          index=pd.period_range("2025-09", periods=2, freq="M").rename("month"))
    fg.save(draw(), "99-test", title="t", subtitle="s", tables=["strikes"], data_as_of=AS_OF, data=months)
    assert (figures_dir / "99-test.csv").read_text() == "month,strikes,share\n2025-09,2,0.333333\n2025-10,0,0.5\n"
    rows = pd.DataFrame({"date": pd.to_datetime(["2025-09-02"]), "killed": [11]})  # an unnamed index is not written
    fg.save(draw(), "99-test", title="t", subtitle="s", tables=["strikes"], data_as_of=AS_OF, data=rows)
    assert (figures_dir / "99-test.csv").read_text() == "date,killed\n2025-09-02,11\n"
    assert json.loads((figures_dir / "99-test.json").read_text())["data_file"] == "99-test.csv"


def test_no_dates_or_versions_in_the_files(figures_dir):
    fg.save(draw(), "99-test", title="t", subtitle="s", tables=["events"], data_as_of=AS_OF)
    svg = (figures_dir / "99-test.svg").read_text()
    png = (figures_dir / "99-test.png").read_bytes()
    pdf = (figures_dir / "99-test.pdf").read_bytes()
    version = matplotlib.__version__
    assert "<dc:date>" not in svg and "Matplotlib v" not in svg and version not in svg
    assert b"Software" not in png and b"matplotlib version" not in png.lower()
    for key in (b"/CreationDate", b"/ModDate", b"/Producer", b"/Creator", b"Matplotlib", version.encode()):
        assert key not in pdf, key


def test_png_is_13_333_by_7_5_inches_at_300_dpi(figures_dir):
    from PIL import Image

    fg.save(draw(), "99-test", title="t", subtitle="s", tables=["events"], data_as_of=AS_OF)
    with Image.open(figures_dir / "99-test.png") as image:
        # 13.333 in x 300 = 3999.9 px, truncated to whole pixels by Agg; 7.5 in x 300 = 2250 px.
        assert image.size == (3999, 2250)
        # pHYs stores pixels per metre (300 / 0.0254 = 11811), which PIL reads back as 299.9994 dpi.
        assert [round(d) for d in image.info["dpi"]] == [300, 300]


def test_title_subtitle_and_source_line_with_data_date_are_on_the_figure(figures_dir):
    fig = draw()
    fg.save(fig, "99-test", title="The finding", subtitle="The measure", tables=["strikes", "casualty_estimates"],
            data_as_of=AS_OF)
    texts = [t.get_text() for t in fig.texts]
    assert "The finding" in texts and "The measure" in texts
    source = [t for t in texts if t.startswith("Source:")]
    assert len(source) == 1
    assert "strikes.csv" in source[0] and "casualty_estimates.csv" in source[0] and "2026-03-01" in source[0]
    meta = json.loads((figures_dir / "99-test.json").read_text())
    assert meta["data_as_of"] == "2026-03-01" and meta["tables"] == ["strikes", "casualty_estimates"]
    assert tuple(meta) == fg.SIDECAR_KEYS  # what the briefing pack requires of every sidecar
    # a table that copies SIPRI's register credits it on the figure itself
    assert "arms_transfers.csv, from the SIPRI Arms Transfers Database" in fg.source_line(["arms_transfers"], AS_OF)


def test_a_long_title_and_subtitle_shrink_to_fit_the_canvas(figures_dir):
    fig = draw()
    long = "The record ends 6 months before the data date: newest event May 2026, newest strike June 2026, and more"
    fg.save(fig, "99-test", title=long, subtitle=long + long[:60], tables=["events"], data_as_of=AS_OF)
    renderer = fig.canvas.get_renderer()
    for text in fig.texts[:2]:
        box = text.get_window_extent(renderer)
        assert box.x0 >= 0 and box.x1 <= fig.bbox.width, f"{text.get_text()[:30]!r} runs off the canvas"
    assert fig.texts[0].get_fontsize() < 20  # shrunk, not cut


def test_a_title_shrunk_below_the_subtitle_size_takes_the_subtitle_down_with_it(figures_dir):
    fig = draw()
    title = ("Overall tolls for the raid run from 67 to 100 after the first day; at least 40 on the day itself; "
             "none of them verified by anyone")  # about 130 characters
    fg.save(fig, "99-test", title=title, subtitle="A short subtitle", tables=["events"], data_as_of=AS_OF)
    heading, subtitle = fig.texts[:2]
    assert heading.get_fontsize() < 13.5  # shrunk below the subtitle's usual size ...
    assert subtitle.get_fontsize() < heading.get_fontsize()  # ... and the subtitle still reads as the smaller line


def test_a_title_that_would_print_near_10_pt_is_refused_as_no_longer_a_headline(figures_dir):
    title = ("Overall tolls for the raid run from 67 to 100 after the first day; at least 40 on the day itself; partial "
             "counts aside, none of them verified by anyone at all")  # about 150 characters: some 11 pt if shrunk
    with pytest.raises(ValueError, match="the title is too long"):
        fg.save(draw(), "99-test", title=title, subtitle="s", tables=["events"], data_as_of=AS_OF)


def test_a_title_too_long_to_fit_even_shrunk_stops_the_figure_with_its_name(figures_dir):
    message = f"99-test: the title is too long for the figure's width even at {fg.TITLE_SMALLEST:g} pt"
    with pytest.raises(ValueError, match=message):
        fg.save(draw(), "99-test", title="A finding stated at length " * 10, subtitle="s", tables=["events"],
                data_as_of=AS_OF)
    assert not list(figures_dir.iterdir()), "nothing is written for a figure whose title would run off the canvas"


def test_a_figure_with_a_label_off_the_canvas_stops_with_its_name_and_writes_nothing(figures_dir):
    fig = draw()
    fig.text(-0.02, 0.5, "a legend label made longer by new data")  # starts left of the canvas
    with pytest.raises(ValueError, match="99-test: ink at the left edge"):
        fg.save(fig, "99-test", title="t", subtitle="s", tables=["events"], data_as_of=AS_OF)
    assert not list(figures_dir.iterdir())


def test_tick_labels_made_wider_by_new_data_get_room_instead_of_running_off(figures_dir):
    fig, ax = fg.figure()
    ax.plot([0, 1], [0, 123_456_789])
    ax.set_ylabel("people killed,\ncumulative")
    fig.subplots_adjust(left=0.05)  # room for three-digit numbers, not for nine
    png = fg.save(fig, "99-test", title="t", subtitle="s", tables=["events"], data_as_of=AS_OF)
    from PIL import Image

    assert fg.clipped_edges(Image.open(png)) == []


def test_x_grid_only_leaves_the_x_grid_on_however_often_it_is_called():
    import matplotlib.pyplot as plt

    from dilemma import charts

    fig, ax = fg.figure()
    charts.x_grid_only(ax)
    charts.x_grid_only(ax)
    assert all(line.get_visible() for line in ax.get_xgridlines())
    assert not any(line.get_visible() for line in ax.get_ygridlines())
    plt.close(fig)


@pytest.mark.parametrize(("label", "columns"), [
    ("series {}", 4),  # short labels keep the columns asked for
    ("series {}: a label that new data made far longer than the figure was drawn for", 1),  # long ones drop to what fits
])
def test_legend_above_keeps_its_columns_while_they_fit_the_width(figures_dir, label, columns):
    import matplotlib.pyplot as plt

    fig, ax = fg.figure()
    for i in range(4):
        ax.plot([0, 1], [i, i], label=label.format(i))
    fg.legend_above(fig, ax.get_legend_handles_labels()[0], ncol=4)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    (legend,) = fig.legends
    assert legend.get_window_extent(renderer).width <= fg.FIT_WIDTH * fig.bbox.width
    assert len({round(t.get_window_extent(renderer).x0) for t in legend.get_texts()}) == columns
    fg.legend_above(fig, [], ncol=0)  # a chart with nothing to explain: no error
    plt.close(fig)


def test_stacked_bar_segments_carry_their_value_where_large_enough_and_legible():
    import matplotlib.pyplot as plt

    from dilemma import charts

    fig, ax = fg.figure()
    charts.stacked_bars(ax, ["a", "b"], [([0.5, 0.97], "#1f4e79", "confirmed", "confirmed"),
                                         ([0.5, 0.03], "#1f4e79", "claimed", "claimed")],
                        horizontal=True, value_format="{:.0%}", smallest_labelled=0.05)
    labels = {t.get_text(): t for t in ax.texts}
    assert sorted(labels) == ["50%", "97%"], "the 3% sliver gets no label; each other segment one"
    assert [t.get_text() for t in ax.texts].count("50%") == 2
    solid, hatched = [t for t in ax.texts if t.get_text() == "50%"]
    assert solid.get_position() == (0.25, "a") and hatched.get_position() == (0.75, "a")  # centred on each segment
    assert solid.get_color() == "white" and hatched.get_color() != "white" and hatched.get_bbox_patch() is not None
    plt.close(fig)


def test_figure_is_16_by_9():
    width, height = draw().get_size_inches()
    assert abs(width / height - 16 / 9) < 0.01


def committed_figures():
    return sorted((paths.ROOT / "figures").glob("[0-9][0-9]-*.json"))


def test_every_committed_figure_has_png_svg_and_an_index_entry():
    index = (paths.ROOT / "figures" / "README.md").read_text(encoding="utf-8")
    assert committed_figures(), "figures/ holds no figure"
    for sidecar in committed_figures():
        name = sidecar.stem
        for ext in (".png", ".svg", ".pdf", ".csv"):
            assert sidecar.with_suffix(ext).exists(), f"{name}{ext} is missing (the CSV: save(..., data=the frame drawn))"
        meta = json.loads(sidecar.read_text())
        assert f"## {name}: {meta['title']}" in index and f"the numbers drawn: [{name}.csv]({name}.csv)" in index
        assert len(pd.read_csv(sidecar.with_suffix(".csv"))) > 0, f"{name}.csv has no rows"
        assert (paths.NOTEBOOKS_DIR / meta["notebook"]).exists(), f"{name}: notebook {meta['notebook']} is missing"


@pytest.mark.parametrize("sidecar", committed_figures(), ids=lambda p: p.stem)
def test_no_committed_figure_is_cut_at_the_edge(sidecar):
    from PIL import Image

    cut = fg.clipped_edges(Image.open(sidecar.with_suffix(".png")))
    assert not cut, f"{sidecar.stem}.png has ink at its {', '.join(cut)} edge: a label or title is clipped"


def test_a_month_dated_point_gets_a_line_over_its_month_and_a_legend_entry():
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    from dilemma import analysis as an
    from dilemma import charts

    dates = pd.Series(pd.to_datetime(["2025-12-01", "2025-12-15"]))
    ends = an.period_end(dates, pd.Series(["month", "day"]))
    assert ends.tolist() == [pd.Timestamp("2025-12-31"), pd.Timestamp("2025-12-15")]
    fig, ax = fg.figure()
    assert charts.scatter_by_claim(ax, dates, [1, 2], ["#000000"] * 2, ["confirmed"] * 2, x_end=ends)
    (lines,) = ax.collections[-1:]
    (segment,) = lines.get_segments()  # one line: the day-dated point has none
    assert [mdates.num2date(x).date().isoformat() for x in segment[:, 0]] == ["2025-12-01", "2025-12-31"]
    (cap,) = ax.lines  # the span's end is marked, so a span stopping short of the next mark does not read as joining it
    assert cap.get_marker() == "|" and list(pd.to_datetime(cap.get_xdata())) == [pd.Timestamp("2025-12-31")]
    handles = fg.claim_legend_handles(["confirmed"], spans=True)
    assert handles[-1].get_label().startswith("date known only to the month") and handles[-1].get_marker() == "|"
    legend = ax.legend(handles=handles)  # the sample, like the chart, is a line with a cap at its end only
    fig.canvas.draw()
    sample = legend.legend_handles[-1]
    assert len(sample.get_xdata()) == 2 and sample.get_markevery() == [1]
    fig2, ax2 = fg.figure()
    assert not charts.scatter_by_claim(ax2, dates[1:], [2], ["#000000"], ["confirmed"], x_end=ends[1:])
    plt.close("all")


def test_a_hollow_mark_over_a_filled_one_shows_white_not_a_faint_tint():
    """A denied (faint hollow) mark laid on a confirmed one must not read as a reported (faint filled) mark."""
    import matplotlib.pyplot as plt
    import numpy as np

    from dilemma import charts

    fig, ax = fg.figure()
    ax.set(xlim=(0, 2), ylim=(0, 2))
    charts.scatter_by_claim(ax, [1, 1], [1, 1], ["#c0392b"] * 2, ["confirmed", "denied"], size=400)
    fig.canvas.draw()
    x, y = ax.transData.transform((1, 1))
    pixels = np.asarray(fig.canvas.buffer_rgba())
    centre = pixels[pixels.shape[0] - int(round(y)), int(round(x)), :3]
    plt.close(fig)
    assert centre.tolist() == [255, 255, 255]


LADDER = {  # the crowded end of chapter 1's ladder: long labels days apart on neighbouring rungs
    "xlim": ("2025-01-01", "2026-06-01"), "ylim": (0.5, 6.2), "walls": ["2026-01-20"], "tiers": (22, 38, 54, 70, 86),
    "events": [("2025-10-21", 4, "Strikes reach Pacific"), ("2025-10-24", 2, "Carrier ordered"),
               ("2025-11-24", 2, "Cartel FTO designation"), ("2025-11-29", 3, "Airspace 'closed'"),
               ("2025-12-01", 5, "First strike on land (reported)"), ("2025-12-10", 3, "First tanker seized"),
               ("2025-12-16", 3, "Blockade ordered"), ("2026-01-03", 5, "Maduro captured")]}
REQUEST = {  # chapter 3: two long labels three weeks apart, between the request line and the capture line
    "xlim": ("2025-09-11", "2026-01-13"), "ylim": (0.6, 2.0), "walls": ["2025-10-01", "2026-01-03"],
    "tiers": (16, 40, 64, 88),
    "events": [("2025-11-01", 1.5, "Duma deputy claims Pantsir and Buk systems were delivered"),
               ("2025-11-23", 1.5, "Ukraine says over 120 Russian military advisers are in Venezuela")]}


@pytest.mark.parametrize("layout", [LADDER, REQUEST], ids=["ladder", "request"])
def test_milestone_labels_overlap_no_label_and_no_leader_line_or_vertical_line_crosses_a_label(layout):
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt
    from matplotlib.text import Text

    from dilemma import charts

    events = pd.DataFrame(layout["events"], columns=["date", "y", "milestone"]).assign(date=lambda f: pd.to_datetime(f["date"]))
    fig, ax = fg.figure()
    ax.set_xlim(*map(pd.Timestamp, layout["xlim"]))
    ax.set_ylim(*layout["ylim"])
    charts.date_axis(ax)
    walls = [pd.Timestamp(w) for w in layout["walls"]]
    for wall in walls:  # vertical lines drawn first (as chapter 3's request and capture lines)
        ax.axvline(wall)
    charts.annotate_milestones(ax, events, "y", tiers=layout["tiers"])
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    notes = ax.texts
    # one label each (on one line or two), no probe left behind
    assert sorted(n.get_text().replace("\n", " ") for n in notes) == sorted(events["milestone"])
    boxes = [Text.get_window_extent(n, renderer) for n in notes]
    leaders = [n.arrow_patch.get_window_extent(renderer) for n in notes]
    for i, box in enumerate(boxes):
        assert ax.bbox.x0 <= box.x0 and box.x1 <= ax.bbox.x1, f"{notes[i].get_text()!r} leaves the axes"
        for wall in walls:
            assert not box.x0 < ax.transData.transform((mdates.date2num(wall), 0))[0] < box.x1, f"{notes[i].get_text()!r}"
        for j, other in enumerate(boxes):
            if i != j:
                gap = renderer.points_to_pixels(charts.LABEL_GAP) - 1  # a pixel of rounding
                assert not box.padded(gap / 2).overlaps(other.padded(gap / 2)), \
                    f"{notes[i].get_text()!r} overlaps or nearly touches {notes[j].get_text()!r}"
                assert not leaders[j].overlaps(box), f"the line to {notes[j].get_text()!r} crosses {notes[i].get_text()!r}"
    plt.close(fig)


def test_two_labels_on_one_rung_keep_a_gap_however_close_their_events():
    """Two labels side by side on one rung, their events from 44 to 75 days apart: one tier each while they fit with
    ``LABEL_GAP`` between them, else one moves; never nearly touching (they read as one label)."""
    import matplotlib.pyplot as plt
    from matplotlib.text import Text

    from dilemma import charts

    gaps = []
    for days in range(44, 76):
        events = pd.DataFrame({"date": pd.Timestamp("2025-12-01") + pd.to_timedelta([0, days], unit="D"),
                               "y": [5, 5], "milestone": ["First strike on land (reported)", "Maduro captured"]})
        fig, ax = fg.figure()
        ax.set(xlim=(pd.Timestamp("2025-01-01"), pd.Timestamp("2026-06-01")), ylim=(0.5, 6.2))
        charts.annotate_milestones(ax, events, "y", tiers=(22, 38))
        fig.canvas.draw()
        first, second = (Text.get_window_extent(note, fig.canvas.get_renderer()) for note in ax.texts)
        if first.y0 < second.y1 and second.y0 < first.y1:  # side by side (one above the other is the tiers' spacing)
            gaps.append(max(second.x0 - first.x1, first.x0 - second.x1) / fig.dpi * 72)  # points
        plt.close(fig)
    assert gaps and min(gaps) >= charts.LABEL_GAP - 0.5, f"{min(gaps):.1f} pt between the labels"


def test_milestone_labels_stop_at_the_row_limit_and_the_subtitle_note_says_so():
    import matplotlib.pyplot as plt

    from dilemma import charts

    n = charts.MAX_ROWS + 5
    events = pd.DataFrame({"date": pd.date_range("2025-01-01", periods=n, freq="10D"), "y": [1.0] * n,
                           "milestone": [f"step {i}" for i in range(n)]})
    fig, ax = fg.figure()
    ax.set_xlim(pd.Timestamp("2024-12-01"), pd.Timestamp("2026-03-01"))
    note = charts.annotate_milestones(ax, events.sample(frac=1, random_state=1), "y")
    assert [t.get_text() for t in ax.texts] == [f"step {i}" for i in range(charts.MAX_ROWS)]  # the earliest, in order
    assert note == f" (first {charts.MAX_ROWS} of {n} labelled)"
    assert charts.annotate_milestones(fg.figure()[1], events.head(3), "y") == ""
    plt.close("all")


def test_the_legend_names_the_style_actually_drawn_for_markers_and_for_bars():
    import matplotlib.pyplot as plt
    from matplotlib.colors import to_rgba

    from dilemma import charts

    marker, = fg.claim_legend_handles(["claimed"], kind="marker")
    assert "hollow" in marker.get_label() and to_rgba(marker.get_markerfacecolor()) == to_rgba("white")
    for status in fg.CLAIM_STYLES:  # the legend's bar is the bar a chart draws for that status
        fig, ax = fg.figure()
        charts.stacked_bars(ax, [0], [([1], "#444444", status, status)])
        drawn, (key,) = ax.patches[0], fg.claim_legend_handles([status], kind="bar")
        assert (key.get_hatch(), key.get_facecolor(), key.get_edgecolor()) == \
            (drawn.get_hatch(), drawn.get_facecolor(), drawn.get_edgecolor()), status
        assert ("hatched" in key.get_label()) == bool(drawn.get_hatch()), status
        plt.close(fig)


def test_plain_numbers_write_log_ticks_as_numbers_not_powers_of_ten():
    import matplotlib.pyplot as plt

    from dilemma import charts

    fig, ax = fg.figure()
    ax.set_xscale("log")
    ax.set_xlim(0.5, 20000)
    charts.plain_numbers(ax.xaxis)
    fig.canvas.draw()
    labels = [t.get_text() for t in ax.get_xticklabels() if 0.5 <= t.get_position()[0] <= 20000]
    assert {"1", "10", "1,000", "10,000"} <= set(labels)
    plt.close(fig)


@pytest.mark.parametrize(("entries", "ncol"), [(2, 2), (5, 2), (6, 3), (8, 8)])
def test_legend_above_never_covers_the_plot_or_the_subtitle(figures_dir, entries, ncol):
    import matplotlib.pyplot as plt

    fig, ax = fg.figure()
    for i in range(entries):
        ax.plot([0, 1], [i, i], label=f"a legend entry of some length, number {i}")
    fg.legend_above(fig, ax.get_legend_handles_labels()[0], ncol=ncol)
    fg.save(fig, "00-legend", title="A title", subtitle="A subtitle that says what is measured", tables=["events"],
            data_as_of=AS_OF)
    renderer = fig.canvas.get_renderer()
    legend = fig.legends[0].get_window_extent(renderer)
    subtitle = fig.texts[1].get_window_extent(renderer)
    assert legend.y0 > ax.get_window_extent(renderer).y1
    assert legend.y1 < subtitle.y0
    plt.close(fig)


@pytest.mark.parametrize("above", ["nothing", "a legend", "a two-row legend", "an axes title", "a legend below"])
def test_the_plot_starts_a_set_gap_below_the_subtitle_or_legend_with_no_blank_band(figures_dir, above):
    import matplotlib.pyplot as plt

    fig, ax = fg.figure()
    for i in range(4):
        ax.plot([0, 1], [i, i], label=f"line {i}")
    handles = ax.get_legend_handles_labels()[0]
    if above in ("a legend", "a two-row legend"):
        fg.legend_above(fig, handles[:2] if above == "a legend" else handles, ncol=2)
    if above == "an axes title":
        ax.set_title("A panel title\non two lines")
    if above == "a legend below":  # not above the plot: the subtitle stays the ceiling
        fig.legend(handles=handles[:1], loc="lower center", bbox_to_anchor=(0.5, 0.06))
    fg.save(fig, "00-gap", title="A title", subtitle="A subtitle", tables=["events"], data_as_of=AS_OF)
    renderer = fig.canvas.get_renderer()
    above_plot = fig.legends[0] if above.endswith("legend") else fig.texts[1]  # texts: title, subtitle, source, report
    gap = (above_plot.get_window_extent(renderer).y0 - ax.get_tightbbox(renderer).y1) / fig.bbox.height
    assert 0.9 * fg.GAP_ABOVE < gap < 1.1 * fg.GAP_ABOVE  # neither touching what is above nor leaving a blank band
    plt.close(fig)


def test_a_figure_with_no_room_left_for_its_plot_stops_with_its_name(figures_dir):
    from matplotlib.lines import Line2D

    fig, ax = fg.figure()
    fig.legend(handles=[Line2D([], [], label=f"entry {i}") for i in range(24)], loc="upper center",
               bbox_to_anchor=(0.5, 0.875))  # one column of 24 rows, from the subtitle down
    with pytest.raises(ValueError, match="00-crowded: no room for the plot"):
        fg.save(fig, "00-crowded", title="A title", subtitle="A subtitle", tables=["events"], data_as_of=AS_OF)


def test_a_milestone_label_does_not_hide_a_marker_drawn_before_it():
    import matplotlib.pyplot as plt
    from matplotlib.text import Text

    from dilemma import charts

    day = pd.Timestamp("2025-06-01")
    fig, ax = fg.figure()
    ax.set_xlim(pd.Timestamp("2025-01-01"), pd.Timestamp("2025-12-31"))
    ax.set_ylim(0, 10)
    renderer = fig.canvas.get_renderer()
    x, y = ax.transData.transform((plt.matplotlib.dates.date2num(day), 2))
    for dx in (-40, 0, 40):  # three markers where the lowest label, centred, starting or ending at its leader, would sit
        ax.scatter([ax.transData.inverted().transform((x + dx, y + renderer.points_to_pixels(20)))[0]],
                   [ax.transData.inverted().transform((x, y + renderer.points_to_pixels(20)))[1]], s=70)
    charts.annotate_milestones(ax, pd.DataFrame({"date": [day], "y": [2.0], "milestone": ["A step"]}), "y",
                               tiers=(14, 30, 46))
    fig.canvas.draw()
    box = Text.get_window_extent(ax.texts[0], renderer)  # the text alone, without its leader line
    marks = [c.get_offset_transform().transform(c.get_offsets())[0] for c in ax.collections]
    assert not any(box.x0 <= mx <= box.x1 and box.y0 <= my <= box.y1 for mx, my in marks)
    plt.close(fig)


def vocabulary(resource: str | None, field: str | None) -> set[str]:
    """The values datapackage.json allows in a field (the resource names when ``resource`` is None)."""
    package = json.loads((paths.ROOT / "data" / "datapackage.json").read_text(encoding="utf-8"))
    if resource is None:
        return {r["name"] for r in package["resources"]}
    fields = next(r for r in package["resources"] if r["name"] == resource)["schema"]["fields"]
    return set(next(f for f in fields if f["name"] == field)["constraints"]["enum"])


@pytest.mark.parametrize(("palette", "resource", "field"), [
    ("ACTOR_COLORS", "events", "actor"), ("ACTOR_LABELS", "events", "actor"), ("CATEGORY_COLORS", "events", "category"),
    ("CASE_COLORS", "events", "case"), ("THEATER_COLORS", "strikes", "theater"), ("THEATER_LABELS", "strikes", "theater"),
    ("STATUS_COLORS", "weapon_systems", "status"), ("SOURCE_TYPE_COLORS", "sources", "source_type"),
    ("TABLE_COLORS", None, None)])
def test_every_palette_has_a_colour_for_each_value_of_its_vocabulary_and_no_other(palette, resource, field):
    """The charts draw a value in its palette's colour; a value added to datapackage.json's vocabulary and not here would
    be counted in a chapter's totals and left out of its chart (or stop it with a KeyError)."""
    assert set(getattr(fg, palette)) == vocabulary(resource, field)


def test_the_words_and_the_ordering_of_deeds_name_only_event_categories():
    from dilemma import analysis as an

    categories = vocabulary("events", "category")
    assert set(an.WORDS) <= categories and set(an.CONCRETENESS) <= categories
    assert not set(an.WORDS) & set(an.CONCRETENESS)


@pytest.mark.parametrize("palette", ["THEATER_COLORS", "STATUS_COLORS", "CATEGORY_COLORS", "FATE_COLORS", "TABLE_COLORS",
                                     "SOURCE_TYPE_COLORS"])
def test_palettes_of_places_conditions_and_kinds_reuse_no_actors_colour(palette):
    """An actor's hue means that actor in every chapter: a theater, a weapon's condition, an event category, a survivor's
    fate or a data table drawn in Russia's red (or a near copy of it) would read as Russian. Neutral grey ("other") means
    no one."""
    from matplotlib.colors import to_rgb

    def distance(a: str, b: str) -> float:  # in 0-255 RGB units
        return sum((x - y) ** 2 for x, y in zip(to_rgb(a), to_rgb(b), strict=True)) ** 0.5 * 255

    hues = {actor: color for actor, color in fg.ACTOR_COLORS.items() if len(set(to_rgb(color))) > 1}  # grey is nobody's
    clashes = [(key, actor) for key, color in getattr(fg, palette).items()
               for actor, actor_color in hues.items() if distance(color, actor_color) < 40]
    assert not clashes


def test_a_label_for_an_event_on_a_vertical_line_sits_beside_the_line_not_across_it():
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt
    from matplotlib.text import Text

    from dilemma import charts

    day = pd.Timestamp("2025-10-01")
    fig, ax = fg.figure()
    ax.set(xlim=(pd.Timestamp("2025-09-11"), pd.Timestamp("2026-01-13")), ylim=(0.5, 2.0))
    ax.axvline(day)  # as chapter 3's request line, on the day of the event
    charts.annotate_milestones(ax, pd.DataFrame({"date": [day], "y": [1.0], "milestone": ["Il-62M lands at Maiquetía"]}),
                               "y", tiers=(16, 40))
    fig.canvas.draw()
    box = Text.get_window_extent(ax.texts[0], fig.canvas.get_renderer())
    line = ax.transData.transform((mdates.date2num(day), 0))[0]
    assert not box.x0 + 1 < line < box.x1 - 1, "the label is centred across the line"
    plt.close(fig)


def test_a_label_above_a_bar_clears_its_top_edge():
    import matplotlib.pyplot as plt

    from dilemma import charts

    fig, ax = fg.figure()
    bar = ax.bar([0], [34])[0]
    charts.label_above(ax, 0, 34, "34")
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    (label,) = ax.texts
    assert label.get_bbox_patch().get_window_extent(renderer).y0 > bar.get_window_extent(renderer).y1  # the edge shows
    plt.close(fig)
