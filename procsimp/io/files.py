"""Load and save processes as YAML or JSON, chosen by suffix."""

from __future__ import annotations

import json
import os
import stat
import sys
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
#: Problems a ModelError's message lists (all of them are in its ``problems``).
MAX_LISTED = 50
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
        else:
            event = self.peek_event()
            tag = getattr(event, "tag", None)
            # an explicit tag asks PyYAML to build a value from text in a way a process file
            # never needs, and some of its constructors fail with bare exceptions on bad text
            if tag not in (None, "!", _STR_TAG):
                short = tag.replace("tag:yaml.org,2002:", "!!")
                raise yaml.constructor.ConstructorError(
                    None, None, f"YAML tags such as {short} are not allowed in a process file; "
                    f"write plain values (quote a text that looks like a number)",
                    event.start_mark)
        return super().compose_node(parent, index)

    def compose_document(self) -> Any:
        root = super().compose_document()
        if self._aliases:
            _check_expansion(root)
        return root

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


_STR_TAG = "tag:yaml.org,2002:str"
#: Nodes that anchors and aliases may add to a document beyond those written out: the
#: parser shares an anchored value, but everything after it walks each reference again.
MAX_EXPANSION = 100_000


def _check_expansion(root: Any) -> None:
    """Refuse a document whose aliases expand to far more than it holds, or that nests in itself.

    PyYAML builds an anchored value once, but validation walks every reference to it,
    so nine levels of ten aliases each would be walked ten billion times.
    """
    size: dict[int, int] = {}
    on_path: set[int] = set()
    written = 0
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        children = ([n for pair in node.value for n in pair]
                    if isinstance(node, yaml.MappingNode) else
                    node.value if isinstance(node, yaml.SequenceNode) else [])
        if done:
            on_path.discard(key)
            size[key] = 1 + sum(size[id(c)] for c in children)
            continue
        if key in size:
            continue
        if key in on_path:
            raise yaml.constructor.ConstructorError(
                None, None, "a YAML alias refers to the value it is part of (a value that "
                "contains itself); write the values out", node.start_mark)
        written += 1
        on_path.add(key)
        stack.append((node, True))
        # a child on the current path is popped while still on it: the check above
        stack.extend((child, False) for child in children if id(child) not in size)
    if size[id(root)] > written + MAX_EXPANSION:
        raise yaml.YAMLError(f"YAML aliases expand the document to {size[id(root)]:,} values "
                             f"from {written:,} written ones (limit {MAX_EXPANSION:,} more); "
                             f"write the values out instead of referencing anchors")


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
        if "tag:yaml.org,2002:merge" in problem:
            problem = ("YAML merge keys (<<) are not allowed in a process file; write the "
                       "values out")
        elif "could not determine a constructor for the tag" in problem:
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
    except ValueError as exc:
        if "integer string conversion" in str(exc):
            limit = getattr(sys, "get_int_max_str_digits", lambda: 4300)()
            raise FileFormatError(f"{source}: cannot read {fmt.upper()}: a number has more than "
                                  f"{limit} digits; no duration or probability needs that "
                                  f"many") from None
        raise FileFormatError(f"{source}: cannot read {fmt.upper()}: {exc}") from None
    except yaml.YAMLError as exc:
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
        listing = "\n".join(f"  - {line}" for line in problems[:MAX_LISTED])
        if len(problems) > MAX_LISTED:
            listing += (f"\n  ... and {len(problems) - MAX_LISTED} more (all are in the "
                        f"error's .problems)")
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
    """The bytes of a process file; refuses non-regular files and any above :data:`MAX_BYTES`.

    The file is opened without blocking and checked on its open descriptor, so a FIFO
    cannot stall the read and a device (``/dev/zero``) or a file swapped in after the check
    is never read; at most ``MAX_BYTES + 1`` bytes are read whatever the file claims.
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        raise FileFormatError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise FileFormatError(f"{path}: is a directory, not a process file") from None
    except OSError as exc:
        raise FileFormatError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except ValueError as exc:  # a NUL byte in the path
        raise FileFormatError(f"{path!r}: not a usable file name ({exc})") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise FileFormatError(f"{path}: is a directory, not a process file")
        if not stat.S_ISREG(info.st_mode):
            raise FileFormatError(f"{path}: is not a regular file (a device, pipe or socket); "
                                  f"save the process to a file and load that")
        if info.st_size > MAX_BYTES:
            raise FileFormatError(f"{path}: {info.st_size} bytes is too large for a process file "
                                  f"(limit {MAX_BYTES})")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        with os.fdopen(fd, "rb", closefd=True) as fh:
            fd = -1
            raw = fh.read(MAX_BYTES + 1)
    except OSError as exc:
        raise FileFormatError(f"{path}: cannot read: {exc.strerror or exc}") from None
    finally:
        if fd >= 0:
            os.close(fd)
    if len(raw) > MAX_BYTES:
        raise FileFormatError(f"{path}: more than {MAX_BYTES} bytes is too large for a process "
                              f"file (limit {MAX_BYTES})")
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


#: Temporaries this process is writing right now (their names), so a clean-up leaves them.
_WRITING: set[str] = set()
_TMP_MARK = ".procsimp-"


def _temporary_prefix(path: Path) -> str:
    return f".{path.name}{_TMP_MARK}"


def _owner_gone(name: str, prefix: str) -> bool:
    """True when a temporary's writer (the pid in its name) has ended."""
    pid_text = name[len(prefix):].split("-", 1)[0]
    if not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return name not in _WRITING
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except (PermissionError, OSError, OverflowError):
        return False
    return False


