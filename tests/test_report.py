"""ps.report without a browser: the figures it quotes, its words, its sections, bad input.

The numbers are checked against hand calculations on a process with fixed durations
(every case takes the same time, so mean, p90 and the on-time share are known
exactly) and against ``simulate``/``measure``/``capacity`` called here directly.
"""

from __future__ import annotations

import html
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import procsimp as ps
from procsimp.cli import main
from procsimp.reporting import reasons
from procsimp.reporting.i18n import TEXT, Words
from tests.strategies import pass_processes
from tests.strategies.passes import BUILTIN, pass_options

EXAMPLES = ("outgoing_letter", "building_approval", "business_licence")

#: Fixed durations: draft 2, approve 3, sign 1 (no handoff delay) -> 6 days before; the
#: delayer removes the middle level's approval -> 3 days after. Cost: rate x work,
#: 10 x 1 + 20 x 0.5 + 30 x 0.5 = 35 before, 25 after. Deadline 5 days: 0 % -> 100 %.
TINY = {
    "name": "tiny letter", "time_unit": "day",
    "levels": ["head", "middle", "staff"],
    "roles": [{"id": "clerk", "level": "staff", "reports_to": "boss", "rate": 10},
              {"id": "boss", "level": "middle", "reports_to": "chief", "rate": 20},
              {"id": "chief", "level": "head", "rate": 30}],
    "deadlines": [{"id": "answer", "within": 5, "unit": "day", "source": "Act 1/2020"}],
    "steps": [
        {"id": "draft", "name": "Draft", "role": "clerk", "duration": 2, "work": 1},
        {"id": "approve", "name": "Approve", "role": "boss", "kind": "approval",
         "after": ["draft"], "duration": 3, "work": 0.5},
        {"id": "sign", "name": "Sign", "role": "chief", "kind": "signature", "locked": True,
         "after": ["approve"], "duration": 1, "work": 0.5},
    ]}


def cards(page: str) -> dict[str, tuple[str, str]]:
    """Card title -> (before, after) as shown on the first screen."""
    found = re.findall(r'<div class="card"><h3>(.*?)</h3><div class="figure-line">'
                       r'<span class="before-value">(.*?)</span> → '
                       r'<span class="after-value">(.*?)</span>', page)
    return {html.unescape(t): (html.unescape(b), html.unescape(a)) for t, b, a in found}


def section(page: str, ident: str) -> str:
    m = re.search(rf'<section id="{ident}">(.*?)</section>', page, re.DOTALL)
    assert m, ident
    return m.group(1)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    proc = ps.Process.model_validate(TINY)
    result = ps.simplify(proc, ["delayer"], {"delayer": {"remove_levels": ["middle"]}})
    folder = tmp_path_factory.mktemp("tiny")
    pages = {lang: ps.report(proc, result, folder / f"tiny_{lang}.html", lang=lang, n=1000,
                             currency="Rp").read_text(encoding="utf-8") for lang in ("en", "id")}
    return proc, result, pages


def test_answer_matches_the_hand_calculation(tiny):
    _, _, pages = tiny
    en = cards(pages["en"])
    assert en["Layers the file climbs"] == ("3", "2")
    assert en["Mean lead time, in days"] == ("6.0", "3.0")
    assert en["Lead time of 9 cases in 10 (p90), in days"] == ("6.0", "3.0")
    assert en["On time: answer"] == ("0.0%", "100.0%")
    assert en["Cost per case"] == ("Rp 35", "Rp 25")
    ids = cards(pages["id"])
    assert ids["Waktu penyelesaian rata-rata, dalam hari"] == ("6,0", "3,0")
    assert ids["Tepat waktu: answer"] == ("0,0%", "100,0%")
    # the cut with its interval: fixed durations, so the interval is the point itself
    assert "cut 3.00 days (95% CI 3.00 to 3.00)" in html.unescape(section(pages["en"], "answer"))
    assert "Act 1/2020" in section(pages["en"], "answer")


