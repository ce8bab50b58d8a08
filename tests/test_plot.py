"""Figures: their content (lanes, critical path, headline numbers), not just that they ran."""

from __future__ import annotations

import itertools
from pathlib import Path

import matplotlib
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

import procsimp as ps
from benchmarks.generate import layered_process
from procsimp.cli import main
from procsimp.plot import _layout
from procsimp.plot._style import shorten

matplotlib.use("Agg")

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
NAMES = ("outgoing_letter", "building_approval", "business_licence")
LETTER_CUT = {"delayer": {"remove_levels": ["echelon_3", "echelon_4"]}}


def gids(fig: Figure, prefix: str) -> set[str]:
    """The ids after ``prefix`` of every artist whose gid starts with it."""
    found = fig.findobj(lambda a: (a.get_gid() or "").startswith(prefix))
    return {a.get_gid().removeprefix(prefix) for a in found}


def texts(fig: Figure) -> list:
    """Texts that are drawn (tick labels beyond the axis limits exist but are not drawn)."""
    hidden = set()
    for ax in fig.axes:
        for axis, (lo, hi) in ((ax.xaxis, ax.get_xlim()), (ax.yaxis, ax.get_ylim())):
            lo, hi = min(lo, hi), max(lo, hi)
            for tick in axis.get_major_ticks():
                if not lo - 1e-9 <= tick.get_loc() <= hi + 1e-9:
                    hidden |= {id(tick.label1), id(tick.label2)}
    return [t for t in fig.findobj(matplotlib.text.Text)
            if t.get_text() and t.get_visible() and id(t) not in hidden]


def overlapping_labels(fig: Figure) -> list[tuple[str, str]]:
    """Pairs of drawn texts whose boxes overlap, and texts sticking out of the figure."""
    FigureCanvasAgg(fig).draw()
    renderer = fig.canvas.get_renderer()
    boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in texts(fig)]
    bad = [(a, b) for (a, ea), (b, eb) in itertools.combinations(boxes, 2)
           if ea.overlaps(eb) and ea.intersection(ea, eb).width > 1
           and ea.intersection(ea, eb).height > 1]
    page = fig.bbox
    bad += [(t, "outside the figure") for t, e in boxes
            if e.x0 < page.x0 - 1 or e.x1 > page.x1 + 1 or e.y0 < page.y0 - 1
            or e.y1 > page.y1 + 1]
    return bad


@pytest.fixture(scope="module")
def examples() -> dict[str, tuple[ps.Process, ps.Result]]:
    out = {}
    for name in NAMES:
        proc = ps.load(EXAMPLES / f"{name}.yaml")
        out[name] = (proc, ps.simplify(proc, "all"))
    return out


@pytest.fixture(scope="module")
def big() -> tuple[ps.Process, ps.Result]:
    proc = layered_process(300, seed=0)
    return proc, ps.simplify(proc, "all")


@pytest.fixture(autouse=True)
def no_pyplot_figures():
    yield
    import sys

    if "matplotlib.pyplot" in sys.modules:
        assert sys.modules["matplotlib.pyplot"].get_fignums() == [], "a figure leaked to pyplot"


