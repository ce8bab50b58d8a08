"""The report in a real headless browser and as printed PDF pages.

For each example (English and Indonesian) the HTML report is opened in Debian's
Chromium, driven over the DevTools protocol (a small websocket client written here):
a screenshot of each screen-sized page, no console message or exception, no request
for anything but the file itself, and the answer on the first screen (1280 x 800).
Its PDF is converted to PNG pages by poppler's ``pdftoppm`` and its text read by
``pdftotext``: every section's heading is there, in the report's language.

The tests skip, saying why, when Chromium or poppler is not installed (CI installs
them: see ``.ci/run``).
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import socket
import struct
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

import procsimp as ps
from procsimp.reporting.i18n import TEXT
from procsimp.reporting.pdf import browser_flags, find_browser

EXAMPLES = ("outgoing_letter", "building_approval", "business_licence")
LANGS = ("en", "id")
N = 1000  # simulated cases: the least without a precision warning; the suite stays fast
VIEWPORT = (1280, 800)

BROWSER = find_browser()
needs_browser = pytest.mark.skipif(BROWSER is None, reason="Chromium is not installed "
                                   "(Debian: apt-get install chromium); CI installs it")
needs_poppler = pytest.mark.skipif(shutil.which("pdftoppm") is None
                                   or shutil.which("pdftotext") is None,
                                   reason="poppler-utils (pdftoppm, pdftotext) is not installed "
                                   "(Debian: apt-get install poppler-utils); CI installs it")


# --- a minimal DevTools client: websocket frames over a plain socket ----------------------

class DevTools:
    """One page target of a headless Chromium, spoken to over its websocket."""

    def __init__(self, ws_url: str) -> None:
        m = re.match(r"ws://([^:/]+):(\d+)(/.*)", ws_url)
        assert m, ws_url
        self.sock = socket.create_connection((m.group(1), int(m.group(2))), timeout=60)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET {m.group(3)} HTTP/1.1\r\nHost: {m.group(1)}:{m.group(2)}\r\n"
                           f"Upgrade: websocket\r\nConnection: Upgrade\r\n"
                           f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
                           ).encode())
        head = b""
        while b"\r\n\r\n" not in head:
            head += self.sock.recv(1)
        assert b" 101 " in head.split(b"\r\n")[0], head
        self.next_id = 0
        self.events: list[dict] = []

    def _recv_exact(self, n: int) -> bytes:
        data = b""
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            if not chunk:
                raise ConnectionError("DevTools closed the connection")
            data += chunk
        return data

    def _recv_message(self) -> dict:
        payload = b""
        while True:
            b0, b1 = self._recv_exact(2)
            length = b1 & 0x7F
            if length == 126:
                length = struct.unpack(">H", self._recv_exact(2))[0]
            elif length == 127:
                length = struct.unpack(">Q", self._recv_exact(8))[0]
            payload += self._recv_exact(length)
            if b0 & 0x80:  # FIN
                return json.loads(payload)

    def send(self, method: str, **params) -> dict:
        self.next_id += 1
        data = json.dumps({"id": self.next_id, "method": method, "params": params}).encode()
        mask = os.urandom(4)
        header = bytes([0x81])
        if len(data) < 126:
            header += bytes([0x80 | len(data)])
        elif len(data) < 65536:
            header += bytes([0x80 | 126]) + struct.pack(">H", len(data))
        else:
            header += bytes([0x80 | 127]) + struct.pack(">Q", len(data))
        self.sock.sendall(header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))
        while True:
            message = self._recv_message()
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            self.events.append(message)

    def wait_for(self, event: str, timeout: float = 60) -> None:
        end = time.monotonic() + timeout
        while not any(e.get("method") == event for e in self.events):
            if time.monotonic() > end:
                raise TimeoutError(event)
            self.events.append(self._recv_message())


@pytest.fixture(scope="module")
def browser():
    """A headless Chromium with its DevTools port, network names unresolvable."""
    if BROWSER is None:
        pytest.skip("Chromium is not installed (Debian: apt-get install chromium)")
    profile = Path(tempfile.mkdtemp(prefix="procsimp-test-chromium-"))
    proc = subprocess.Popen([BROWSER, *browser_flags(profile), "--remote-debugging-port=0",
                             f"--window-size={VIEWPORT[0]},{VIEWPORT[1]}", "about:blank"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    port_file = profile / "DevToolsActivePort"
    for _ in range(300):
        if port_file.exists() and port_file.read_text().strip():
            break
        time.sleep(0.1)
    port = int(port_file.read_text().split()[0])
    yield port
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
    shutil.rmtree(profile, ignore_errors=True)


def open_page(port: int, url: str) -> tuple[DevTools, dict]:
    """A new tab showing ``url``; the DevTools client and the tab's description."""
    request = urllib.request.Request(f"http://127.0.0.1:{port}/json/new?about:blank",
                                     method="PUT")
    with urllib.request.urlopen(request, timeout=30) as answer:
        tab = json.loads(answer.read())
    tools = DevTools(tab["webSocketDebuggerUrl"])
    for domain in ("Page", "Runtime", "Log", "Network"):
        tools.send(f"{domain}.enable")
    tools.send("Emulation.setDeviceMetricsOverride", width=VIEWPORT[0], height=VIEWPORT[1],
               deviceScaleFactor=1, mobile=False)
    tools.events.clear()
    tools.send("Page.navigate", url=url)
    tools.wait_for("Page.loadEventFired")
    return tools, tab


