"""Load and save processes as YAML or JSON, chosen by suffix."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from procsimp.errors import FileFormatError, ModelError
from procsimp.model import Process, with_source
from procsimp.validation import format_errors

#: Suffixes :func:`load` and :func:`save` understand, and the format each selects.
FORMATS = {".yaml": "yaml", ".yml": "yaml", ".json": "json", ".bpmn": "bpmn", ".mmd": "mermaid",
           ".dot": "dot"}
#: Formats :func:`save` writes but :func:`load` cannot read back (diagrams for people).
EXPORT_ONLY = frozenset({"mermaid", "dot"})
#: A process file is small; anything much larger is refused before parsing.
MAX_BYTES = 64 * 1024 * 1024
#: YAML aliases allowed in one document (guards against "billion laughs" expansion).
MAX_ALIASES = 1000


class _SafeLoader(yaml.SafeLoader):
    """SafeLoader that refuses documents with more than MAX_ALIASES aliases."""

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self._aliases = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                raise yaml.YAMLError(f"more than {MAX_ALIASES} YAML aliases; write the "
                                     f"values out instead of referencing anchors")
        return super().compose_node(parent, index)

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        # a repeated key would silently keep only the last value: refuse it
        seen: dict[Any, Any] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            try:
                first = seen.setdefault(key, key_node)
            except TypeError:
                continue  # unhashable keys are reported by the base class
            if first is not key_node:
                raise yaml.constructor.ConstructorError(
                    None, None, f"the key {key!r} appears twice in one mapping (first on line "
                    f"{first.start_mark.line + 1}); keep one", key_node.start_mark)
        return super().construct_mapping(node, deep=deep)


def _format_of(path: Path, what: str) -> str:
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise FileFormatError(f"{path}: cannot {what} a {path.suffix or 'suffix-less'} file; "
                              f"use one of {', '.join(FORMATS)}")
    return fmt


def loads(text: str | bytes, fmt: str = "yaml", *, source: str = "<string>") -> Process:
    """Parse a process from YAML, JSON or BPMN text; ``source`` names it in error messages."""
    if fmt == "bpmn":
        from procsimp.io.bpmn import loads_bpmn

        return loads_bpmn(text, source=source)
    if fmt in EXPORT_ONLY:
        raise FileFormatError(f"{source}: {fmt} is an export-only format; it cannot be read")
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise FileFormatError(f"{source}: not UTF-8 text ({exc.reason} at byte "
                                  f"{exc.start}); save the file as UTF-8") from None
    try:
        data = json.loads(text) if fmt == "json" else yaml.load(text, Loader=_SafeLoader)
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = str(exc.problem or exc)
        if "could not determine a constructor for the tag" in problem:
            problem = (f"YAML tags such as {problem.split('tag', 1)[1].strip()} are not allowed "
                       f"in a process file; write plain values")
        raise FileFormatError(f"{source}: cannot read YAML{where}: {problem}") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        raise FileFormatError(f"{source}: malformed YAML{where}: {exc.problem or exc}; "
                              f"fix the syntax there") from None
    except json.JSONDecodeError as exc:
        raise FileFormatError(f"{source}: malformed JSON (line {exc.lineno}, column "
                              f"{exc.colno}): {exc.msg}; fix the syntax there") from None
    except (yaml.YAMLError, ValueError) as exc:
        raise FileFormatError(f"{source}: cannot read {fmt.upper()}: {exc}") from None
    except RecursionError:
        raise FileFormatError(f"{source}: nesting too deep to be a process description") from None
    if data is None:
        raise FileFormatError(f"{source}: the file is empty; a process needs at least levels, "
                              f"roles and steps")
    return from_data(data, source=source)


def from_data(data: Any, *, source: str = "<data>") -> Process:
    """Validate parsed data as a process, wrapping problems in a :class:`ModelError`."""
    if not isinstance(data, dict):
        raise FileFormatError(f"{source}: expected a mapping with keys such as name, levels, "
                              f"roles and steps, got {type(data).__name__}")
    try:
        return Process.model_validate(data)
    except ValidationError as exc:
        problems = format_errors(exc)
        noun = "problem" if len(problems) == 1 else "problems"
        listing = "\n".join(f"  - {line}" for line in problems)
        raise ModelError(f"{source}: {len(problems)} {noun} in the process description:\n"
                         f"{listing}", problems) from None
    except RecursionError:
        raise FileFormatError(f"{source}: nesting too deep to be a process description") from None


def load(path: str | os.PathLike[str]) -> Process:
    """Read a process from a ``.yaml``, ``.yml``, ``.json`` or ``.bpmn`` file.

    BPMN files are read with :func:`procsimp.io.bpmn.read_bpmn`'s defaults; call it
    directly to map lanes to levels or to give branch probabilities.

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
    fmt = _format_of(path, "read")
    if fmt in EXPORT_ONLY:
        raise FileFormatError(f"{path}: {path.suffix} files are export-only (a diagram, not a "
                              f"process description); load the .yaml, .json or .bpmn file "
                              f"it was made from")
    if fmt == "bpmn":
        from procsimp.io.bpmn import read_bpmn

        return read_bpmn(path)
    return with_source(loads(read_bytes(path), fmt, source=str(path)), path)


