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
from procsimp import layout as _layout
from procsimp.cli import main
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
                    f"{sim.before.mean:.1f} -> {sim.after.mean:.1f} days (mean), "
                    f"{sim.before.p90:.1f} -> {sim.after.p90:.1f} days (p90)\n"
                    f"4,000 simulated cases; mean cut {cut.value:.{d}f} days "
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


# --- deadlines on the figures (issue 11) ---------------------------------------------------

Z95 = 1.959963984540054
#: A week of start dates, one case a day: Monday 2 June to Sunday 8 June 2025 (no holidays
#: listed, so none of the holidays package's data is relied on).
WEEK = ("2025-06-02", "2025-06-08")


def wilson(k: int, n: int) -> tuple[float, float]:
    """Wilson's score interval of k out of n, written out again for the test."""
    p, z2 = k / n, Z95 ** 2
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = Z95 * (p * (1 - p) / n + z2 / (4 * n * n)) ** 0.5 / (1 + z2 / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def fixed(days: float, deadlines: list[dict], *, unit: str = "day", calendar: bool = True,
          hours_per_day: float = 8) -> ps.Process:
    """One step of fixed duration ``days`` (in ``unit``), with the given deadlines."""
    data = {"name": "fixed", "time_unit": unit, "levels": ["staff"],
            "roles": [{"id": "clerk", "level": "staff"}],
            "steps": [{"id": "decide", "role": "clerk", "duration": days}],
            "deadlines": deadlines}
    if calendar:
        data["calendar"] = {"holidays": [], "hours_per_day": hours_per_day}
    return ps.Process.model_validate(data)


def the(fig: Figure, gid: str):
    (artist,) = fig.findobj(lambda a: a.get_gid() == gid)
    return artist


def note_of(fig: Figure) -> str:
    return the(fig, "deadline-notes").get_text().replace("\n  ", " ")


CAL6 = {"id": "six_days", "within": 6, "unit": "day"}
WORK5 = {"id": "five_working", "within": 5, "unit": "working_day"}


class TestDistributionDeadlines:
    def test_calendar_axis_line_at_the_limit_with_the_share(self):
        # 5 working days from each start, by hand: Mon..Fri -> the same weekday a week on
        # (7 calendar days), Sat -> Fri (6), Sun -> Fri (5); within 6 calendar days: the
        # Saturday and Sunday starts, 2 of 7
        proc = fixed(5, [CAL6, WORK5])
        sim = ps.simulate(proc, n=7, seed=0, start=WEEK)
        fig = ps.plot.distribution(sim)
        assert sorted(the(fig, "ecdf:before").get_xdata()) == [5, 6, 7, 7, 7, 7, 7]
        line = the(fig, "deadline:six_days")
        assert list(line.get_xdata()) == [6, 6]
        lo, hi = wilson(2, 7)
        assert line.get_label() == (f"deadline six_days: 6 calendar days\non time "
                                    f"{2 / 7:.1%} (95% CI {lo * 100:.1f}-{hi:.1%})")
        assert line.get_label() == ("deadline six_days: 6 calendar days\non time "
                                    "28.6% (95% CI 8.2-64.1%)")
        assert fig.axes[0].get_xlabel().startswith("simulated lead time (calendar days")
        # 5 working days have no one place on a calendar-day axis: a note, not a line
        assert "deadline:five_working" not in {a.get_gid() for a in fig.findobj()}
        assert note_of(fig).startswith("five_working (5 working days) not drawn: it counts "
                                       "working days, whose calendar days vary with the start "
                                       "date; draw the working-time axis (basis='working'). "
                                       "On time: 100.0% (95% CI")

    def test_working_axis_line_and_the_calendar_deadline_left_out(self):
        proc = fixed(5, [CAL6, WORK5])
        sim = ps.simulate(proc, n=7, seed=0, start=WEEK)
        fig = ps.plot.distribution(sim, basis="working")
        assert list(the(fig, "deadline:five_working").get_xdata()) == [5, 5]
        assert the(fig, "deadline:five_working").get_label().endswith(
            f"on time 100.0% (95% CI {wilson(7, 7)[0] * 100:.1f}-100.0%)")
        assert "pass process=" in note_of(fig)  # the calendar is not known: no guess
        with_process = ps.plot.distribution(sim, basis="working", process=proc)
        assert "simulate with start= and draw basis='calendar'" in note_of(with_process)
        assert "deadline:six_days" not in {a.get_gid() for a in with_process.findobj()}

    def test_before_and_after_shares_on_one_line(self):
        # after: 4 working days; by hand Mon -> Fri (4), Tue..Fri -> 6, Sat -> Thu (5),
        # Sun -> Thu (4): all 7 within 6 calendar days
        sims = [ps.simulate(fixed(d, [CAL6]), n=7, seed=0, start=WEEK) for d in (5, 4)]
        assert sorted(sims[1].calendar_days.samples) == [4, 4, 5, 6, 6, 6, 6]
        fig = ps.plot.distribution(*sims)
        (lo1, hi1), (lo2, _) = wilson(2, 7), wilson(7, 7)
        assert the(fig, "deadline:six_days").get_label() == (
            f"deadline six_days: 6 calendar days\n"
            f"on time before 28.6% (95% CI {lo1 * 100:.1f}-{hi1:.1%})\n"
            f"on time after 100.0% (95% CI {lo2 * 100:.1f}-100.0%)")
        assert overlapping_labels(fig) == []

    def test_units_converted_through_the_calendar(self):
        # a process timed in hours on an 8-hour day: 2 working days are 16 hours, and a
        # 20-hour step misses them
        deadline = {"id": "two_days", "within": 2, "unit": "working_day"}
        proc = fixed(20, [deadline], unit="hour")
        sim = ps.simulate(proc, n=5, seed=0)
        assert sim.on_time["two_days"].share == 0
        assert "pass process=" in note_of(ps.plot.distribution(sim))
        fig = ps.plot.distribution(sim, process=proc)
        assert list(the(fig, "deadline:two_days").get_xdata()) == [16, 16]
        assert fig.axes[0].get_xlim()[1] >= 20

    def test_continuous_time_day_and_hour_limits(self):
        # no calendar: time runs continuously, a calendar day is 24 hours
        proc = fixed(30, [{"id": "one_day", "within": 1, "unit": "day"},
                          {"id": "hours", "within": 36, "unit": "hour"}],
                     unit="hour", calendar=False)
        sim = ps.simulate(proc, n=5, seed=0)
        fig = ps.plot.distribution(sim)  # no calendar_days and calendar units: no calendar
        assert list(the(fig, "deadline:one_day").get_xdata()) == [24, 24]
        assert list(the(fig, "deadline:hours").get_xdata()) == [36, 36]
        assert "on time 0.0%" in the(fig, "deadline:one_day").get_label()
        assert "on time 100.0%" in the(fig, "deadline:hours").get_label()

    def test_deadline_of_a_part_of_the_process_left_out(self, examples):
        proc, res = examples["business_licence"]
        sims = [ps.simulate(p, n=500, seed=0) for p in (proc, res.process)]
        fig = ps.plot.distribution(*sims)
        assert not gids(fig, "deadline:")
        before, after = (s.on_time["licence_decision"] for s in sims)
        assert note_of(fig) == (
            f"licence_decision (5 working days; late: deemed granted) not drawn: its clock runs "
            f"from the finish of pay_fee to the finish of sign_licence, not over the whole "
            f"lead time. On time: before {before.share:.1%} (95% CI {before.ci[0] * 100:.1f}-"
            f"{before.ci[1]:.1%}); after {after.share:.1%} (95% CI {after.ci[0] * 100:.1f}-"
            f"{after.ci[1]:.1%}).")
        assert overlapping_labels(fig) == []

    def test_letter_deadline_spans_the_process(self, examples):
        proc, res = examples["outgoing_letter"]
        sims = [ps.simulate(p, n=500, seed=0) for p in (proc, res.process)]
        fig = ps.plot.distribution(*sims)
        assert list(the(fig, "deadline:information_request").get_xdata()) == [10, 10]
        for sim in sims:  # the line crosses each curve at its share on time
            assert sim.on_time["information_request"].share == pytest.approx(
                (sim.samples <= 10).mean())
        assert overlapping_labels(fig) == []

    def test_bad_options(self):
        sim = ps.simulate(fixed(5, [WORK5]), n=3, seed=0)
        with pytest.raises(ps.OptionError, match="basis must be"):
            ps.plot.distribution(sim, basis="elapsed")
        with pytest.raises(ps.OptionError, match="start=DATE"):
            ps.plot.distribution(sim, basis="calendar")
        with pytest.raises(ps.OptionError, match="process counts hours"):
            ps.plot.distribution(sim, process=fixed(5, [WORK5], unit="hour"))
        with pytest.raises(ps.OptionError, match="process must be"):
            ps.plot.distribution(sim, process="fixed.yaml")


class TestBeforeAfterDeadlines:
    def test_share_and_paired_change_under_the_headline(self):
        before, after = fixed(5, [CAL6]), fixed(4, [CAL6])
        rep = ps.compare(before, after, n=7, seed=0, start=WEEK)
        fig = ps.plot.before_after(before, after, report=rep)
        # Newcombe's method 10 by hand: 2 of 7 on time before, 7 of 7 after; no case on time
        # before is late after, so phi's denominator is 0 and phi = 0
        (l1, u1), (l2, u2) = wilson(2, 7), wilson(7, 7)
        p1, p2 = 2 / 7, 1.0
        lo = (p2 - p1) - ((u1 - p1) ** 2 + (p2 - l2) ** 2) ** 0.5
        hi = (p2 - p1) + ((p1 - l1) ** 2 + (u2 - p2) ** 2) ** 0.5
        assert the(fig, "on-time:six_days").get_text() == (
            f"six_days, 6 calendar days: on time 28.6% -> 100.0%, +71.4 pp "
            f"(95% CI {lo * 100:+.1f} to {hi * 100:+.1f})")
        assert fig.get_suptitle().startswith("layers 1 -> 1, lead time 5.0 -> 4.0 days")
        assert not gids(fig, "deadline:")  # calendar days: no place on the working-time axis
        assert overlapping_labels(fig) == []

    def test_whole_process_deadline_marked_on_the_time_axis(self):
        before, after = fixed(6, [WORK5]), fixed(3, [WORK5])
        fig = ps.plot.before_after(before, after, n=40, seed=0)
        lines = fig.findobj(lambda a: a.get_gid() == "deadline:five_working")
        assert len(lines) == 2 and all(list(x.get_xdata()) == [5, 5] for x in lines)
        assert {x.axes for x in lines} == set(fig.axes[:2])
        lo = 1 - 2 ** 0.5 * Z95 ** 2 / (40 + Z95 ** 2)  # p1 = 0, p2 = 1, phi = 0
        assert the(fig, "on-time:five_working").get_text() == (
            f"five_working, 5 working days: on time 0.0% -> 100.0%, +100.0 pp "
            f"(95% CI {lo * 100:+.1f} to +100.0)")

    def test_rule_named_and_no_deadline_no_line(self, examples, letter_process):
        proc, res = examples["business_licence"]
        rep = ps.compare(proc, res, n=300, seed=1)
        fig = ps.plot.before_after(proc, res, report=rep)
        (change,) = rep.on_time
        text = the(fig, "on-time:licence_decision").get_text()
        assert text.startswith("licence_decision, 5 working days (late: deemed granted): "
                               f"on time {change.before:.1%} -> {change.after:.1%}, ")
        assert not gids(fig, "deadline:")  # pay_fee -> sign_licence is not the whole process
        plain = letter_process.model_copy(update={"deadlines": ()})
        bare = ps.plot.before_after(plain, plain, n=50)
        assert not gids(bare, "on-time") and not gids(bare, "deadline:")