class TestProcess:
    def test_letter_lanes_highest_rank_on_top(self, letter_process):
        fig = ps.plot.process(letter_process)
        ax = fig.axes[0]
        lanes = {t.get_gid().removeprefix("lane:"): t.get_position()[1] for t in ax.texts
                 if (t.get_gid() or "").startswith("lane:")}
        assert list(lanes) == ["head", "echelon_3", "echelon_4", "staff"]
        heights = list(lanes.values())
        assert heights == sorted(heights, reverse=True)

    def test_letter_critical_path_drawn(self, letter_process):
        fig = ps.plot.process(letter_process)
        path = ps.measure(letter_process).critical_path
        assert gids(fig, "critical:") == set(path)
        arrows = gids(fig, "critical-arrow:")
        assert arrows == {f"{u}->{v}" for u, v in itertools.pairwise(path)}

    def test_boxes_at_scheduled_start_with_duration_width(self, letter_process):
        fig = ps.plot.process(letter_process)
        c = letter_process.analysis
        start, finish = c.schedule
        for v, sid in enumerate(c.ids):
            (patch,) = fig.findobj(lambda a, sid=sid: (a.get_gid() or "").endswith(":" + sid)
                                   and isinstance(a, matplotlib.patches.Rectangle))
            assert patch.get_x() == pytest.approx(start[v])
            assert patch.get_width() == pytest.approx(max(finish[v] - start[v],
                                                          max(finish) * 0.004))

    def test_approvals_and_signatures_are_hatched(self, letter_process):
        fig = ps.plot.process(letter_process)
        for step in letter_process.steps:
            (patch,) = fig.findobj(lambda a, s=step.id: (a.get_gid() or "").endswith(":" + s))
            assert bool(patch.get_hatch()) == (step.kind in ("approval", "signature"))

    @pytest.mark.parametrize("name", NAMES)
    def test_examples_every_used_level_has_a_lane(self, examples, name):
        proc, _ = examples[name]
        fig = ps.plot.process(proc)
        roles = {r.id: r.level for r in proc.roles}
        assert gids(fig, "lane:") == {roles[s.role] for s in proc.steps}
        assert gids(fig, "critical:") == set(ps.measure(proc).critical_path)
        assert overlapping_labels(fig) == []

    def test_300_steps_aggregated_but_critical_path_kept(self, big):
        proc, _ = big
        fig = ps.plot.process(proc)
        assert gids(fig, "critical:") == set(ps.measure(proc).critical_path)
        assert gids(fig, "aggregate:")
        assert not gids(fig, "step:")  # off-path steps are merged, not overdrawn
        assert gids(fig, "lane:") == {"head", "echelon_3", "echelon_4", "staff"}
        assert overlapping_labels(fig) == []

    def test_draws_into_given_axes(self, letter_process):
        fig = Figure()
        ax = fig.add_subplot()
        assert ps.plot.process(letter_process, ax=ax) is fig
        assert gids(fig, "critical:")

    def test_repr_svg(self, letter_process):
        svg = letter_process._repr_svg_()
        assert "<svg" in svg and "</svg>" in svg


