"""Parse untrusted XML safely with the standard library.

Process files come from other people's tools and mailboxes, so the parser
refuses what XML attacks need before expat sees the document: a document
type declaration (``<!DOCTYPE``, where entities are declared: "billion
laughs" expansion, external entities reading ``file://`` or fetching
``http://``) is rejected outright, as is anything larger than
:data:`procsimp.io.base.MAX_BYTES` (the limit of every process file) or nested
deeper than :data:`MAX_DEPTH`. Nothing is
expanded and nothing is fetched. Every failure is a
:class:`~procsimp.FileFormatError` naming the source.

The guard reads the document exactly as the parser will: the bytes are
decoded here, once, by the rules of XML 1.0 Appendix F (a byte-order mark,
else the pattern of the first four bytes, which tells UTF-16 and UTF-32
without a mark from UTF-8, else the ``encoding=`` of the declaration), the
decoded text is searched for declarations, and expat is handed that same
text re-encoded as UTF-8 with its encoding fixed, so it cannot read the
bytes any other way. Expat itself is also told to refuse a DOCTYPE or an
entity declaration, should one ever reach it.
"""

from __future__ import annotations

import codecs
import re
import xml.etree.ElementTree as ET
from typing import NoReturn
from xml.parsers import expat

from procsimp.errors import FileFormatError
from procsimp.io import base

__all__ = ["MAX_DEPTH", "detect_encoding", "parse_xml"]

#: Deepest element nesting accepted (BPMN files nest a dozen levels at most).
MAX_DEPTH = 200

_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_DECLARED_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_FORBIDDEN = re.compile(r"<!(DOCTYPE|ENTITY)", re.IGNORECASE)

# XML 1.0 Appendix F: a byte-order mark, else the first four bytes of "<?xm" as each
# encoding writes them (longest marks first: the UTF-32 LE mark starts with UTF-16 LE's)
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
         (codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
         (codecs.BOM_UTF16_BE, "utf-16-be"))
_PATTERNS = ((b"\x00\x00\x00\x3c", "utf-32-be"), (b"\x3c\x00\x00\x00", "utf-32-le"),
             (b"\x00\x3c\x00\x3f", "utf-16-be"), (b"\x3c\x00\x3f\x00", "utf-16-le"),
             (b"\x00\x00\x3c\x00", "utf-32"), (b"\x00\x3c\x00\x00", "utf-32"),
             (b"\x4c\x6f\xa7\x94", "cp500"))


def detect_encoding(raw: bytes, source: str = "<bytes>") -> tuple[str, int]:
    """The encoding an XML document is written in, and the length of its byte-order mark.

    >>> detect_encoding('<?xml version="1.0"?><a/>'.encode("utf-16-le"))
    ('utf-16-le', 0)
    >>> detect_encoding(b'\\xef\\xbb\\xbf<a/>')
    ('utf-8', 3)
    >>> detect_encoding(b'<?xml version="1.0" encoding="ISO-8859-1"?><a/>')
    ('iso8859-1', 0)
    """
    for bom, name in _BOMS:
        if raw.startswith(bom):
            return name, len(bom)
    for pattern, name in _PATTERNS:
        if raw.startswith(pattern):
            if name in ("utf-32", "cp500"):
                raise FileFormatError(f"{source}: the XML is in an unusual byte order or in "
                                      f"EBCDIC, which process files never use; save it as "
                                      f"UTF-8")
            return name, 0
    declared = _DECLARED_ENCODING.match(raw[:1024])
    if declared is None:
        return "utf-8", 0
    label = declared.group(1).decode("ascii")
    try:
        info = codecs.lookup(label)
    except LookupError:
        raise FileFormatError(f"{source}: the XML declares encoding {label!r}, which is not "
                              f"known; save the file as UTF-8") from None
    # the first bytes read as ASCII, so the declared encoding must read them the same way
    if not _ascii_compatible(info.name):
        raise FileFormatError(f"{source}: the XML declares encoding {label!r}, but its bytes "
                              f"are not in that encoding; save the file as UTF-8")
    return info.name, 0


def _ascii_compatible(encoding: str) -> bool:
    probe = '<?xml version="1.0" encoding="x"?>'
    try:
        return probe.encode(encoding) == probe.encode("ascii")
    except (UnicodeError, LookupError):
        return False


