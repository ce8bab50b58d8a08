"""A streaming XES reader (IEEE 1849) under the hardened XML rules of BPMN.

The file is read in chunks and handed to expat as it comes, so a large log never has
to fit in memory as a tree: only the events' columns grow. The rules are those of
:mod:`procsimp.io.xmlsafe`: the encoding is detected by XML 1.0 Appendix F
(:func:`~procsimp.io.xmlsafe.detect_encoding`), every chunk of decoded text is searched
for a DOCTYPE or ENTITY declaration (entity bombs, external entities), which is
refused, and expat is handed the decoded text as UTF-8 with parameter entities off
and declaration handlers that refuse, should one ever reach it. Nesting is bounded.

Trace attributes become ``case:``-prefixed columns; event attributes keep their keys
(``concept:name``, ``time:timestamp``, ``lifecycle:transition``, ...).
"""

from __future__ import annotations

import codecs
import gzip
import re
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any
from xml.parsers import expat

from procsimp.errors import FileFormatError
from procsimp.io.xmlsafe import MAX_DEPTH, detect_encoding, dtd_refused, hardened_parser
from procsimp.render import require

if TYPE_CHECKING:
    import pandas

#: Bytes read per chunk.
CHUNK = 1 << 20
_FORBIDDEN = re.compile(r"<!(DOCTYPE|ENTITY)", re.IGNORECASE)
_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_TYPES = {"string", "date", "int", "float", "boolean", "id"}


class _Reader:
    def __init__(self, source: str) -> None:
        self.source = source
        self.depth = 0
        self.in_trace = False
        self.in_event = False
        self.attr_depth = 0  # depth of attribute nesting inside an event or trace
        self.trace: dict[str, Any] = {}
        self.event: dict[str, Any] = {}
        self.rows: dict[str, list[Any]] = {}
        self.n = 0
        p = hardened_parser(source, "event logs")
        p.StartElementHandler = self.start
        p.EndElementHandler = self.end
        self.parser = p

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise FileFormatError(f"{self.source}: elements nested more than {MAX_DEPTH} deep")
        local = tag.rsplit(":", 1)[-1]
        if local == "trace" and not self.in_trace:
            self.in_trace, self.trace = True, {}
        elif local == "event" and self.in_trace and not self.in_event:
            self.in_event, self.event = True, {}
        elif local in _TYPES or local in ("list", "container"):
            self.attr_depth += 1
            if self.attr_depth == 1 and local in _TYPES and "key" in attrs:
                value = attrs.get("value")
                if self.in_event:
                    self.event[attrs["key"]] = value
                elif self.in_trace:
                    self.trace["case:" + attrs["key"]] = value

    def end(self, tag: str) -> None:
        self.depth -= 1
        local = tag.rsplit(":", 1)[-1]
        if local in _TYPES or local in ("list", "container"):
            self.attr_depth -= 1
        elif local == "event" and self.in_event:
            self.in_event = False
            self.event.update(self.trace)  # trace attributes seen before this event
            self._add(self.event)
        elif local == "trace" and self.in_trace:
            self.in_trace = False
            self._fill_trace()

    def _add(self, row: dict[str, Any]) -> None:
        for key in row.keys() - self.rows.keys():
            self.rows[key] = [None] * self.n
        for key, column in self.rows.items():
            column.append(row.get(key))
        self.n += 1
        self.trace_rows = getattr(self, "trace_rows", 0) + 1

    def _fill_trace(self) -> None:
        # trace attributes written after some events: give them to the trace's events
        k = getattr(self, "trace_rows", 0)
        for key, value in self.trace.items():
            column = self.rows.setdefault(key, [None] * self.n)
            for i in range(self.n - k, self.n):
                if column[i] is None:
                    column[i] = value
        self.trace_rows = 0


def _open(path: Path) -> IO[bytes]:
    with path.open("rb") as fh:
        magic = fh.read(2)
    if magic == b"\x1f\x8b":
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return path.open("rb")


def read_xes(path: str | Path) -> pandas.DataFrame:
    """The events of an XES file as a DataFrame, one row per event (see the module)."""
    pd = require("pandas", "read_log (XES)")
    path = Path(path)
    name = str(path)
    reader = _Reader(name)
    try:
        with _open(path) as fh:
            head = fh.read(CHUNK)
            if not head.strip():
                raise FileFormatError(f"{name}: the file is empty; expected an XES log")
            encoding, skip = detect_encoding(head[:4096], name)
            decoder = codecs.getincrementaldecoder(encoding)()
            tail = ""
            first = True
            chunk = head[skip:]
            while True:
                final = len(chunk) == 0
                try:
                    text = decoder.decode(chunk, final=final)
                except UnicodeDecodeError as exc:
                    raise FileFormatError(f"{name}: not {encoding.upper()} text "
                                          f"({exc.reason}); save the file as UTF-8") from None
                window = tail + text
                if _FORBIDDEN.search(window):
                    raise dtd_refused(name, "event logs")
                tail = window[-16:]
                if first:
                    text = _DECLARATION.sub("", text, count=1)
                    first = False
                if "\x00" in text:
                    raise FileFormatError(f"{name}: the XML holds NUL characters; it may be "
                                          f"in another encoding than it says")
                reader.parser.Parse(text.encode("utf-8"), final)
                if final:
                    break
                chunk = fh.read(CHUNK)
    except expat.ExpatError as exc:
        raise FileFormatError(f"{name}: malformed XML (line {exc.lineno}, column "
                              f"{exc.offset + 1}): {expat.ErrorString(exc.code)}") from None
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise FileFormatError(f"{name}: cannot read the XES file ({exc})") from None
    if reader.n == 0:
        raise FileFormatError(f"{name}: no events found; expected <trace><event>... in XES")
    return pd.DataFrame(reader.rows)


__all__ = ["CHUNK", "read_xes"]