class TestBeforeAfter:
    @pytest.mark.parametrize("name", NAMES)
    def test_headline_equals_compare(self, examples, name):
        # one headline: the simulated mean (the figure the README says to quote) and the
        # paired cut's interval, the very numbers of compare's table
        proc, res = examples[name]
        fig = ps.plot.before_after(proc, res.process, result=res, n=4000, seed=3)
        rep = ps.compare(proc, res, n=4000, seed=3)
        layers, sim = rep.metric("layers"), rep.simulation
        cut = sim.mean_cut
        d = 1 if cut.ci[1] - cut.ci[0] >= 0.2 else 2
        expected = (f"layers {layers.before:.0f} -> {layers.after:.0f}, lead time "
                    f"{sim.before.mean:.1f} -> {sim.after.mean:.1f} days\n"
                    f"mean of 4,000 simulated cases; cut {cut.value:.{d}f} days "
                    f"(95% CI {cut.ci[0]:.{d}f} to {cut.ci[1]:.{d}f})")
        assert fig.get_suptitle() == expected
        assert gids(fig, "headline") == {""}
        # a report given is used as it is (figure and table agree)
        again = ps.plot.before_after(proc, res, report=rep)
        assert again.get_suptitle() == expected

    def test_headline_without_simulation_says_so(self, letter_process):
        res = ps.simplify(letter_process, ["delayer"], options=LETTER_CUT)
        fig = ps.plot.before_after(letter_process, res, n=0)
        before, after = ps.measure(letter_process), ps.measure(res.process)
        assert fig.get_suptitle() == (
            f"layers 4 -> 2, lead time {before.lead_time:.1f} -> {after.lead_time:.1f} days\n"
            f"expected on mean durations (not simulated)")

    def test_report_of_the_wrong_type(self, letter_process):
        with pytest.raises(ps.OptionError, match="report"):
            ps.plot.before_after(letter_process, letter_process, report="x")

    def test_figures_show_themselves_in_a_notebook(self, letter_process):
        # without %matplotlib inline a bare Figure shows as "<Figure size ...>"
        res = ps.simplify(letter_process, ["delayer"], options=LETTER_CUT)
        sims = [ps.simulate(p, n=200, seed=0) for p in (letter_process, res.process)]
        for fig in (ps.plot.before_after(letter_process, res, n=200),
                    ps.plot.process(letter_process), ps.plot.gantt(letter_process),
                    ps.plot.distribution(*sims), ps.plot.savings(res)):
            png = fig._repr_png_()
            assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 5000

    @pytest.mark.parametrize("name", NAMES)
    def test_examples_legible(self, examples, name):
        proc, res = examples[name]
        assert overlapping_labels(ps.plot.before_after(proc, res)) == []

    def test_letter_shared_axis_and_emptied_lanes(self, letter_process):
        res = ps.simplify(letter_process, ["delayer"], options=LETTER_CUT)
        fig = ps.plot.before_after(letter_process, res.process, result=res)
        top, bottom = fig.axes[:2]
        assert top.get_xlim() == bottom.get_xlim()
        for ax in (top, bottom):  # both panels keep all four lanes; the cut ones are empty
            assert [t.get_gid() for t in ax.texts if (t.get_gid() or "").startswith("lane:")] \
                == ["lane:head", "lane:echelon_3", "lane:echelon_4", "lane:staff"]
        assert fig.get_suptitle().startswith("layers 4 -> 2, lead time ")

    def test_removed_steps_ghosted(self, letter_process):
        res = ps.simplify(letter_process, ["delayer"], options=LETTER_CUT)
        gone = {s for c in res.changes if c.kind == "removed" for s in c.steps}
        assert gone
        fig = ps.plot.before_after(letter_process, res.process, result=res)
        assert gids(fig, "ghost:") == gone
        assert not gids(ps.plot.before_after(letter_process, res.process), "ghost:")

    def test_accepts_a_result_as_after(self, letter_process):
        res = ps.simplify(letter_process, ["delayer"], options=LETTER_CUT)
        fig = ps.plot.before_after(letter_process, res)
        assert gids(fig, "ghost:")

    def test_300_steps(self, big):
        proc, res = big
        rep = ps.compare(proc, res.process, n=1000, seed=0)
        fig = ps.plot.before_after(proc, res.process, result=res, report=rep)
        sim = rep.simulation
        assert f"lead time {sim.before.mean:.1f} -> {sim.after.mean:.1f}" in fig.get_suptitle()
        assert gids(fig, "critical:") | gids(fig, "ghost:") >= (
            set(ps.measure(proc).critical_path) | set(ps.measure(res.process).critical_path))
        assert overlapping_labels(fig) == []

    def test_two_axes_required(self, letter_process):
        fig = Figure()
        with pytest.raises(ps.OptionError, match="two axes"):
            ps.plot.before_after(letter_process, letter_process, ax=[fig.add_subplot()])


class TestGantt:
    def test_letter_one_bar_per_step(self, letter_process):
        fig = ps.plot.gantt(letter_process)
        path = set(ps.measure(letter_process).critical_path)
        assert gids(fig, "critical:") == path
        assert gids(fig, "step:") == {s.id for s in letter_process.steps} - path

    def test_300_steps_one_row_per_role(self, big):
        proc, _ = big
        fig = ps.plot.gantt(proc)
        labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
        assert len(labels) == len({s.role for s in proc.steps})
        assert len(gids(fig, "step:") | gids(fig, "critical:")) == 300
        assert overlapping_labels(fig) == []


class TestDistribution:
    def test_quantiles_marked(self, letter_process):
        res = ps.simplify(letter_process, ["delayer"], options=LETTER_CUT)
        before = ps.simulate(letter_process, n=2000, seed=0)
        after = ps.simulate(res.process, n=2000, seed=0)
        fig = ps.plot.distribution(before, after)
        for sim, label in ((before, "before"), (after, "after")):
            for q in ("p50", "p90"):
                (lines,) = fig.findobj(lambda a, g=f"{q}:{label}": a.get_gid() == g)
                x = lines.get_segments()[0][0][0]
                assert x == pytest.approx(getattr(sim, q))
        assert gids(fig, "ecdf:") == {"before", "after"}
        assert overlapping_labels(fig) == []

    def test_300_steps(self, big):
        proc, res = big
        fig = ps.plot.distribution(ps.simulate(proc, n=500, seed=1),
                                   ps.simulate(res.process, n=500, seed=1))
        assert gids(fig, "p90:") == {"before", "after"}