def test_changes_kept_and_assumptions_sections(tiny):
    proc, result, pages = tiny
    en = html.unescape(pages["en"])
    changes = section(en, "changes")
    removed = [c for c in result.changes if c.kind == "removed"]
    assert removed and all(c.reason in changes for c in removed)
    assert "<h3>Delayering</h3>" in changes
    kept = section(en, "kept")
    assert "Sign" in kept and TEXT["en"]["kept_locked_step"] in kept
    assumptions = section(en, "assumptions")
    for step in proc.steps:
        assert f"<td>{step.name}</td>" in assumptions
    assert assumptions.count(TEXT["en"]["source_typed"]) == len(proc.steps)
    ids = html.unescape(pages["id"])
    assert "Persetujuan oleh boss dihapus" in section(ids, "changes")
    assert 'lang="id"' in ids and TEXT["id"]["kept_locked_step"] in section(ids, "kept")


def test_no_workload_or_calendar_section_unless_declared(tiny):
    _, _, pages = tiny
    assert '<section id="workload">' not in pages["en"]
    # a deadline without a calendar still gets the calendar-and-deadlines section
    text = html.unescape(section(pages["en"], "calendar"))
    assert TEXT["en"]["calendar_none"] in text and "Act 1/2020" in text
    assert "from the start to the end of the last step" in text


@pytest.mark.parametrize("example", EXAMPLES)
def test_example_figures_are_those_of_simulate_and_measure(example, tmp_path):
    proc = ps.load(f"examples/{example}.yaml")
    result = ps.simplify(proc, "delayering_2019")
    page = ps.report(proc, result, tmp_path / "r.html", lang="id", n=1000, seed=5,
                     currency="Rp").read_text(encoding="utf-8")
    shown = cards(page)
    w = Words("id")
    before = ps.simulate(proc, n=1000, seed=5)
    after = ps.simulate(result.process, n=1000, seed=5)
    mean = next(v for k, v in shown.items() if k.startswith(TEXT["id"]["card_mean"]))
    assert mean == (w.number(float(np.mean(before.samples))),
                    w.number(float(np.mean(after.samples))))
    p90 = next(v for k, v in shown.items() if k.startswith(TEXT["id"]["card_p90"]))
    assert p90 == (w.number(float(np.quantile(before.samples, 0.9))),
                   w.number(float(np.quantile(after.samples, 0.9))))
    m_before, m_after = ps.measure(proc), ps.measure(result.process)
    assert shown[TEXT["id"]["card_layers"]] == (str(m_before.layers), str(m_after.layers))
    assert shown[TEXT["id"]["card_cost"]] == (f"Rp {m_before.cost:,.0f}".replace(",", "."),
                                             f"Rp {m_after.cost:,.0f}".replace(",", "."))
    for d in proc.deadlines:
        share = shown[TEXT["id"]["card_on_time"].format(deadline=d.id)]
        assert share == (w.share(before.on_time[d.id].share), w.share(after.on_time[d.id].share))


def test_translation_tables_are_complete():
    assert TEXT["en"].keys() == TEXT["id"].keys()
    fields = re.compile(r"\{(\w+)\}")
    for key, english in TEXT["en"].items():
        assert set(fields.findall(english)) == set(fields.findall(TEXT["id"][key])), key
    for kind, pairs in reasons.TEMPLATES.items():
        for en, id_ in pairs:
            names = {m.group(1) for m in reasons._PLACEHOLDER.finditer(en)}
            assert names == set(re.findall(r"\{(\w+)\}", id_)), (kind, en)


def every_reason() -> list[str]:
    seen = {}
    for example in EXAMPLES:
        proc = ps.load(f"examples/{example}.yaml")
        for preset in ps.PRESETS:
            for c in ps.simplify(proc, preset).changes:
                seen[c.reason] = None
    return list(seen)


