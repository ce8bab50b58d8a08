"""Every BPMN export opened in bpmn-js (bpmn.io's modeler) in a real headless Chromium.

Over every example, every simplified example (default pipeline and each preset) and
every corpus import, in one browser: bpmn-js's Modeler imports the export with no
warning; every rendered label lies inside its task box, and every lane and pool title
fits along its lane; a PNG screenshot of the diagram is saved per file (in
``$BPMN_SCREENSHOTS`` when set, else a temporary directory named in the test output);
and the modeler round trip holds: the Modeler's ``saveXML`` has the same element ids as
the export and imports back (``ps.loads(..., "bpmn")``) as the same process.

Needs Chromium, and bpmn-js from npm (see tests/bpmn_browser.py: installed on first use
when npm is there); without Chromium, or without both bpmn-js and npm, the test is
skipped, saying what is missing.
"""

from __future__ import annotations

import json
import os
import re
import warnings
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from bpmn_browser import Chromium, NoNpmError, bpmnjs_dist, chromium_binary, write_page
from bpmn_exports import BPMN, BPMNDI, DC, case_process, export_cases

import procsimp as ps
from procsimp.io.bpmn import BpmnImportWarning, dumps_bpmn

CASES = export_cases()
MARGIN = 20
#: bpmn-js draws a lane or pool title in a 30 px band; its text must fit in it across.
TITLE_BAND = 30.0
EPS = 0.5
#: Words up to this many characters fit on one line of a task box (the widest is 200 px).
LONG_WORD = 24


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chromium]:
    binary = chromium_binary()
    if binary is None:
        pytest.skip("Chromium is not installed (Debian: apt-get install chromium)")
    try:
        dist = bpmnjs_dist()
    except NoNpmError as exc:
        pytest.skip(str(exc))
    page = write_page(tmp_path_factory.mktemp("bpmnjs-page"), dist)
    chromium = Chromium(binary)
    try:
        chromium.open(page)
        yield chromium
    finally:
        chromium.close()


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    wanted = os.environ.get("BPMN_SCREENSHOTS")
    out = Path(wanted) if wanted else tmp_path_factory.mktemp("bpmnjs-screenshots")
    out.mkdir(parents=True, exist_ok=True)
    return out


def element_ids(xml: str) -> set[str]:
    """Ids of the process's flow elements, lanes and the collaboration's participants."""
    root = ET.fromstring(xml)
    ids = set()
    for el in root.iter():
        if el.tag.startswith(BPMN) and el.get("id"):
            ids.add(el.get("id") or "")
    return ids


def pool_bounds(xml: str) -> tuple[float, float, float, float]:
    root = ET.fromstring(xml)
    part = root.find(f"{BPMN}collaboration/{BPMN}participant")
    assert part is not None
    for shape in root.iter(f"{BPMNDI}BPMNShape"):
        if shape.get("bpmnElement") == part.get("id"):
            b = shape.find(f"{DC}Bounds")
            assert b is not None
            return tuple(float(b.get(k) or 0) for k in ("x", "y", "width", "height"))  # type: ignore[return-value]
    raise AssertionError("the pool has no shape")


def check_labels(labels: list[dict[str, object]]) -> None:
    """Rendered text (its SVG bounding box, in the shape's own coordinates) stays inside."""
    assert labels, "bpmn-js rendered no label at all"
    for lab in labels:
        x, y, w, h = (float(lab[k]) for k in ("x", "y", "w", "h"))  # type: ignore[arg-type]
        width, height = float(lab["width"]), float(lab["height"])  # type: ignore[arg-type]
        what = f"{lab['type']} {lab['id']} ({lab['text']!r})"
        if lab["type"] in ("bpmn:Lane", "bpmn:Participant"):
            # the title is turned upright: its length runs along the lane's height
            assert w <= height + EPS, f"title of {what} is longer than the lane"
            assert h <= TITLE_BAND + EPS, f"title of {what} is wider than its band"
        else:
            assert x >= -EPS and y >= -EPS and x + w <= width + EPS and y + h <= height + EPS, \
                f"label of {what} spills out of its {width:g}x{height:g} box"
            # bpmn-js breaks a word (elsewhere than after a hyphen) only when it cannot fit
            # on a line of the box
            words = str(lab["name"]).split()
            if all(len(word) <= LONG_WORD for word in words):
                shown = ""
                for line in lab["lines"]:  # type: ignore[attr-defined]
                    shown += line if shown.endswith("-") else f" {line}"
                assert shown.split() == words, f"bpmn-js broke a word of {what}: {lab['lines']}"


@pytest.mark.parametrize(("path", "how"), [(c[1], c[2]) for c in CASES],
                         ids=[c[0] for c in CASES])
def test_bpmnjs_renders_and_round_trips(browser: Chromium, screenshots: Path,
                                        request: pytest.FixtureRequest, path: Path,
                                        how: str | None) -> None:
    proc = case_process(path, how)
    xml = dumps_bpmn(proc)
    out = browser.evaluate(f"render({json.dumps(xml)})")
    assert "error" not in out, out
    assert out["warnings"] == [], "bpmn-js import warnings"
    check_labels(out["labels"])
    x, y, w, h = pool_bounds(xml)
    width, height = int(w) + 2 * MARGIN, int(h) + 2 * MARGIN
    browser.viewport(width, height)
    zoom = browser.evaluate(f"frame({x - MARGIN}, {y - MARGIN}, {width}, {height})")
    assert zoom == pytest.approx(1, abs=0.01)  # drawn at its own size, one px per unit
    png = browser.screenshot(width, height)
    assert png.startswith(b"\x89PNG")
    (screenshots / f"{request.node.callspec.id}.png").write_bytes(png)
    # the modeler round trip: import, save, import again
    saved = out["saved"]
    assert element_ids(saved) == element_ids(xml)
    with warnings.catch_warnings():
        warnings.simplefilter("error", BpmnImportWarning)
        again = ps.loads(saved, "bpmn")
    assert again == proc


def test_the_browser_sees_a_broken_label(browser: Chromium) -> None:
    """The label check can fail: a long name in a box shrunk back to 100 x 80 is caught."""
    proc = ps.Process.model_validate({
        "levels": ["l"], "roles": [{"id": "r", "level": "l"}],
        "steps": [{"id": "a", "role": "r", "name": "Verify the documents " * 6}]})
    xml = dumps_bpmn(proc)
    shrunk, n = re.subn(r'(bpmnElement="a">\s*<dc:Bounds x="[^"]*" y="[^"]*") width="[^"]*" '
                        r'height="[^"]*"', r'\1 width="100" height="80"', xml)
    assert n == 1
    out = browser.evaluate(f"render({json.dumps(shrunk)})")
    check_labels([lab for lab in out["labels"] if lab["id"] != "a"])  # the titles still fit
    with pytest.raises(AssertionError, match="spills out"):
        check_labels(out["labels"])


def test_the_browser_reports_import_warnings(browser: Chromium) -> None:
    """The warning check can fail: a diagram shape for an element that does not exist."""
    proc = ps.Process.model_validate({
        "levels": ["l"], "roles": [{"id": "r", "level": "l"}], "steps": [{"id": "a", "role": "r"}]})
    xml = dumps_bpmn(proc).replace('bpmnElement="a"', 'bpmnElement="missing"')
    out = browser.evaluate(f"render({json.dumps(xml)})")
    assert any("missing" in w for w in out["warnings"]), out["warnings"]
