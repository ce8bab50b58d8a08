"""Parse untrusted XML safely with the standard library.

Process files come from other people's tools and mailboxes, so the parser
refuses what XML attacks need before expat sees the document: a document
type declaration (``<!DOCTYPE``, where entities are declared: "billion
laughs" expansion, external entities reading ``file://`` or fetching
``http://``) is rejected outright, as is anything larger than
:data:`MAX_BYTES` or nested deeper than :data:`MAX_DEPTH`. Nothing is
expanded and nothing is fetched. Every failure is a
:class:`~procsimp.FileFormatError` naming the source.
"""

from __future__ import annotations

import codecs
import re
import xml.etree.ElementTree as ET

from procsimp.errors import FileFormatError

#: Largest XML document accepted, in bytes (a process model is rarely above a few MB).
MAX_BYTES = 64 * 1024 * 1024
#: Deepest element nesting accepted (BPMN files nest a dozen levels at most).
MAX_DEPTH = 200

_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_FORBIDDEN = re.compile(r"<!(DOCTYPE|ENTITY)", re.IGNORECASE)


def _decode(raw: bytes, source: str) -> str:
    if raw.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    elif raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    else:
        encoding = "utf-8"
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as exc:
        raise FileFormatError(f"{source}: not {encoding.upper()} text ({exc.reason} at byte "
                              f"{exc.start}); save the file as UTF-8") from None


def parse_xml(data: bytes | str, source: str = "<string>") -> ET.Element:
    """Parse an XML document from bytes or text, refusing DTDs, entities and huge input.

    >>> parse_xml(b"<a><b/></a>").tag
    'a'
    >>> parse_xml('<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>', "bomb.xml")
    Traceback (most recent call last):
    ...
    procsimp.errors.FileFormatError: bomb.xml: the XML declares a DOCTYPE ...
    """
    if len(data) > MAX_BYTES:
        raise FileFormatError(f"{source}: {len(data)} bytes is too large for a process file "
                              f"(limit {MAX_BYTES})")
    text = _decode(data, source) if isinstance(data, bytes) else data
    if _FORBIDDEN.search(text):
        raise FileFormatError(f"{source}: the XML declares a DOCTYPE or ENTITY, which process "
                              f"files never need and XML attacks use (entity expansion, "
                              f"external files); remove the declaration")
    # the text is already decoded: drop the declaration so its encoding= cannot mislead expat
    text = _DECLARATION.sub("", text, count=1)
    if not text.strip():
        raise FileFormatError(f"{source}: the file is empty; expected a BPMN 2.0 XML document")
    parser = ET.XMLParser(target=_DepthLimitedBuilder(source))
    try:
        parser.feed(text)
        root = parser.close()
    except ET.ParseError as exc:
        line, column = exc.position
        raise FileFormatError(f"{source}: malformed XML (line {line}, column {column + 1}): "
                              f"{_reason(exc)}; the file may be truncated or not XML") from None
    except RecursionError:
        raise FileFormatError(f"{source}: elements nested too deep") from None
    if not isinstance(root, ET.Element):
        raise FileFormatError(f"{source}: no XML element found")
    return root


def _reason(exc: ET.ParseError) -> str:
    return str(exc).split(":")[0]


class _DepthLimitedBuilder(ET.TreeBuilder):
    """Tree builder that refuses elements nested deeper than :data:`MAX_DEPTH`."""

    def __init__(self, source: str) -> None:
        super().__init__()
        self._source = source
        self._depth = 0

    def start(self, tag: str, attrs: dict[str, str]) -> ET.Element:  # type: ignore[override]
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise FileFormatError(f"{self._source}: elements nested more than {MAX_DEPTH} deep")
        return super().start(tag, attrs)

    def end(self, tag: str) -> ET.Element:  # type: ignore[override]
        self._depth -= 1
        return super().end(tag)