def test_every_reason_of_every_preset_translates():
    english_words = re.compile(r"\b(no longer|becomes|removed|merged|kept|stays|moves|the file)\b")
    reasons_found = every_reason()
    assert len(reasons_found) > 20
    for reason in reasons_found:
        text = reasons.translate(reason, "id")
        assert text is not None, reason
        # English left over only inside quoted names, never in the sentence itself
        unquoted = re.sub(r"'[^']*'", "", text)
        assert not english_words.search(unquoted), text
        # numbers in Indonesian separators: "1.50 to 0.75" becomes "1,50 menjadi 0,75"
        for number in re.findall(r"\b\d+\.\d+\b", re.sub(r"'[^']*'", "", reason)):
            assert number.replace(".", ",") in text, (number, text)


def test_a_reason_with_no_template_is_shown_in_english_and_says_so(tmp_path):
    @ps.register_pass("note_only")
    def note_only(process, options):
        """Change nothing, with a reason no template knows."""
        return process, [ps.Change(pass_name="note_only", kind="skipped", steps=("draft",),
                                   reason="Left alone for a reason of our own.")]

    try:
        proc = ps.Process.model_validate(TINY)
        result = ps.simplify(proc, ["note_only"])
        page = ps.report(proc, result, tmp_path / "r.html", lang="id", n=1000).read_text()
    finally:
        ps.unregister_pass("note_only")
    kept = section(page, "kept")
    assert "Left alone for a reason of our own." in kept
    assert TEXT["id"]["untranslated"] in kept
    assert reasons.translate("Left alone for a reason of our own.", "id") is None


def test_indonesian_figures_speak_indonesian(tiny):
    _, _, pages = tiny
    svg_text = re.findall(r"<text[^>]*>([^<]*)</text>", pages["id"])
    assert svg_text
    for word in ("task", "approval", "signature", "critical path", "Lead time distribution"):
        assert word not in svg_text
    assert "persetujuan" in svg_text and "jalur kritis" in svg_text
    # the headline the report states in words is not repeated in the figure
    assert not any(t.startswith("layers ") for t in svg_text)


def test_workload_section_quotes_capacity(tmp_path):
    data = {**TINY, "arrivals": {"rate": 1, "per": "day"},
            "steps": [{**s, "work": {"dist": "exponential", "mean": s["work"]}}
                      for s in TINY["steps"]]}
    proc = ps.Process.model_validate(data)
    result = ps.simplify(proc, ["delayer"], {"delayer": {"remove_levels": ["middle"]}})
    page = html.unescape(ps.report(proc, result, tmp_path / "w.html", n=1000).read_text())
    workload = section(page, "workload")
    cap = ps.capacity(proc)
    w = Words("en")
    for role, load in cap.roles.items():
        assert w.share(load.utilisation) in workload, role
    # the clerk: 1 case a day, work 1 day, one person: fully used, so the queue is unstable
    assert cap.roles["clerk"].utilisation == pytest.approx(1.0)
    assert TEXT["en"]["unstable"] in workload


def test_calibrated_durations_show_their_source_and_card(tmp_path):
    pd = pytest.importorskip("pandas")
    pytest.importorskip("scipy")
    rng = np.random.default_rng(3)
    rows = []
    t0 = pd.Timestamp("2024-01-01")
    for i in range(150):
        start = i * 0.5
        draft = start + rng.exponential(2.0)
        approve = draft + rng.exponential(3.0)
        sign = approve + rng.exponential(1.0)
        rows += [{"case": f"c{i}", "activity": a, "time": t0 + pd.to_timedelta(x, unit="D")}
                 for a, x in (("Draft", draft), ("Approve", approve), ("Sign", sign))]
    log = ps.read_log(pd.DataFrame(rows), case="case", activity="activity", timestamp="time")
    proc = ps.Process.model_validate(TINY)
    cal = ps.calibrate(proc, log, {"Draft": "draft", "Approve": "approve", "Sign": "sign"})
    result = ps.simplify(cal.process, ["delayer"], {"delayer": {"remove_levels": ["middle"]}})
    page = html.unescape(ps.report(cal.process, result, tmp_path / "c.html", n=1000,
                                   calibration=cal).read_text())
    assumptions = section(page, "assumptions")
    assert set(cal.fits) == {"draft", "approve", "sign"}
    for step_id, fit in cal.fits.items():
        name = cal.process.step(step_id).name
        row = re.search(rf"<tr><td>{name}</td>.*?</tr>", assumptions).group(0)
        assert TEXT["en"]["source_calibrated"].format(family=fit.family,
                                                      cases=f"{fit.cases:,}") in row
    assert TEXT["en"]["calibration_heading"] in assumptions
    assert cal.card is not None and f"{cal.card.wasserstein:,.2f}" in assumptions
    with pytest.raises(ps.OptionError, match="another process"):
        ps.report(proc, result, tmp_path / "x.html", calibration=cal)


