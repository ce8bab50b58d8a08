"""What every format builds on: limits, bounded reads, atomic writes, safe YAML.

The formats (:mod:`procsimp.io.data`, :mod:`procsimp.io.bpmn`,
:mod:`procsimp.io.mermaid`, :mod:`procsimp.io.dot`, :mod:`procsimp.io.tables`)
import this module and :mod:`procsimp.io.plain` (validation of plain data);
the dispatcher (:mod:`procsimp.io.files`) imports the formats. This module
imports nothing of procsimp but its errors, so anything (the result tables
writing Excel, the CLI) can write atomically without an import cycle.

- :class:`Format`: one row of the table of formats (name, suffixes, reader,
  writer, the options each takes);
- :func:`read_bytes`: the bytes of a process file, refusing devices, pipes and
  anything above :data:`MAX_BYTES`;
- :func:`write_atomic`, :func:`clean_temporaries`: all-or-nothing saves;
- :class:`SafeLoader`: the YAML loader (no tags, bounded aliases, no repeated keys).
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
import yaml.composer
import yaml.constructor
import yaml.resolver

from procsimp.errors import FileFormatError, OptionError

if TYPE_CHECKING:
    from procsimp.model import Process

__all__ = ["MAX_ALIASES", "MAX_BYTES", "MAX_EXPANSION", "MAX_EXPANSION_CHARS", "FastLoader",
           "Format", "SafeLoader", "clean_temporaries", "read_bytes", "write_atomic"]

#: A reader: the file's bytes (or text) and the name to give in messages, plus its options.
Reader = Callable[..., "Process"]
#: A writer: the process, plus its options, as text.
Writer = Callable[..., "str | bytes"]


@dataclass(frozen=True)
class Format:
    """One file format: the suffixes that select it, how to read and write it, its options.

    ``read(data, *, source, **options)`` parses bytes or text (``None``: the format is
    export-only, a diagram for people); ``write(process, **options)`` returns text.
    ``options`` and ``write_options`` name the keywords each takes; anything else is
    refused with an :class:`~procsimp.OptionError` before a file is touched.
    """

    name: str
    suffixes: tuple[str, ...]
    read: Reader | None
    write: Writer
    options: tuple[str, ...] = ()
    write_options: tuple[str, ...] = ()

    @property
    def readable(self) -> bool:
        return self.read is not None

    def check_options(self, options: Mapping[str, Any], where: str, *,
                      writing: bool = False) -> None:
        """Refuse keywords this format does not take, naming the ones it does."""
        valid = self.write_options if writing else self.options
        unknown = sorted(set(options) - set(valid))
        if not unknown:
            return
        verb = "writing" if writing else "reading"
        names = ", ".join(repr(k) for k in unknown)
        noun = "option" if len(unknown) == 1 else "options"
        if valid:
            hint = f"its options are {', '.join(valid)}"
        else:
            hint = f"it takes none; remove {'it' if len(unknown) == 1 else 'them'}"
        raise OptionError(f"{where}: {verb} {self.name} has no {noun} {names}; {hint}")


#: A process file is at most a national catalogue (1,000,000 steps of JSON are about
#: 215-300 MB); anything larger is refused before parsing. Loading takes about 24 bytes of
#: memory per byte of JSON, so this limit also bounds a load's memory (about 9 GB).
MAX_BYTES = 384 * 1024 * 1024
#: YAML aliases allowed in one document (guards against "billion laughs" expansion).
MAX_ALIASES = 1000


class _Checks:
    """The hostile-input rules of a process file, over any PyYAML parser's events."""

    _aliases: int

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):  # type: ignore[attr-defined]
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                raise yaml.YAMLError(f"more than {MAX_ALIASES} YAML aliases; write the "
                                     f"values out instead of referencing anchors")
        else:
            event = self.peek_event()  # type: ignore[attr-defined]
            tag = getattr(event, "tag", None)
            # an explicit tag asks PyYAML to build a value from text in a way a process file
            # never needs, and some of its constructors fail with bare exceptions on bad text
            if tag not in (None, "!", _STR_TAG):
                short = tag.replace("tag:yaml.org,2002:", "!!")
                raise yaml.constructor.ConstructorError(
                    None, None, f"YAML tags such as {short} are not allowed in a process file; "
                    f"write plain values (quote a text that looks like a number)",
                    event.start_mark)
        return super().compose_node(parent, index)  # type: ignore[misc]

    def compose_document(self) -> Any:
        root = super().compose_document()  # type: ignore[misc]
        if self._aliases:
            _check_expansion(root)
        return root

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        # a repeated key would silently keep only the last value: refuse it
        seen: dict[Any, Any] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)  # type: ignore[attr-defined]
            try:
                first = seen.setdefault(key, key_node)
            except TypeError:
                continue  # unhashable keys are reported by the base class
            if first is not key_node:
                raise yaml.constructor.ConstructorError(
                    None, None, f"the key {key!r} appears twice in one mapping (first on line "
                    f"{first.start_mark.line + 1}); keep one", key_node.start_mark)
        return super().construct_mapping(node, deep=deep)  # type: ignore[misc]


