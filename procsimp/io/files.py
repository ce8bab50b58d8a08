"""Load and save processes: the table of formats and the dispatcher derived from it.

Each format is one :class:`~procsimp.io.base.Format` row in :data:`TABLE`
(its name, suffixes, reader or ``None``, writer and options). :func:`load`,
:func:`loads`, :func:`save`, :func:`dumps`, :data:`FORMATS` and every message
listing valid suffixes or formats are derived from it, so a format added with
:func:`register` is picked up everywhere. The formats import
:mod:`procsimp.io.base`, never this module.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from procsimp._checks import validated
from procsimp.errors import FileFormatError
from procsimp.io import bpmn, dot, mermaid
from procsimp.io.base import Format, read_bytes, write_atomic
from procsimp.io.data import JSON, YAML
from procsimp.io.tables import CSV_FORMAT, XLSX_FORMAT
from procsimp.model import Process, with_source

__all__ = ["EXPORT_ONLY", "FORMATS", "TABLE", "Format", "dumps", "format_named", "load", "loads",
           "register", "save", "unregister"]

#: The formats, in the order messages list them.
TABLE: list[Format] = [YAML, JSON, bpmn.FORMAT, CSV_FORMAT, XLSX_FORMAT, mermaid.FORMAT,
                       dot.FORMAT]
#: Suffixes :func:`load` and :func:`save` understand, and the format each selects.
FORMATS: dict[str, str] = {}
#: Formats :func:`save` writes but :func:`load` cannot read back (diagrams for people).
EXPORT_ONLY: frozenset[str] = frozenset()


def _rebuild() -> None:
    global EXPORT_ONLY
    FORMATS.clear()  # the same dict, so a caller holding it sees the change
    FORMATS.update({suffix: f.name for f in TABLE for suffix in f.suffixes})
    EXPORT_ONLY = frozenset(f.name for f in TABLE if not f.readable)


_rebuild()


def register(fmt: Format) -> None:
    """Add a format to the table (after the built-in ones), or replace one of that name.

    Its suffixes must not select another format already.
    """
    taken = {s: f.name for f in TABLE if f.name != fmt.name for s in f.suffixes}
    clash = [s for s in fmt.suffixes if s in taken]
    if clash:
        raise FileFormatError(f"cannot register format {fmt.name!r}: {', '.join(clash)} "
                              f"already selects {taken[clash[0]]!r}; unregister that first")
    for i, f in enumerate(TABLE):
        if f.name == fmt.name:
            TABLE[i] = fmt
            break
    else:
        TABLE.append(fmt)
    _rebuild()


def unregister(name: str) -> None:
    """Remove the format ``name`` from the table (no error if it is not there)."""
    TABLE[:] = [f for f in TABLE if f.name != name]
    _rebuild()


def _either(words: Iterable[str]) -> str:
    """``a, b or c``."""
    items = list(words)
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} or {items[-1]}"


def format_named(name: str, *, reading: bool = False) -> Format:
    """The table's format called ``name``; an unknown name lists the valid ones."""
    for f in TABLE:
        if f.name == name:
            return f
    names = [f.name for f in TABLE if f.readable or not reading]
    raise FileFormatError(f"unknown format {name!r}; use {_either(names)}")


def _format_of(path: Path, what: str) -> Format:
    name = FORMATS.get(path.suffix.lower())
    if name is None:
        raise FileFormatError(f"{path}: cannot {what} a {path.suffix or 'suffix-less'} file; "
                              f"use one of {', '.join(FORMATS)}")
    return format_named(name)


def _readable_suffixes() -> str:
    return _either(f.suffixes[0] for f in TABLE if f.readable and f.suffixes)


@validated
def loads(text: str | bytes, fmt: str = "yaml", *, source: str = "<string>",
          **options: Any) -> Process:
    """Parse a process from text in a readable format (``yaml``, ``json``, ``bpmn``).

    ``source`` names the text in error messages; ``options`` go to the format's reader
    (BPMN: ``level_of``, ``probabilities``, ``time_unit``, ``process``, as in
    :func:`procsimp.io.bpmn.read_bpmn`).
    """
    form = format_named(fmt, reading=True)
    if form.read is None:
        raise FileFormatError(f"{source}: {fmt} is an export-only format; it cannot be read")
    form.check_options(options, source)
    return form.read(text, source=source, **options)


@validated
def load(path: str | os.PathLike[str], **options: Any) -> Process:
    """Read a process from a ``.yaml``, ``.yml``, ``.json``, ``.bpmn``, ``.csv`` or ``.xlsx``
    file.

    ``options`` go to the format's reader: a BPMN file takes ``level_of`` (the level
    of each lane), ``probabilities`` (of flows, by id), ``time_unit`` and ``process``
    (see :func:`procsimp.io.bpmn.read_bpmn`); a step table (CSV or Excel, see
    :mod:`procsimp.io.tables`) takes ``levels``, ``name``, ``time_unit`` and
    ``handoff_delay``; YAML and JSON take none. An option the
    format does not take is an :class:`~procsimp.OptionError` naming those it does.

    Raises :class:`~procsimp.FileFormatError` when the file cannot be read or
    parsed, :class:`~procsimp.ModelError` listing every problem of an invalid
    description; both name the file.

    >>> import procsimp as ps, tempfile, os
    >>> d = tempfile.mkdtemp()
    >>> p = ps.Process.model_validate({"levels": ["staff"],
    ...     "roles": [{"id": "c", "level": "staff"}],
    ...     "steps": [{"id": "a", "role": "c", "duration": 1}]})
    >>> ps.save(p, os.path.join(d, "p.yaml"))
    >>> ps.load(os.path.join(d, "p.yaml")) == p
    True
    """
    path = Path(path)
    form = _format_of(path, "read")
    if form.read is None:
        raise FileFormatError(f"{path}: {path.suffix} files are export-only (a diagram, not a "
                              f"process description); load the {_readable_suffixes()} file "
                              f"it was made from")
    form.check_options(options, str(path))
    return with_source(form.read(read_bytes(path), source=str(path), **options), path)


@validated
def dumps(process: Process, fmt: str = "yaml", **options: Any) -> str | bytes:
    """The process as text in any format of the table (``yaml``, ``json``, ``bpmn``,
    ``csv``, ``mermaid``, ``dot``), or bytes for ``xlsx``; ``options`` go to the format's
    writer."""
    form = format_named(fmt)
    form.check_options(options, f"dumps(..., {fmt!r})", writing=True)
    return form.write(process, **options)


@validated
def save(process: Process, path: str | os.PathLike[str], **options: Any) -> None:
    """Write a process to ``path``; the suffix picks the format. Atomic: all or nothing."""
    path = Path(path)
    form = _format_of(path, "write")
    form.check_options(options, str(path), writing=True)
    text = form.write(process, **options)
    try:
        if isinstance(text, str):  # a step table in Excel is bytes
            text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise FileFormatError(f"{path}: cannot write: the process holds text that is not valid "
                              f"Unicode ({exc.object[exc.start:exc.end]!r}, e.g. a lone "
                              f"surrogate from a JSON escape); fix that name or id") from None
    write_atomic(path, text)