def test_bad_input_is_refused_before_anything_is_written(tmp_path, monkeypatch):
    proc = ps.Process.model_validate(TINY)
    with pytest.raises(ps.OptionError, match=r"\.html, \.htm, \.pdf"):
        ps.report(proc, proc, tmp_path / "r.docx")
    with pytest.raises(ps.OptionError, match="lang"):
        ps.report(proc, proc, tmp_path / "r.html", lang="fr")
    with pytest.raises(ps.OptionError, match="at least 1"):
        ps.report(proc, proc, tmp_path / "r.html", n=0)
    with pytest.raises(ps.OptionError):
        ps.report("tiny.yaml", proc, tmp_path / "r.html")
    # no browser: a clear error, and the old PDF stays as it was
    import procsimp.reporting.pdf as pdf

    monkeypatch.setattr(pdf, "find_browser", lambda: None)
    old = tmp_path / "r.pdf"
    old.write_bytes(b"the old report")
    with pytest.raises(ps.MissingDependencyError, match="Chromium"):
        ps.report(proc, proc, old, n=1000)
    assert old.read_bytes() == b"the old report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.pdf"]


def test_versions_given_as_processes_list_the_steps_that_differ(tmp_path):
    proc = ps.Process.model_validate(TINY)
    after = ps.simplify(proc, ["delayer"], {"delayer": {"remove_levels": ["middle"]}}).process
    page = html.unescape(ps.report(proc, after, tmp_path / "r.html", n=1000).read_text())
    assert TEXT["en"]["changes_unknown"].format(gone="Approve", new="none") in page


def test_command_line_writes_the_report(tmp_path, capsys):
    out = tmp_path / "laporan.html"
    assert main(["report", "examples/outgoing_letter.yaml", "--preset", "delayering_2019",
                 "--lang", "id", "--currency", "Rp", "-n", "1000", "-o", str(out)]) == 0
    assert f"wrote {out}" in capsys.readouterr().out
    page = out.read_text()
    assert 'lang="id"' in page and TEXT["id"]["answer_heading"] in page
    assert main(["report", "examples/outgoing_letter.yaml", "-o", str(tmp_path / "r.txt")]) == 2
    assert "give a file ending in" in capsys.readouterr().err


def test_caveats_of_compare_are_in_the_report_in_both_languages(tmp_path):
    # DESIGN.md's example: a choice (B 20 or nothing, p 0.5) in parallel with E 10 after A 1;
    # the expected lead time is 1 + (20 + 10) / 2 = 16, which flow analysis cannot give
    data = {"levels": ["staff"], "roles": [{"id": "c", "level": "staff"}], "steps": [
        {"id": "a", "role": "c", "duration": 1},
        {"id": "x", "role": "c", "duration": 0, "after": ["a"]},
        {"id": "b", "role": "c", "duration": 20, "after": [{"step": "x", "p": 0.5}]},
        {"id": "skip", "role": "c", "duration": 0, "after": [{"step": "x", "p": 0.5}]},
        {"id": "m", "role": "c", "duration": 0, "join": "any", "after": ["b", "skip"]},
        {"id": "e", "role": "c", "duration": 10, "after": ["a"]},
        {"id": "end", "role": "c", "duration": 0, "after": ["m", "e"]}]}
    proc = ps.Process.model_validate(data)
    assert ps.measure(proc).lead_time == pytest.approx(16.0)
    notes = ps.compare(proc, proc, n=1000).notes
    assert len(notes) == 2
    en = html.unescape(section(ps.report(proc, proc, tmp_path / "en.html", n=1000)
                               .read_text(), "method"))
    assert all(n in en for n in notes)
    ids = html.unescape(section(ps.report(proc, proc, tmp_path / "id.html", lang="id",
                                          n=1000).read_text(), "method"))
    assert ids.count("Analisis alir tidak eksak untuk versi") == 2
    assert TEXT["id"]["untranslated"] not in ids