def clean_temporaries(path: Path) -> list[Path]:
    """Remove temporaries that an interrupted save of ``path`` left behind; return them.

    A save writes ``.NAME.procsimp-PID-RANDOM.tmp`` beside the file and renames it over
    the file; a save killed in between leaves it. The next save of the same file removes
    those whose writer (by process id) has ended, never one another save is still writing.
    """
    directory = path.parent if str(path.parent) else Path(".")
    prefix = _temporary_prefix(path)
    removed = []
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return removed
    for entry in entries:
        name = entry.name
        if name.startswith(prefix) and name.endswith(".tmp") and _owner_gone(name, prefix):
            try:
                os.unlink(entry.path)
            except OSError:
                continue
            removed.append(Path(entry.path))
    return removed


def write_atomic(path: Path, text: str | bytes) -> None:
    """Write ``text`` (or bytes) to a temporary file beside ``path``, then rename it over it.

    The temporary is named ``.NAME.procsimp-PID-RANDOM.tmp``; one left by a save that was
    killed is removed by the next save of the same file (:func:`clean_temporaries`).
    """
    directory = path.parent if str(path.parent) else Path(".")
    tmp = None
    try:
        clean_temporaries(path)
        fd, tmp = tempfile.mkstemp(prefix=f"{_temporary_prefix(path)}{os.getpid()}-",
                                   suffix=".tmp", dir=directory)
        _WRITING.add(os.path.basename(tmp))
        # mkstemp makes the file private (0600); give it the mode a plain write would have
        os.chmod(tmp, _file_mode(path))
        payload = text.encode("utf-8") if isinstance(text, str) else text
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        _WRITING.discard(os.path.basename(tmp))
        tmp = None
    except OSError as exc:
        raise FileFormatError(f"{path}: cannot write: {exc.strerror or exc}; the old file, if "
                              f"any, is unchanged") from None
    except ValueError as exc:  # a NUL byte in the path
        raise FileFormatError(f"{path!r}: not a usable file name ({exc}); nothing was "
                              f"written") from None
    finally:
        if tmp is not None:
            _WRITING.discard(os.path.basename(tmp))
            if os.path.exists(tmp):
                os.unlink(tmp)