def _decode(raw: bytes, source: str) -> str:
    encoding, skip = detect_encoding(raw, source)
    try:
        return raw[skip:].decode(encoding)
    except UnicodeDecodeError as exc:
        raise FileFormatError(f"{source}: not {encoding.upper()} text ({exc.reason} at byte "
                              f"{exc.start + skip}); save the file as UTF-8") from None


def parse_xml(data: bytes | str, source: str = "<string>") -> ET.Element:
    """Parse an XML document from bytes or text, refusing DTDs, entities and huge input.

    >>> parse_xml(b"<a><b/></a>").tag
    'a'
    >>> parse_xml('<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>', "bomb.xml")
    Traceback (most recent call last):
    ...
    procsimp.errors.FileFormatError: bomb.xml: the XML declares a DOCTYPE ...
    """
    if len(data) > base.MAX_BYTES:
        raise FileFormatError(f"{source}: {len(data)} bytes is too large for a process file "
                              f"(limit {base.MAX_BYTES})")
    text = _decode(data, source) if isinstance(data, bytes) else data
    if _FORBIDDEN.search(text):
        raise FileFormatError(f"{source}: the XML declares a DOCTYPE or ENTITY, which process "
                              f"files never need and XML attacks use (entity expansion, "
                              f"external files); remove the declaration")
    if "\x00" in text:
        raise FileFormatError(f"{source}: the XML holds NUL characters, which XML forbids; it "
                              f"may be in another encoding than it says: save it as UTF-8")
    # the text is decoded: drop the declaration so its encoding= cannot mislead expat, which
    # is handed this very text as UTF-8
    text = _DECLARATION.sub("", text, count=1)
    if not text.strip():
        raise FileFormatError(f"{source}: the file is empty; expected a BPMN 2.0 XML document")
    try:
        encoded = text.encode("utf-8")
    except UnicodeEncodeError:
        raise FileFormatError(f"{source}: the XML holds text that is not valid Unicode (a lone "
                              f"surrogate); save the file as UTF-8") from None
    builder = _Builder(source)
    parser = builder.parser
    try:
        parser.Parse(encoded, True)
    except expat.ExpatError as exc:
        raise FileFormatError(f"{source}: malformed XML (line {exc.lineno}, column "
                              f"{exc.offset + 1}): {expat.ErrorString(exc.code)}; the file may "
                              f"be truncated or not XML") from None
    except RecursionError:
        raise FileFormatError(f"{source}: elements nested too deep") from None
    root = builder.close()
    if not isinstance(root, ET.Element):
        raise FileFormatError(f"{source}: no XML element found")
    return root


def _name(raw: str) -> str:
    # expat writes a namespaced name as "uri}local"; ElementTree's form is "{uri}local"
    return "{" + raw if "}" in raw else raw


def dtd_refused(source: str, what: str) -> FileFormatError:
    """The error for a document that declares a DOCTYPE or ENTITY."""
    return FileFormatError(f"{source}: the XML declares a DOCTYPE or ENTITY, which {what} "
                           f"never need and XML attacks use; remove the declaration")


def hardened_parser(source: str, what: str, *,
                    namespace_separator: str | None = None) -> expat.XMLParserType:
    """An expat parser that never reads a DTD: a DOCTYPE, an entity declaration or an external
    entity raises :class:`~procsimp.FileFormatError` naming ``source`` (``what`` says which
    files never need one, e.g. "event logs"). The one place these XML rules are set."""

    def refuse(*_: object) -> NoReturn:
        raise dtd_refused(source, what)

    parser = expat.ParserCreate("utf-8", namespace_separator)
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse
    return parser


class _Builder:
    """Expat wired to an ElementTree builder, refusing DTDs and deep nesting."""

    def __init__(self, source: str) -> None:
        self._source = source
        self._depth = 0
        self._tree = ET.TreeBuilder()
        # the DTD handlers are a second line of defence: the text guard already refused them
        parser = hardened_parser(source, "process files", namespace_separator="}")
        parser.buffer_text = True
        parser.StartElementHandler = self._start
        parser.EndElementHandler = self._end
        parser.CharacterDataHandler = self._tree.data
        self.parser = parser

    def _start(self, tag: str, attrs: dict[str, str]) -> None:
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise FileFormatError(f"{self._source}: elements nested more than {MAX_DEPTH} deep")
        self._tree.start(_name(tag), {_name(k): v for k, v in attrs.items()})

    def _end(self, tag: str) -> None:
        self._depth -= 1
        self._tree.end(_name(tag))

    def close(self) -> ET.Element | None:
        try:
            return self._tree.close()
        except AssertionError:  # no element at all
            return None
