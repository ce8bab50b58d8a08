"""The report as PDF: the same HTML page, printed by a headless Chromium.

procsimp prints the report's HTML with the browser already on most machines
(Chromium, Google Chrome or Microsoft Edge, run headless with ``--print-to-pdf``), so
the PDF is the very page the HTML shows, with its print rules (A4, page breaks
before the big sections). The browser is found on ``PATH`` (``chromium``,
``chromium-browser``, ``google-chrome``, ``google-chrome-stable``, ``chrome``,
``msedge``) or named by the environment variable ``PROCSIMP_CHROMIUM``. The browser
runs with every host name unresolvable, so the page cannot reach the network (it
needs nothing from it). The PDF is written to a temporary file and renamed into
place: a failed print leaves no half-written file and an older PDF untouched.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from procsimp.errors import MissingDependencyError, ProcsimpError
from procsimp.io.base import write_atomic

#: Browser executables tried, in order, when ``PROCSIMP_CHROMIUM`` is not set.
BROWSERS: tuple[str, ...] = ("chromium", "chromium-browser", "google-chrome",
                             "google-chrome-stable", "chrome", "msedge")
#: Seconds the browser may take to print one report.
TIMEOUT = 180


def find_browser() -> str | None:
    """The Chromium-family browser procsimp prints with, or None."""
    named = os.environ.get("PROCSIMP_CHROMIUM")
    if named:
        return shutil.which(named) or (named if Path(named).is_file() else None)
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    return None


def browser_flags(profile: Path) -> list[str]:
    """Flags of a headless run that keeps to the local file (no network, no profile left)."""
    flags = ["--headless", "--disable-gpu", "--no-first-run", "--no-default-browser-check",
             "--disable-extensions", "--disable-background-networking", "--disable-sync",
             "--metrics-recording-only", "--mute-audio", f"--user-data-dir={profile}",
             "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost",
             "--proxy-server=http://127.0.0.1:9", "--proxy-bypass-list=<-loopback>"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        flags.append("--no-sandbox")  # Chromium refuses to run as root with its sandbox
    return flags


def print_pdf(html_text: str, path: Path) -> None:
    """Print ``html_text`` to the PDF ``path`` with a headless Chromium (atomically)."""
    browser = find_browser()
    if browser is None:
        raise MissingDependencyError(
            f"{path}: writing a PDF needs Chromium, Google Chrome or Microsoft Edge, and none "
            f"was found (tried {', '.join(BROWSERS)} on PATH); install one (Debian/Ubuntu: "
            f"`apt-get install chromium`), name it in the environment variable "
            f"PROCSIMP_CHROMIUM, or write the report as .html and print it from a browser")
    with tempfile.TemporaryDirectory(prefix="procsimp-report-") as tmp:
        folder = Path(tmp)
        page = folder / "report.html"
        page.write_text(html_text, encoding="utf-8")
        out = folder / "report.pdf"
        command = [browser, *browser_flags(folder / "profile"), "--no-pdf-header-footer",
                   f"--print-to-pdf={out}", page.as_uri()]
        try:
            done = subprocess.run(command, capture_output=True, timeout=TIMEOUT, check=False)
        except (OSError, subprocess.SubprocessError) as exc:
            raise ProcsimpError(f"{path}: the browser {browser} could not print the report "
                                f"({type(exc).__name__}: {exc}); nothing was written") from None
        if not out.is_file() or out.read_bytes()[:5] != b"%PDF-":
            tail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
            raise ProcsimpError(f"{path}: the browser {browser} printed no PDF (exit "
                                f"{done.returncode}: {' / '.join(tail) or 'no message'}); "
                                f"nothing was written")
        write_atomic(path, out.read_bytes())


__all__ = ["BROWSERS", "TIMEOUT", "browser_flags", "find_browser", "print_pdf"]
