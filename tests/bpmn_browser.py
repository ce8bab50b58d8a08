"""bpmn-js in headless Chromium, driven over the DevTools protocol with the standard library.

One browser for the whole test session: :class:`Chromium` starts ``chromium --headless``
with ``--remote-debugging-port=0``, reads the port it chose, and talks to its page over a
minimal WebSocket client (RFC 6455: masked text frames out, unmasked frames in). The page
loads bpmn-js's production bundle (``bpmn-modeler.production.min.js``) from npm, so the
files are read exactly as bpmn.io reads them.

bpmn-js comes from ``BPMNJS_DIR`` (a directory holding ``node_modules/bpmn-js``) or
``tests/.bpmnjs`` (ignored by git), where :func:`bpmnjs_dist` installs the pinned version
with npm when it is missing.
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
from typing import Any

#: The bpmn-js release the browser test runs (npm), pinned so a new release cannot fail CI.
BPMNJS_VERSION = "18.31.1"
CACHE = Path(__file__).resolve().parent / ".bpmnjs"


def chromium_binary() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


class NoNpmError(RuntimeError):
    """bpmn-js is not installed and there is no npm to install it."""


def bpmnjs_dist() -> Path:
    """The ``dist`` directory of bpmn-js, installed with npm into ``tests/.bpmnjs`` if need be."""
    root = Path(os.environ.get("BPMNJS_DIR") or CACHE)
    dist = root / "node_modules" / "bpmn-js" / "dist"
    if not (dist / "bpmn-modeler.production.min.js").is_file():
        npm = shutil.which("npm")
        if npm is None:
            raise NoNpmError(f"bpmn-js is not in {root} and npm (Node.js) is not installed "
                             f"to fetch it (Debian: apt-get install nodejs npm)")
        root.mkdir(parents=True, exist_ok=True)
        done = subprocess.run([npm, "install", "--prefix", str(root), "--no-audit", "--no-fund",
                               "--silent", f"bpmn-js@{BPMNJS_VERSION}"],
                              timeout=300, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"npm could not install bpmn-js@{BPMNJS_VERSION} into {root} "
                               f"(exit {done.returncode}): {done.stderr[-2000:]}")
    return dist


class DevToolsError(RuntimeError):
    """The browser answered a command with an error, or a page script threw."""


class _WebSocket:
    """Just enough of a WebSocket client for the DevTools protocol."""

    def __init__(self, url: str, timeout: float) -> None:
        m = re.fullmatch(r"ws://([^:/]+):(\d+)(/.*)", url)
        if m is None:
            raise ValueError(f"not a ws:// URL: {url}")
        host, port, path = m.group(1), int(m.group(2)), m.group(3)
        self.sock = socket.create_connection((host, port), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
                           f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                           f"Sec-WebSocket-Version: 13\r\n\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError("the browser closed the connection during the handshake")
            head += chunk
        status = head.split(b"\r\n", 1)[0]
        if b" 101 " not in status:
            raise ConnectionError(f"WebSocket handshake refused: {status!r}")
        self.buffer = head.split(b"\r\n\r\n", 1)[1]

    def _read(self, n: int) -> bytes:
        while len(self.buffer) < n:
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                raise ConnectionError("the browser closed the connection")
            self.buffer += chunk
        out, self.buffer = self.buffer[:n], self.buffer[n:]
        return out

    def send(self, text: str) -> None:
        payload = text.encode("utf-8")
        n = len(payload)
        header = bytes([0x81])  # FIN, text frame
        if n < 126:
            header += bytes([0x80 | n])
        elif n < 1 << 16:
            header += bytes([0x80 | 126]) + struct.pack(">H", n)
        else:
            header += bytes([0x80 | 127]) + struct.pack(">Q", n)
        mask = os.urandom(4)
        keys = (mask * (n // 4 + 1))[:n]
        masked = (int.from_bytes(payload, "big") ^ int.from_bytes(keys, "big")).to_bytes(n, "big")
        self.sock.sendall(header + mask + masked)

    def receive(self) -> str:
        message = b""
        while True:
            b0, b1 = self._read(2)
            opcode, n = b0 & 0x0F, b1 & 0x7F
            if n == 126:
                (n,) = struct.unpack(">H", self._read(2))
            elif n == 127:
                (n,) = struct.unpack(">Q", self._read(8))
            mask = self._read(4) if b1 & 0x80 else b""
            data = self._read(n)
            if mask:  # servers do not mask; undone anyway, for a non-conforming one
                keys = (mask * (n // 4 + 1))[:n]
                data = (int.from_bytes(data, "big") ^ int.from_bytes(keys, "big")).to_bytes(
                    n, "big")
            if opcode == 0x8:
                raise ConnectionError("the browser closed the DevTools connection")
            if opcode == 0x9:  # ping: answer, then go on reading
                continue
            message += data
            if b0 & 0x80:
                return message.decode("utf-8")

    def close(self) -> None:
        self.sock.close()


class Chromium:
    """A headless Chromium with one page, and :meth:`call` / :meth:`evaluate` on it."""

    def __init__(self, binary: str, timeout: float = 60.0) -> None:
        self.timeout = timeout
        self.profile = tempfile.mkdtemp(prefix="procsimp-chromium-")
        self.log = Path(self.profile) / "chromium.log"  # a file: a full pipe would block it
        with self.log.open("wb") as log:
            self.proc = subprocess.Popen(
                [binary, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-extensions", "--disable-dev-shm-usage", "--hide-scrollbars",
                 "--font-render-hinting=none",
                 "--remote-debugging-port=0", f"--user-data-dir={self.profile}", "about:blank"],
                stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        self.next_id = 0
        try:
            port = self._port()
            self.ws = _WebSocket(self._page_url(port), timeout)
        except BaseException:
            self.close()
            raise

    def _port(self) -> int:
        """The port Chromium chose, from its ``DevToolsActivePort`` file."""
        marker = Path(self.profile) / "DevToolsActivePort"
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                err = self.log.read_text(errors="replace")[-2000:]
                raise RuntimeError(f"chromium exited with {self.proc.returncode}: {err}")
            if marker.is_file():
                first = marker.read_text().split("\n", 1)[0].strip()
                if first.isdigit():
                    return int(first)
            time.sleep(0.05)
        raise TimeoutError("chromium did not open its DevTools port")

    def _page_url(self, port: int) -> str:
        deadline = time.monotonic() + self.timeout
        while True:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list",
                                        timeout=self.timeout) as reply:
                targets = json.load(reply)
            pages = [t for t in targets if t.get("type") == "page"]
            if pages:
                return str(pages[0]["webSocketDebuggerUrl"])
            if time.monotonic() > deadline:
                raise TimeoutError("chromium opened no page")
            time.sleep(0.05)

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        self.next_id += 1
        mine = self.next_id
        self.ws.send(json.dumps({"id": mine, "method": method, "params": params}))
        while True:
            reply = json.loads(self.ws.receive())
            if reply.get("id") == mine:
                if "error" in reply:
                    raise DevToolsError(f"{method}: {reply['error']}")
                return dict(reply.get("result", {}))

    def evaluate(self, expression: str) -> Any:
        """The value of a page expression (awaited when it is a promise)."""
        out = self.call("Runtime.evaluate", expression=expression, awaitPromise=True,
                        returnByValue=True)
        if "exceptionDetails" in out:
            details = out["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details.get("text")
            raise DevToolsError(f"page script failed: {text}")
        return out.get("result", {}).get("value")

    def open(self, path: Path) -> None:
        """Load a page and wait until its scripts have run."""
        self.call("Page.enable")
        self.call("Page.navigate", url=path.as_uri())
        deadline = time.monotonic() + self.timeout
        while self.evaluate("document.readyState") != "complete" or \
                not self.evaluate("typeof window.BpmnJS === 'function'"):
            if time.monotonic() > deadline:
                raise TimeoutError(f"{path} did not load bpmn-js")
            time.sleep(0.05)

    def viewport(self, width: int, height: int) -> None:
        """Make the page ``width`` x ``height`` CSS pixels (one device pixel each)."""
        self.call("Emulation.setDeviceMetricsOverride", width=width, height=height,
                  deviceScaleFactor=1, mobile=False)

    def screenshot(self, width: int, height: int) -> bytes:
        """A PNG of the page's top-left ``width`` x ``height`` CSS pixels."""
        shot = self.call("Page.captureScreenshot", format="png",
                         clip={"x": 0, "y": 0, "width": width, "height": height, "scale": 1})
        return base64.b64decode(shot["data"])

    def close(self) -> None:
        ws = getattr(self, "ws", None)
        if ws is not None:
            ws.close()
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.profile, ignore_errors=True)


