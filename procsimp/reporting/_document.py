"""The report's HTML: one self-contained page, every number from the compare report.

Sections, in order (each a ``<section id=...>``): ``answer`` (the question and the
answer), ``diagram`` (before/after and the distribution of lead times), ``changes``
(every change with its reason, pass by pass), ``kept`` (locked steps and what the
passes left aside), ``assumptions`` (each duration and its source; the calibration
card), ``workload`` (when the process declares arrivals), ``calendar`` (when it
declares a calendar or deadlines) and ``method``.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from procsimp._version import __version__
from procsimp.model import Process
from procsimp.reporting.i18n import WEEKDAYS, Words
from procsimp.reporting.reasons import translate, translate_note

if TYPE_CHECKING:
    from procsimp.comparison import Report
    from procsimp.evidence import Calibration
    from procsimp.pipeline import Result

#: Every section a report may hold, in order (``workload`` and ``calendar`` only when
#: the process declares them).
DASH = "\u2013"  # an en dash, between the ends of an interval

SECTIONS: tuple[str, ...] = ("answer", "diagram", "changes", "kept", "assumptions",
                             "workload", "calendar", "method")

CSS = """
:root { --ink: #1a1a1a; --muted: #555; --rule: #d0d0d0; --before: #D55E00; --after: #0072B2;
        --good: #006b4f; --panel: #f5f6f8; }
* { box-sizing: border-box; }
html { font-family: "DejaVu Sans", "Liberation Sans", Arial, Helvetica, sans-serif;
       color: var(--ink); font-size: 15px; line-height: 1.45; }
body { margin: 0 auto; max-width: 1120px; padding: 18px 28px 40px; }
h1 { font-size: 1.6rem; margin: 0 0 4px; }
h2 { font-size: 1.25rem; margin: 28px 0 8px; padding-bottom: 3px;
     border-bottom: 2px solid var(--ink); break-after: avoid; }
h3 { font-size: 1.05rem; margin: 18px 0 6px; break-after: avoid; }
p { margin: 6px 0; }
.lead { color: var(--muted); margin: 0 0 8px; }
.question { font-size: 1.05rem; margin: 4px 0 4px; }
.reform { margin: 0 0 10px; font-weight: 600; }
.cards { display: grid; grid-template-columns: repeat(3, 1fr); gap: 10px; }
@media screen and (max-width: 760px) { .cards { grid-template-columns: 1fr; } }
.card { background: var(--panel); border-left: 5px solid var(--after); padding: 8px 12px;
        break-inside: avoid; }
.card h3 { margin: 0 0 4px; font-size: .9rem; color: var(--muted); font-weight: 600; }
.card .figure-line { font-size: 1.35rem; font-weight: 700; }
.card .before-value { color: var(--before); }
.card .after-value { color: var(--after); }
.card .cut { color: var(--good); font-weight: 600; font-size: .92rem; }
.card .small { font-size: .8rem; color: var(--muted); }
table { border-collapse: collapse; width: 100%; margin: 6px 0 10px; font-size: .86rem; }
th, td { text-align: left; vertical-align: top; padding: 4px 6px;
         border-bottom: 1px solid var(--rule); }
th { background: var(--panel); font-weight: 600; }
td.num, th.num { text-align: right; white-space: nowrap; }
thead { display: table-header-group; }
table.changes { table-layout: fixed; }
tr { break-inside: avoid; }
figure { margin: 8px 0 14px; break-inside: avoid; }
figure svg { width: 100%; height: auto; max-height: 900px; }
figcaption { font-size: .85rem; color: var(--muted); }
.note { font-size: .85rem; color: var(--muted); }
.untranslated { font-style: italic; }
footer { margin-top: 28px; font-size: .8rem; color: var(--muted);
         border-top: 1px solid var(--rule); padding-top: 6px; }
@page { size: A4; margin: 14mm 13mm 16mm; }
@media print {
  html { font-size: 11pt; }
  body { max-width: none; padding: 0; }
  h2 { margin-top: 16px; }
  section#changes { break-before: page; }
  figure svg { max-height: 235mm; }
  a { color: inherit; text-decoration: none; }
}
"""


@dataclass(frozen=True)
class Inputs:
    """What a report is made from (all computed once by :func:`procsimp.report`)."""

    before: Process
    after: Process
    result: Result | None
    comparison: Report
    figures: dict[str, str]
    """Section -> inline SVG of its figures, in order."""
    calibration: Calibration | None
    currency: str | None
    lang: str


def esc(value: object) -> str:
    return html.escape(str(value), quote=True)


class Document:
    """Builds the HTML of one report."""

    def __init__(self, inputs: Inputs) -> None:
        self.i = inputs
        self.w = Words(inputs.lang)
        self.working = inputs.before.calendar is not None
        self.unit = inputs.before.time_unit

    # --- small formatters ---------------------------------------------------------------

    def t(self, value: float, decimals: int = 1) -> str:
        """A time in the process's unit (working time on a calendar)."""
        return (f"{self.w.number(value, decimals)} "
                f"{self.w.unit(self.unit, value, working=self.working)}")

    def money(self, value: float) -> str:
        shown = self.w.number(value, 0)
        return f"{self.i.currency} {shown}" if self.i.currency else shown

    def step_name(self, process: Process, sid: str) -> str:
        steps = {s.id: s for s in process.steps}
        step = steps.get(sid)
        return step.name if step is not None else sid

    def post(self, process: Process, role_id: str) -> str:
        role = {r.id: r for r in process.roles}.get(role_id)
        return (role.name or role.id) if role is not None else role_id

    def pass_title(self, name: str) -> str:
        return self.w.text.get(f"pass_{name}", name)

    def duration(self, value: Any) -> str:
        """A duration as its family and parameters, in the language."""
        w = self.w
        if isinstance(value, (int, float)):
            return f"{w('dist_fixed')} {w.plain(float(value))}"
        data = value.model_dump()
        dist = data.pop("dist", "?")
        parts = []
        for key, v in data.items():
            label = w.text.get(f"param_{key}", key)
            if isinstance(v, (int, float)):
                parts.append(f"{label} {w.plain(float(v))}")
            elif isinstance(v, (list, tuple)) and all(isinstance(x, (int, float)) for x in v):
                shown = ", ".join(w.plain(float(x)) for x in v[:12])
                parts.append(f"{label} {shown}{', …' if len(v) > 12 else ''} ({len(v)})")
        name = w.text.get(f"dist_{dist}", str(dist))
        return f"{name}: {', '.join(parts)}" if parts else name

    # --- the page -----------------------------------------------------------------------

    def html(self) -> str:
        before = self.i.before
        sections = [self.answer(), self.diagram(), self.changes(), self.kept(),
                    self.assumptions()]
        if before.arrivals is not None and self.i.comparison.workload:
            sections.append(self.workload())
        if before.calendar is not None or before.deadlines:
            sections.append(self.calendar())
        sections.append(self.method())
        footer = f"<footer>{esc(self.w('footer', version=__version__))}</footer>"
        title = esc(self.w("doc_title", name=before.name))
        return ("<!DOCTYPE html>\n"
                f'<html lang="{self.w("html_lang")}">\n<head>\n<meta charset="utf-8">\n'
                '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
                f"<title>{title}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
                + "\n".join(sections) + "\n" + footer + "\n</body>\n</html>\n")

    def answer(self) -> str:
        w, rep, before, after = self.w, self.i.comparison, self.i.before, self.i.after
        if self.i.result is not None:
            reform = w.listing([self.pass_title(p) for p in self.i.result.passes])
            question = w("question_passes", name=before.name)
            reform_line = f'<p class="reform">{esc(w("reform_line", reform=reform))}</p>\n'
        else:
            question = w("question_versions", name=before.name, after=after.name)
            reform_line = ""
        sim = rep.simulation
        assert sim is not None  # the report always simulates (n >= 1)
        layers = rep.metric("layers")
        cards = [self.card(w("card_layers"), w.number(layers.before, 0),
                           w.number(layers.after, 0), [w("layers_note")])]
        for label, b, a, bci, aci, cut in (
                (w("card_mean"), sim.before.mean, sim.after.mean, sim.before.mean_ci,
                 sim.after.mean_ci, sim.mean_cut),
                (w("card_p90"), sim.before.p90, sim.after.p90, sim.before.p90_ci,
                 sim.after.p90_ci, sim.p90_cut)):
            units = w.unit(self.unit, working=self.working)
            cards.append(self.card(
                w("card_in", title=label, unit=units), w.number(b), w.number(a),
                [w("cut_line", value=self.t(cut.value, 2), low=w.number(cut.ci[0], 2),
                   high=w.number(cut.ci[1], 2)),
                 f"{w('ci')}: {w('before')} {w.number(bci[0])}{DASH}{w.number(bci[1])}, "
                 f"{w('after')} {w.number(aci[0])}{DASH}{w.number(aci[1])}"], cut=True))
        declared = {d.id: d for d in before.deadlines}
        for change in rep.on_time:
            d = declared.get(change.id)
            limit = self.limit(change.within, change.unit)
            notes = [w("within", limit=limit)]
            if change.on_miss != "none":
                notes.append(w("deemed_rule", rule=w(f"on_miss_{change.on_miss}")))
            if change.cases == 0:
                notes.append(w("no_cases_on_clock"))
            else:
                notes.insert(0, w("change_line", value=w.points(change.change),
                                  low=w.points(change.ci[0]), high=w.points(change.ci[1])))
            if d is not None and d.source:
                notes.append(d.source)
            cards.append(self.card(w("card_on_time", deadline=change.id),
                                   w.share(change.before), w.share(change.after), notes,
                                   cut=change.cases > 0))
        cost = rep.metric("cost")
        cards.append(self.card(w("card_cost"), self.money(cost.before), self.money(cost.after),
                               [w("cost_note")]))
        no_deadline = "" if before.deadlines else f'<p class="note">{esc(w("no_deadline"))}</p>'
        return (f'<section id="answer">\n<h1>{esc(before.name)}</h1>\n'
                + (f'<p class="lead">{esc(before.description.strip())}</p>\n'
                   if before.description.strip() else "")
                + f'<h2>{esc(w("question_heading"))}</h2>\n'
                  f'<p class="question">{esc(question)}</p>\n' + reform_line +
                  f'<h2>{esc(w("answer_heading"))}</h2>\n'
                  f'<p class="note">{esc(w("sim_note", n=w.number(rep.n, 0)))}</p>\n'
                  f'<div class="cards">\n' + "\n".join(cards) + "\n</div>\n"
                + no_deadline + "</section>")

    def limit(self, within: float, unit: str) -> str:
        """A deadline's limit: ``10 working days``."""
        w = self.w
        base, _, _ = unit.partition("_")
        if unit.startswith("working_"):
            return f"{w.plain(within)} {w.unit(unit.split('_', 1)[1], within, working=True)}"
        if unit.startswith("calendar_"):
            key = "calendar_day" + ("s" if within != 1 else "")
            return f"{w.plain(within)} {w.text.get(key, unit)}"
        return f"{w.plain(within)} {w.unit(base, within)}"

    def card(self, title: str, before: str, after: str, notes: list[str], cut: bool = False
             ) -> str:
        lines = "".join(
            f'<div class="{"cut" if cut and k == 0 else "small"}">{esc(n)}</div>'
            for k, n in enumerate(notes))
        return (f'<div class="card"><h3>{esc(title)}</h3>'
                f'<div class="figure-line"><span class="before-value">{esc(before)}</span> → '
                f'<span class="after-value">{esc(after)}</span></div>{lines}</div>')

    def diagram(self) -> str:
        w = self.w
        figs = self.i.figures
        parts = [f'<section id="diagram">\n<h2>{esc(w("diagram_heading"))}</h2>']
        if "before_after" in figs:
            parts.append(f'<figure>{figs["before_after"]}<figcaption>'
                         f'{esc(w("diagram_note"))}</figcaption></figure>')
        if "distribution" in figs:
            parts.append(f'<figure>{figs["distribution"]}<figcaption>'
                         f'{esc(w("distribution_note"))}</figcaption></figure>')
        return "\n".join(parts) + "\n</section>"

    def reason(self, text: str) -> str:
        return self.translated(text, translate(text, self.i.lang))

    def translated(self, text: str, translated: str | None) -> str:
        """A sentence in the report's language, or in English and marked so."""
        if translated is None:
            return (f'<span class="untranslated">{esc(text)}</span> '
                    f'<span class="note">{esc(self.w("untranslated"))}</span>')
        return esc(translated)

    def change_rows(self, changes: list[Any], process: Process, with_pass: bool = False
                    ) -> str:
        w = self.w
        head = (f"<tr>{'<th>' + esc(w('col_pass')) + '</th>' if with_pass else ''}"
                f"<th>{esc(w('col_change'))}</th><th>{esc(w('col_steps'))}</th>"
                f"<th>{esc(w('col_reason'))}</th></tr>")
        rows = []
        for c in changes:
            steps = ", ".join(self.step_name(process, s) for s in c.steps) or DASH
            first = f"<td>{esc(self.pass_title(c.pass_name))}</td>" if with_pass else ""
            rows.append(f"<tr>{first}<td>{esc(w.text.get('change_' + c.kind, c.kind))}</td>"
                        f"<td>{esc(steps)}</td><td>{self.reason(c.reason)}</td></tr>")
        widths = ([14] if with_pass else []) + [12, 24]
        cols = "".join(f'<col style="width:{x}%">' for x in widths) + "<col>"
        return (f'<table class="changes"><colgroup>{cols}</colgroup><thead>{head}</thead>'
                f"<tbody>{''.join(rows)}</tbody></table>")

    def changes(self) -> str:
        w, result, rep = self.w, self.i.result, self.i.comparison
        parts = [f'<section id="changes">\n<h2>{esc(w("changes_heading"))}</h2>']
        if result is None:
            old = {s.id for s in self.i.before.steps}
            new = {s.id for s in self.i.after.steps}
            gone = [s.name for s in self.i.before.steps if s.id not in new]
            added = [s.name for s in self.i.after.steps if s.id not in old]
            text = w("changes_unknown", gone=", ".join(gone) or w("none"),
                     new=", ".join(added) or w("none"))
            parts.append(f"<p>{esc(text)}</p>")
            return "\n".join(parts) + "\n</section>"
        parts.append(f"<p>{esc(w('changes_intro'))}</p>")
        cuts = {a.name: a for a in rep.attribution or ()}
        for run in result.runs:
            done = [c for c in run.changes if c.kind != "skipped"]
            parts.append(f"<h3>{esc(self.pass_title(run.name))}</h3>")
            cut = cuts.get(run.name)
            if cut is not None:
                text = w("pass_cut", lead=self.t(cut.lead_time), cut=self.t(cut.lead_time_cut),
                         layers=w.number(cut.layers, 0))
                parts.append(f'<p class="note">{esc(text)}</p>')
            parts.append(self.change_rows(done, result.original) if done
                         else f"<p>{esc(w('changes_none'))}</p>")
        return "\n".join(parts) + "\n</section>"

    def kept(self) -> str:
        w, before = self.w, self.i.before
        rows = []
        for s in before.steps:
            if s.locked:
                rows.append((s.name, f"{self.post(before, s.role)}", w("kept_locked_step")))
        for r in before.roles:
            if r.locked:
                rows.append((r.name or r.id, "", w("kept_locked_role")))
        for lv in before.levels:
            if lv.locked:
                rows.append((lv.name or lv.id, "", w("kept_locked_level")))
        parts = [f'<section id="kept">\n<h2>{esc(w("kept_heading"))}</h2>',
                 f"<p>{esc(w('kept_intro'))}</p>"]
        if rows:
            body = "".join(f"<tr><td>{esc(a)}</td><td>{esc(b)}</td><td>{esc(c)}</td></tr>"
                           for a, b, c in rows)
            parts.append(f"<table><thead><tr><th>{esc(w('col_what'))}</th>"
                         f"<th>{esc(w('col_post'))}</th><th>{esc(w('col_why'))}</th></tr>"
                         f"</thead><tbody>{body}</tbody></table>")
        else:
            parts.append(f"<p>{esc(w('kept_nothing_locked'))}</p>")
        if self.i.result is not None:
            skipped = [c for c in self.i.result.changes if c.kind == "skipped"]
            parts.append(f"<h3>{esc(w('kept_skipped'))}</h3>")
            parts.append(self.change_rows(skipped, self.i.result.original, with_pass=True)
                         if skipped else f"<p>{esc(w('kept_none_skipped'))}</p>")
        return "\n".join(parts) + "\n</section>"

    def assumptions(self) -> str:
        from procsimp.durations import mean_of

        w, before, cal = self.w, self.i.before, self.i.calibration
        fits = cal.fits if cal is not None else {}
        unit_words = self.w.unit(self.unit, working=self.working)
        parts = [f'<section id="assumptions">\n<h2>{esc(w("assumptions_heading"))}</h2>',
                 f"<p>{esc(w('assumptions_intro', unit=unit_words))}</p>"]
        head = "".join(f"<th>{esc(w(k))}</th>" for k in
                       ("col_step", "col_post", "col_kind", "col_duration", "col_mean",
                        "col_work", "col_source"))
        rows = []
        for s in before.steps:
            fit = fits.get(s.id)
            source = (w("source_calibrated", family=fit.family,
                        cases=w.number(fit.cases, 0)) if fit is not None
                      else w("source_typed"))
            work = s.work if s.work is not None else s.duration
            rows.append(f"<tr><td>{esc(s.name)}</td><td>{esc(self.post(before, s.role))}</td>"
                        f"<td>{esc(w('kind_' + s.kind))}</td>"
                        f"<td>{esc(self.duration(s.duration))}</td>"
                        f'<td class="num">{esc(w.number(mean_of(s.duration), 2))}</td>'
                        f'<td class="num">{esc(w.number(mean_of(work), 2))}</td>'
                        f"<td>{esc(source)}</td></tr>")
        parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody>"
                     f"</table>")
        handoff = mean_of(before.handoff_delay)
        parts.append("<p>" + esc(w("handoff_delay", duration=self.duration(before.handoff_delay),
                                   mean=self.t(handoff, 2)) if handoff > 0
                                 else w("no_handoff_delay")) + "</p>")
        loops = []
        for s in before.steps:
            if s.rework is not None:
                text = w("sendback", step=s.name, to=self.step_name(before, s.rework.to),
                         p=w.share(s.rework.p, 0))
                if s.rework.delay is not None:
                    text += w("sendback_delay", delay=self.t(mean_of(s.rework.delay), 2))
                if mean_of(s.rework.revision) > 0:
                    text += w("sendback_revision", revision=self.t(mean_of(s.rework.revision), 2))
                loops.append(text)
            for e in s.after:
                if e.p is not None:
                    loops.append(w("branch", step=self.step_name(before, e.step), to=s.name,
                                   share=w.share(e.p, 0)))
        if loops:
            parts.append(f"<h3>{esc(w('branches_heading'))}</h3><ul>"
                         + "".join(f"<li>{esc(x)}</li>" for x in loops) + "</ul>")
        if cal is not None:
            parts.append(self.calibration_card(cal))
        return "\n".join(parts) + "\n</section>"

    def calibration_card(self, cal: Calibration) -> str:
        w = self.w
        parts = [f"<h3>{esc(w('calibration_heading'))}</h3>"]
        card = cal.card
        if card is not None:
            verdict = w("card_within") if card.within_noise else w("card_outside")
            parts.append("<p>" + esc(w("calibration_card", test=w.number(card.test_cases, 0),
                                       split=card.split_time, fit=w.number(card.fit_cases, 0),
                                       w=self.t(card.wasserstein, 2),
                                       floor=self.t(card.noise_floor, 2), verdict=verdict))
                         + "</p>")
            rows = "".join(f"<tr><td>{esc(k)}</td><td class='num'>{esc(w.number(v, 2))}</td>"
                           f"<td class='num'>{esc(w.number(card.floors.get(k, math.nan), 2))}"
                           f"</td></tr>" for k, v in card.errors.items())
            parts.append(f"<p class='note'>{esc(w('card_errors'))}</p><table><thead><tr>"
                         f"<th>{esc(w('col_statistic'))}</th><th class='num'>"
                         f"{esc(w('col_error'))}</th><th class='num'>{esc(w('col_noise'))}"
                         f"</th></tr></thead><tbody>{rows}</tbody></table>")
        if cal.unsupported:
            parts.append(f"<p class='note'>{esc(w('unsupported'))}</p><ul>" + "".join(
                f"<li>{esc(u.what)} ({esc(w.number(u.count, 0))})</li>" for u in cal.unsupported)
                + "</ul>")
        return "\n".join(parts)

    def workload(self) -> str:
        w, before, rep = self.w, self.i.before, self.i.comparison
        arrivals = before.arrivals
        assert arrivals is not None
        if arrivals.rate is not None and arrivals.per is not None:
            intro = w("workload_intro", rate=w.plain(arrivals.rate),
                      unit=w.unit(arrivals.per, 1))
        else:
            gap = arrivals.mean_gap or math.nan
            intro = w("workload_intro", rate=w.plain(1 / gap), unit=w.unit(self.unit, 1))

        def wait(x: float) -> str:
            return DASH if math.isnan(x) else w("unstable") if math.isinf(x) else self.t(x, 2)

        def bottleneck(b: bool, a: bool) -> str:
            return (w("bottleneck_both") if b and a else w("bottleneck_before") if b
                    else w("bottleneck_after") if a else "")

        names = {r.id: r.name or r.id for r in (*before.roles, *self.i.after.roles)}
        rows = "".join(
            f"<tr><td>{esc(names.get(c.role, c.role))}</td>"
            f"<td class='num'>{esc(w.share(c.utilisation_before))}</td>"
            f"<td class='num'>{esc(w.share(c.utilisation_after))}</td>"
            f"<td class='num'>{esc(wait(c.wait_before))}</td>"
            f"<td class='num'>{esc(wait(c.wait_after))}</td>"
            f"<td>{esc(bottleneck(c.bottleneck_before, c.bottleneck_after))}</td></tr>"
            for c in rep.workload)
        head = "".join(f"<th>{esc(w(k))}</th>" for k in (
            "col_post", "col_utilisation_before", "col_utilisation_after", "col_wait_before",
            "col_wait_after", "col_bottleneck"))
        return (f'<section id="workload">\n<h2>{esc(w("workload_heading"))}</h2>\n'
                f"<p>{esc(intro)}</p><table><thead><tr>{head}</tr></thead><tbody>{rows}"
                f"</tbody></table>\n</section>")

    def calendar(self) -> str:
        w, before, rep = self.w, self.i.before, self.i.comparison
        parts = [f'<section id="calendar">\n<h2>{esc(w("calendar_heading"))}</h2>']
        cal = before.calendar
        if cal is None:
            parts.append(f"<p>{esc(w('calendar_none'))}</p>")
        else:
            days = ", ".join(WEEKDAYS[self.i.lang].get(d, d) for d in cal.workweek)
            source = cal.holidays
            if isinstance(source, tuple):
                holidays = (w("holidays_dates", count=len(source)) if source
                            else w("holidays_none"))
            else:
                holidays = w("holidays_country", country=source.country,
                             categories=", ".join(w.text.get("holidays_" + c, c)
                                                  for c in source.categories))
            parts.append("<p>" + esc(w("calendar_text", days=days,
                                       hours=w.plain(cal.hours_per_day), holidays=holidays))
                         + "</p>")
        if before.deadlines:
            shares = {c.id: c for c in rep.on_time}
            rows = []
            for d in before.deadlines:
                start = (w("clock_from_step", step=self.step_name(before, d.from_)) if d.from_
                         else w("clock_from_start"))
                end = (w("clock_to_step", step=self.step_name(before, d.to)) if d.to
                       else w("clock_to_finish"))
                c = shares.get(d.id)
                shown = c is not None and c.cases > 0
                cells = ([w.share(c.before), w.share(c.after)] if c is not None and shown
                         else [DASH] * 2)
                change = (f"{esc(w.points(c.change))}<br>({esc(w.points(c.ci[0]))} {w('to')} "
                          f"{esc(w.points(c.ci[1]))})" if c is not None and shown else DASH)
                rows.append(
                    f"<tr><td>{esc(d.id)}</td><td>{esc(self.limit(d.within, d.unit))}</td>"
                    f"<td>{esc(w('clock_from_to', start=start, end=end))}</td>"
                    f"<td>{esc(w('on_miss_' + d.on_miss))}</td><td>{esc(d.source or DASH)}</td>"
                    + "".join(f"<td class='num'>{esc(x)}</td>" for x in cells)
                    + f"<td>{change}</td></tr>")
            head = "".join(f"<th>{esc(w(k))}</th>" for k in (
                "col_deadline", "col_within", "col_clock", "col_on_miss", "col_legal",
                "col_on_time_before", "col_on_time_after", "col_change_ci"))
            parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}"
                         f"</tbody></table>")
        return "\n".join(parts) + "\n</section>"

    def method(self) -> str:
        w, rep = self.w, self.i.comparison
        parts = [f'<section id="method">\n<h2>{esc(w("method_heading"))}</h2>',
                 f"<p>{esc(w('method_text', n=w.number(rep.n, 0), seed=rep.seed))}</p>"]
        if self.working:
            parts.append(f"<p>{esc(w('method_calendar'))}</p>")
        if rep.notes:
            parts.append(f"<h3>{esc(w('method_notes'))}</h3><ul>" + "".join(
                f"<li>{self.translated(n, translate_note(n, self.i.lang))}</li>"
                for n in rep.notes) + "</ul>")
        return "\n".join(parts) + "\n</section>"


__all__ = ["CSS", "SECTIONS", "Document", "Inputs", "esc"]