# --- the reports, made once per example and language ---------------------------------------

@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    """(example, lang) -> the HTML report (made once, read by every test)."""
    folder = tmp_path_factory.mktemp("reports")
    made = {}
    for example in EXAMPLES:
        proc = ps.load(f"examples/{example}.yaml")
        result = ps.simplify(proc, "all")
        for lang in LANGS:
            made[example, lang] = ps.report(proc, result, folder / f"{example}_{lang}.html",
                                            lang=lang, n=N, currency="Rp")
    return made


@pytest.fixture(scope="module")
def pdfs(browser, reports, tmp_path_factory):
    """(example, lang) -> the report printed to PDF by the running browser.

    ``Page.printToPDF`` is what ``--print-to-pdf`` (``ps.report(..., "x.pdf")``) runs,
    here without starting a browser per file; ``test_report_writes_a_pdf`` covers the
    path through :func:`procsimp.report` itself.
    """
    folder = tmp_path_factory.mktemp("pdfs")
    made = {}
    for key, page in reports.items():
        tools, tab = open_page(browser, page.resolve().as_uri())
        try:
            printed = tools.send("Page.printToPDF", printBackground=True,
                                 preferCSSPageSize=True, displayHeaderFooter=False)
        finally:
            close(browser, tools, tab)
        made[key] = folder / f"{key[0]}_{key[1]}.pdf"
        made[key].write_bytes(base64.b64decode(printed["data"]))
    return made


def close(port: int, tools: DevTools, tab: dict) -> None:
    tools.sock.close()
    urllib.request.urlopen(f"http://127.0.0.1:{port}/json/close/{tab['id']}", timeout=30).close()


def headings(lang: str, example: str) -> list[str]:
    """The headings every report of this example must show, in ``lang``."""
    keys = ["question_heading", "answer_heading", "diagram_heading", "changes_heading",
            "kept_heading", "assumptions_heading", "calendar_heading", "method_heading"]
    return [TEXT[lang][k] for k in keys]


@needs_browser
@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("example", EXAMPLES)
def test_report_renders_in_chromium(browser, reports, example, lang, tmp_path):
    url = reports[example, lang].resolve().as_uri()
    tools, tab = open_page(browser, url)
    try:
        height = tools.send("Runtime.evaluate", returnByValue=True,
                            expression="document.documentElement.scrollHeight")["result"]["value"]
        shots = []
        for k in range(0, height, VIEWPORT[1]):
            shot = tools.send("Page.captureScreenshot", format="png", captureBeyondViewport=True,
                              clip={"x": 0, "y": k, "width": VIEWPORT[0],
                                    "height": min(VIEWPORT[1], height - k), "scale": 1})
            target = tmp_path / f"screen-{len(shots) + 1}.png"
            target.write_bytes(base64.b64decode(shot["data"]))
            shots.append(target)
        layout = tools.send("Runtime.evaluate", returnByValue=True, expression="""(() => {
            const box = id => { const e = document.getElementById(id);
                                return e ? e.getBoundingClientRect().bottom : null; };
            const cards = [...document.querySelectorAll('#answer .card')];
            return {answerBottom: box('answer'), sections: [...document.querySelectorAll(
                        'section')].map(s => s.id),
                    cards: cards.length,
                    lastCard: Math.max(...cards.map(c => c.getBoundingClientRect().bottom)),
                    svgText: [...document.querySelectorAll('svg')].map(
                        s => s.querySelectorAll('text').length),
                    title: document.title, lang: document.documentElement.lang,
                    h2: [...document.querySelectorAll('h2')].map(h => h.textContent)};
        })()""")["result"]["value"]
        events = list(tools.events)
    finally:
        close(browser, tools, tab)
    # a screenshot of every screen of the page, each a real PNG
    assert len(shots) >= 3 and all(s.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for s in shots)
    # nothing on the console, no exception
    console = [e for e in events if e.get("method") in ("Runtime.consoleAPICalled",
                                                        "Runtime.exceptionThrown",
                                                        "Log.entryAdded")]
    assert console == []
    # the only request is the file itself
    requested = [e["params"]["request"]["url"] for e in events
                 if e.get("method") == "Network.requestWillBeSent"]
    assert requested == [url]
    # the question and the whole answer fit on the first screen
    assert layout["cards"] >= 5 and layout["lastCard"] <= VIEWPORT[1]
    assert layout["lang"] == lang
    assert layout["sections"] == ["answer", "diagram", "changes", "kept", "assumptions",
                                  "calendar", "method"]
    for heading in headings(lang, example):
        assert heading in layout["h2"]
    # figures keep their words as text
    assert layout["svgText"] and all(count > 10 for count in layout["svgText"])