@settings(max_examples=40)
@given(data=st.data(), process=pass_processes(), name=st.sampled_from(BUILTIN))
def test_every_pass_reason_on_random_processes_translates(data, process, name):
    """The Indonesian templates cover what every built-in pass says, on any process."""
    options = data.draw(pass_options(name, process), label="options")
    _, changes = ps.run_pass(process, name, **options)
    for change in changes:
        assert reasons.translate(change.reason, "id") is not None, change.reason


def test_a_tiny_transfer_reads_and_translates():
    """Found by the default profile: digitize's delay drawn as 5e-324 wrote "the transfer
    takes 4.94066e-324 days", which no template matched."""
    proc = ps.Process.model_validate({
        "handoff_delay": 1, "levels": ["L0"],
        "roles": [{"id": "R0", "level": "L0"}, {"id": "R1", "level": "L0"}],
        "steps": [{"id": "s0", "role": "R0"},
                  {"id": "s1", "role": "R1", "after": [{"step": "s0", "delay": 2}]}]})
    _, changes = ps.run_pass(proc, "digitize", delay=5e-324)
    said = [c.reason for c in changes]
    assert said[-1] == "'s1' receives the file electronically from 's0' (2 days): the " \
                       "transfer takes <0.001 days."
    assert [reasons.translate(r, "id") for r in said][-1] == \
        "'s1' menerima berkas secara elektronik dari 's0' (2 hari): perpindahannya memakan " \
        "<0,001 hari."
    assert all(reasons.translate(r, "id") is not None for r in said)


@pytest.mark.parametrize(("shown", "read"), [("1,234,567", "1.234.567"), ("0.25", "0,25"),
                                             ("1e-05", "1e-05"), ("4.94066e-324", "4,94066e-324"),
                                             ("1e+06", "1e+06"), ("inf", "∞"), ("-2.5", "-2,5"),
                                             ("<0.001", "<0,001")])
def test_reasons_read_every_form_of_a_number(shown, read):
    """Reasons saved by older versions wrote numbers with ``:g`` (exponents, ``inf``)."""
    assert reasons.translate(f"'a' receives the file electronically from 'b' (2 days): the "
                             f"transfer takes {shown} days.", "id") == \
        f"'a' menerima berkas secara elektronik dari 'b' (2 hari): perpindahannya memakan " \
        f"{read} hari."


@given(value=st.floats(min_value=-1e9, max_value=1e9, allow_nan=False),
       decimals=st.integers(0, 3))
def test_indonesian_numbers_read_back(value, decimals):
    shown = Words("id").number(value, decimals)
    english = Words("en").number(value, decimals)
    # the same digits, separators swapped: '.' groups thousands, ',' marks the decimals
    assert shown.replace(".", "").replace(",", ".") == english.replace(",", "")
    assert float(shown.replace(".", "").replace(",", ".").replace("\u2212", "-")) == \
        pytest.approx(round(value, decimals), abs=10 ** -decimals)


def test_same_seed_same_file(tiny, tmp_path):
    proc, result, pages = tiny
    again = ps.report(proc, result, tmp_path / "again.html", lang="id", n=1000, currency="Rp")
    assert again.read_text(encoding="utf-8") == pages["id"]