class SafeLoader(_Checks, yaml.SafeLoader):
    """SafeLoader that refuses documents with more than MAX_ALIASES aliases, explicit tags
    and repeated keys (pure Python: see :data:`FastLoader`)."""

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self._aliases = 0


if getattr(yaml, "__with_libyaml__", False):
    import yaml.cyaml

    class _FastLoader(_Checks, yaml.composer.Composer, yaml.cyaml.CParser,  # type: ignore[misc,name-defined]
                      yaml.constructor.SafeConstructor, yaml.resolver.Resolver):
        """:class:`SafeLoader` with libyaml's C scanner and parser underneath.

        The C parser only hands over events: composing (where aliases and tags are
        checked), resolving and constructing stay PyYAML's Python code, with the rules
        of :class:`SafeLoader`, so both loaders accept and refuse the same documents.
        """

        def __init__(self, stream: Any) -> None:
            yaml.cyaml.CParser.__init__(self, stream)  # type: ignore[attr-defined]
            yaml.composer.Composer.__init__(self)
            yaml.constructor.SafeConstructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)
            self._aliases = 0

    FastLoader: type = _FastLoader
else:  # pragma: no cover - PyYAML built without libyaml
    FastLoader = SafeLoader
#: The loader process files are read with: :class:`SafeLoader`'s rules, on libyaml's C
#: parser when PyYAML has it (several times faster on large files).


_STR_TAG = "tag:yaml.org,2002:str"
#: Nodes that anchors and aliases may add to a document beyond those written out: the
#: parser shares an anchored value, but everything after it walks each reference again.
MAX_EXPANSION = 100_000
#: Characters of text that aliases may add beyond those written out (every alias is written
#: out in full when the process is saved again, so this bounds what a load can make a save
#: write).
MAX_EXPANSION_CHARS = 4_000_000


def _check_expansion(root: Any) -> None:
    """Refuse a document whose aliases expand to far more than it holds, or that nests in itself.

    PyYAML builds an anchored value once, but validation walks every reference to it,
    so nine levels of ten aliases each would be walked ten billion times.
    """
    size: dict[int, int] = {}
    chars: dict[int, int] = {}  # text held by a value, every reference walked
    on_path: set[int] = set()
    written = written_chars = 0
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
            chars[key] = (len(node.value) if isinstance(node, yaml.ScalarNode)
                          else sum(chars[id(c)] for c in children))
            continue
        if key in size:
            continue
        if key in on_path:
            raise yaml.constructor.ConstructorError(
                None, None, "a YAML alias refers to the value it is part of (a value that "
                "contains itself); write the values out", node.start_mark)
        written += 1
        if isinstance(node, yaml.ScalarNode):
            written_chars += len(node.value)
        on_path.add(key)
        stack.append((node, True))
        # a child on the current path is popped while still on it: the check above
        stack.extend((child, False) for child in children if id(child) not in size)
    if size[id(root)] > written + MAX_EXPANSION:
        raise yaml.YAMLError(f"YAML aliases expand the document to {size[id(root)]:,} values "
                             f"from {written:,} written ones (limit {MAX_EXPANSION:,} more); "
                             f"write the values out instead of referencing anchors")
    if chars[id(root)] > written_chars + MAX_EXPANSION_CHARS:
        raise yaml.YAMLError(f"YAML aliases expand the document's text to "
                             f"{chars[id(root)]:,} characters from {written_chars:,} written "
                             f"(limit {MAX_EXPANSION_CHARS:,} more): saved again, the file "
                             f"would grow that much; write the values out instead of "
                             f"referencing anchors")


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
    removed: list[Path] = []
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