class TestSavings:
    @pytest.mark.parametrize("name", NAMES)
    def test_waterfall_matches_measure(self, examples, name):
        proc, res = examples[name]
        fig = ps.plot.savings(res)
        lead_ax, layer_ax = fig.axes[:2]
        assert gids(fig, "pass:") == set(res.passes)
        for ax, field in ((lead_ax, "lead_time"), (layer_ax, "layers")):
            bars = {p.get_gid(): p for p in ax.patches}
            assert bars["start"].get_height() == pytest.approx(getattr(ps.measure(proc), field))
            assert bars["end"].get_height() == pytest.approx(
                getattr(ps.measure(res.process), field))
        assert overlapping_labels(fig) == []

    def test_300_steps(self, big):
        _, res = big
        fig = ps.plot.savings(res)
        bars = {p.get_gid(): p for p in fig.axes[0].patches}
        cuts = sum(-bars[f"pass:{name}"].get_height() for name in res.passes)
        assert bars["start"].get_height() - cuts == pytest.approx(bars["end"].get_height())


class TestSaving:
    @pytest.mark.parametrize(("suffix", "magic"), [(".png", b"\x89PNG"), (".svg", b"<?xml"),
                                                   (".pdf", b"%PDF")])
    def test_every_figure_saves(self, tmp_path, letter_process, suffix, magic):
        res = ps.simplify(letter_process, ["delayer"], options=LETTER_CUT)
        sim = ps.simulate(letter_process, n=200, seed=0)
        figures = [ps.plot.process(letter_process), ps.plot.before_after(letter_process, res),
                   ps.plot.gantt(letter_process), ps.plot.distribution(sim),
                   ps.plot.savings(res)]
        for i, fig in enumerate(figures):
            path = tmp_path / f"fig{i}{suffix}"
            fig.savefig(path)
            assert path.read_bytes().startswith(magic)


class TestLayout:
    def test_overlapping_steps_stack_in_rows(self):
        proc = ps.Process.model_validate({
            "levels": ["staff"], "roles": [{"id": "a", "level": "staff"}],
            "steps": [{"id": "s", "role": "a", "duration": 1},
                      {"id": "x", "role": "a", "duration": 3, "after": ["s"]},
                      {"id": "y", "role": "a", "duration": 2, "after": ["s"]}]})
        lay = _layout.swimlane(proc)
        assert lay.lanes[0].rows == 2
        assert {lay.box("x").row, lay.box("y").row} == {0, 1}

    def test_shorten(self):
        assert shorten("Architecture review", 8, 2) == "Archite…\nreview"
        assert shorten("short", 8) == "short"
        assert len(shorten("a very long name indeed", 10, 1)) <= 10


class TestNotebookDisplay:
    def test_metrics_and_result_html(self, letter_process):
        m = ps.measure(letter_process)
        html = m._repr_html_()
        assert "<table>" in html and "approval layers" in html and str(m.layers) in html
        res = ps.simplify(letter_process, ["delayer"], options=LETTER_CUT)
        html = res._repr_html_()
        assert html.count("<tr>") == len(res.changes) + 1 and "delayer" in html


class TestCli:
    def test_render(self, tmp_path, capsys):
        out = tmp_path / "letter.svg"
        assert main(["render", str(EXAMPLES / "outgoing_letter.yaml"), "-o", str(out)]) == 0
        assert "<svg" in out.read_text()

    def test_render_gantt_pdf(self, tmp_path):
        out = tmp_path / "letter.pdf"
        assert main(["render", str(EXAMPLES / "outgoing_letter.yaml"), "-o", str(out),
                     "--gantt"]) == 0
        assert out.read_bytes().startswith(b"%PDF")

    def test_render_refuses_unknown_suffix(self, tmp_path, capsys):
        assert main(["render", str(EXAMPLES / "outgoing_letter.yaml"), "-o",
                     str(tmp_path / "x.txt")]) == 2
        assert ".png" in capsys.readouterr().err

    def test_simplify_figure(self, tmp_path):
        fig = tmp_path / "cut.png"
        assert main(["simplify", str(EXAMPLES / "business_licence.yaml"), "--preset", "all",
                     "-o", str(tmp_path / "after.yaml"), "--figure", str(fig)]) == 0
        assert fig.read_bytes().startswith(b"\x89PNG")
