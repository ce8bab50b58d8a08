"""YAML and JSON: the process as plain data, the same schema in either syntax.

Reading is safe: YAML goes through :class:`procsimp.io.base.SafeLoader` (no
tags, bounded aliases, no repeated keys), JSON through :mod:`json`; both are
then validated by :func:`procsimp.io.base.from_data`. Writing leaves defaults
out (:func:`procsimp.io.base.to_data`).
"""

from __future__ import annotations

import json
import sys

import yaml

from procsimp.errors import FileFormatError
from procsimp.io.base import FastLoader, Format
from procsimp.io.plain import from_data, to_data
from procsimp.model import Process

__all__ = ["JSON", "YAML", "dumps_json", "dumps_yaml", "loads_data"]


def loads_data(text: str | bytes, fmt: str, *, source: str = "<string>") -> Process:
    """Parse a process from YAML (``fmt="yaml"``) or JSON (``fmt="json"``) text."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise FileFormatError(f"{source}: not UTF-8 text ({exc.reason} at byte "
                                  f"{exc.start}); save the file as UTF-8") from None
    try:
        data = json.loads(text) if fmt == "json" else yaml.load(text, Loader=FastLoader)
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


def _loads_yaml(text: str | bytes, *, source: str = "<string>") -> Process:
    return loads_data(text, "yaml", source=source)


def _loads_json(text: str | bytes, *, source: str = "<string>") -> Process:
    return loads_data(text, "json", source=source)


class _Dumper(yaml.SafeDumper):
    """SafeDumper that quotes strings YAML readers would otherwise fold into line breaks."""


def _represent_str(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    # NEL and the Unicode line/paragraph separators are line breaks to a YAML reader: in a
    # double-quoted scalar the emitter escapes them (\N, \L, \P), so they survive a round trip
    style = '"' if any(ch in text for ch in "\x85\u2028\u2029") else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


_Dumper.add_representer(str, _represent_str)


def dumps_yaml(process: Process) -> str:
    """The process as YAML, fields in schema order, Unicode written as is."""
    return yaml.dump(to_data(process), Dumper=_Dumper, sort_keys=False, allow_unicode=True,
                     width=100)


def dumps_json(process: Process) -> str:
    """The process as indented JSON."""
    return json.dumps(to_data(process), indent=2, ensure_ascii=False) + "\n"


YAML = Format("yaml", (".yaml", ".yml"), _loads_yaml, dumps_yaml)
JSON = Format("json", (".json",), _loads_json, dumps_json)