def external_references(text: str) -> list[str]:
    """URLs a page would fetch: in src/href attributes, CSS url() and @import."""
    found = re.findall(r"""(?:src|href|xlink:href)\s*=\s*["']([^"']*)["']""", text, re.I)
    found += re.findall(r"url\(\s*['\"]?([^'\")]*)", text, re.I)
    found += re.findall(r"@import\s+['\"]([^'\"]+)", text, re.I)
    return [u for u in found if not u.startswith("#")]


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("example", EXAMPLES)
def test_report_html_is_self_contained(reports, example, lang):
    text = reports[example, lang].read_text(encoding="utf-8")
    assert external_references(text) == []
    assert "<script" not in text.lower() and "<img" not in text.lower()
    assert not re.search(r"<link\b", text, re.I)


@needs_browser
@needs_poppler
@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("example", EXAMPLES)
def test_report_pdf_pages_hold_every_section(pdfs, example, lang, tmp_path):
    check_pdf(pdfs[example, lang], lang, example, tmp_path)


def check_pdf(pdf: Path, lang: str, example: str, tmp_path: Path) -> None:
    """PNG pages from pdftoppm; every heading in pdftotext's text; the answer on page 1."""
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(pdf), str(tmp_path / "page")],
                   check=True, capture_output=True, timeout=120)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) >= 3 and all(p.read_bytes()[:4] == b"\x89PNG" for p in pages)
    text = subprocess.run(["pdftotext", "-raw", str(pdf), "-"], check=True,
                          capture_output=True, timeout=120).stdout.decode("utf-8")
    flat = " ".join(text.split())
    for heading in headings(lang, example):
        assert heading in flat, heading
    # the first page gives the answer: every card's title (compared without spaces, as a
    # title may wrap inside its card, and pdftotext joins "rata-" + "rata" to "ratarata")
    def bare(words: str) -> str:
        return "".join(words.split()).replace("-", "")

    first = bare(text.split("\f")[0])
    for key in ("answer_heading", "card_layers", "card_mean", "card_p90", "card_cost"):
        assert bare(TEXT[lang][key]) in first, key


@needs_browser
@needs_poppler
def test_report_writes_a_pdf(tmp_path):
    proc = ps.load("examples/outgoing_letter.yaml")
    result = ps.simplify(proc, "delayering_2019")
    target = tmp_path / "letter.pdf"
    target.write_bytes(b"an older report")
    assert ps.report(proc, result, target, lang="id", n=1000) == target
    assert target.read_bytes()[:5] == b"%PDF-"
    assert [p.name for p in tmp_path.iterdir()] == ["letter.pdf"]  # no temporary left
    check_pdf(target, "id", "outgoing_letter", tmp_path)


@needs_browser
def test_the_checks_catch_a_page_that_logs_and_reaches_out(browser, tmp_path):
    """The same checks on a page that logs an error and asks the network for an image and a
    stylesheet: each is caught (so the checks above can fail)."""
    leaky = tmp_path / "leaky.html"
    leaky.write_text('<html><body><script>console.error("boom")</script>'
                     '<img src="http://example.com/x.png">'
                     '<link rel="stylesheet" href="https://cdn.example.org/a.css"></body></html>')
    tools, tab = open_page(browser, leaky.as_uri())
    try:
        tools.send("Runtime.evaluate", expression="document.readyState")
        events = list(tools.events)
    finally:
        close(browser, tools, tab)
    assert any(e.get("method") == "Runtime.consoleAPICalled" for e in events)
    requested = [e["params"]["request"]["url"] for e in events
                 if e.get("method") == "Network.requestWillBeSent"]
    assert "http://example.com/x.png" in requested
    assert external_references(leaky.read_text()) == ["http://example.com/x.png",
                                                      "https://cdn.example.org/a.css"]