def read_bytes(path: Path) -> bytes:
    """The bytes of a process file, refusing files above :data:`MAX_BYTES`."""
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise FileFormatError(f"{path}: {size} bytes is too large for a process file "
                                  f"(limit {MAX_BYTES})")
        raw = path.read_bytes()
    except FileNotFoundError:
        raise FileFormatError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise FileFormatError(f"{path}: is a directory, not a process file") from None
    except OSError as exc:
        raise FileFormatError(f"{path}: cannot read: {exc.strerror or exc}") from None
    return raw


class _Dumper(yaml.SafeDumper):
    """SafeDumper that quotes strings YAML readers would otherwise fold into line breaks."""


def _represent_str(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    # NEL and the Unicode line/paragraph separators are line breaks to a YAML reader: in a
    # double-quoted scalar the emitter escapes them (\N, \L, \P), so they survive a round trip
    style = '"' if any(ch in text for ch in "\x85\u2028\u2029") else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


_Dumper.add_representer(str, _represent_str)


def to_data(process: Process) -> dict[str, Any]:
    """The process as plain data (what a file holds): defaults left out."""
    return process.model_dump(mode="json", exclude_defaults=True)


def dumps(process: Process, fmt: str = "yaml") -> str:
    """The process as text: ``yaml``, ``json``, ``bpmn``, ``mermaid`` or ``dot``."""
    if fmt == "bpmn":
        from procsimp.io.bpmn import dumps_bpmn

        return dumps_bpmn(process)
    if fmt == "mermaid":
        from procsimp.io.mermaid import dumps_mermaid

        return dumps_mermaid(process)
    if fmt == "dot":
        from procsimp.io.dot import dumps_dot

        return dumps_dot(process)
    data = to_data(process)
    if fmt == "json":
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    if fmt == "yaml":
        return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
    raise FileFormatError(f"unknown format {fmt!r}; use yaml, json, bpmn, mermaid or dot")


def save(process: Process, path: str | os.PathLike[str]) -> None:
    """Write a process to ``path``; the suffix picks the format. Atomic: all or nothing."""
    path = Path(path)
    text = dumps(process, _format_of(path, "write"))
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise FileFormatError(f"{path}: cannot write: the process holds text that is not valid "
                              f"Unicode ({exc.object[exc.start:exc.end]!r}, e.g. a lone "
                              f"surrogate from a JSON escape); fix that name or id") from None
    write_atomic(path, text)


def _file_mode(path: Path) -> int:
    """The existing file's permissions, else what the umask gives a new file."""
    try:
        return path.stat().st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to a temporary file beside ``path``, then rename it over ``path``."""
    directory = path.parent if str(path.parent) else Path(".")
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
        # mkstemp makes the file private (0600); give it the mode a plain write would have
        os.chmod(tmp, _file_mode(path))
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        tmp = None
    except OSError as exc:
        raise FileFormatError(f"{path}: cannot write: {exc.strerror or exc}; the old file, if "
                              f"any, is unchanged") from None
    finally:
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)