#: The page: bpmn-js's Modeler (palette hidden, so screenshots show the whole diagram) and
#: two functions the test calls, ``render(xml)`` and ``frame(x, y, width, height)``.
PAGE = """<!doctype html>
<html><head><meta charset="utf-8">
<link rel="stylesheet" href="{dist}/assets/diagram-js.css">
<link rel="stylesheet" href="{dist}/assets/bpmn-js.css">
<link rel="stylesheet" href="{dist}/assets/bpmn-font/css/bpmn.css">
<style>
html, body {{ margin: 0; padding: 0; background: #fff; overflow: hidden; }}
#canvas {{ position: absolute; left: 0; top: 0; width: 100vw; height: 100vh; }}
.djs-palette {{ display: none; }}
</style>
<script src="{dist}/bpmn-modeler.production.min.js"></script>
</head><body><div id="canvas"></div>
<script>
let modeler = null;
const message = (w) => String((w && w.message) || w);
window.render = async function (xml) {{
  if (modeler) modeler.destroy();
  modeler = new BpmnJS({{ container: '#canvas' }});
  let warnings;
  try {{
    warnings = (await modeler.importXML(xml)).warnings.map(message);
  }} catch (err) {{
    return {{ error: message(err), warnings: (err.warnings || []).map(message) }};
  }}
  const registry = modeler.get('elementRegistry');
  const labels = [];
  registry.forEach((el) => {{
    if (el.waypoints || el.labelTarget || !el.parent) return;  // flows, outer labels, root
    const text = registry.getGraphics(el).querySelector(':scope > .djs-visual text');
    if (!text || !text.textContent.trim()) return;
    const b = text.getBBox();
    const lines = Array.from(text.querySelectorAll('tspan'), (t) => t.textContent);
    labels.push({{ id: el.id, type: el.type, width: el.width, height: el.height,
                  x: b.x, y: b.y, w: b.width, h: b.height, text: text.textContent,
                  name: el.businessObject.name || '', lines }});
  }});
  const saved = (await modeler.saveXML({{ format: true }})).xml;
  return {{ warnings, labels, saved }};
}};
window.frame = function (x, y, width, height) {{
  const canvas = modeler.get('canvas');
  canvas.resized();
  canvas.viewbox({{ x, y, width, height }});
  return canvas.zoom();
}};
</script></body></html>
"""


def write_page(directory: Path, dist: Path) -> Path:
    page = directory / "bpmnjs.html"
    page.write_text(PAGE.format(dist=dist.as_uri()), encoding="utf-8")
    return page


if __name__ == "__main__":  # .ci/run installs bpmn-js before the tests run
    print(bpmnjs_dist())
