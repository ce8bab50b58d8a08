"""Step tables: ``proc.to_frame()`` and ``ps.from_frame(df)``, for spreadsheets (pandas).

The table carries the whole process, so that it survives a CSV or Excel file
(where ``DataFrame.attrs`` are lost). Its first column, ``record``, says what
a row is: one ``process`` row, one ``level`` row per level in rank order
(highest first), one ``role`` row per role, then one ``step`` row per step,
in step order. Select the steps with ``df[df.record == "step"]``.

Step rows:

========================== ==================================================================
``id``, ``name``            the step's id and display name
``role``, ``level``         the performing role and its level (``level`` is informative: the
                            role row gives the level; a step row that contradicts it is an
                            error)
``kind``, ``join``          as in the process file
``duration``                a fixed duration, or the mean of a distribution (then informative)
``dist``                    blank for a fixed duration, else the distribution: ``triangular``,
                            ``pert``, ``uniform``, ``lognormal``, ``empirical`` or ``sum``
``low`` ``mode`` ``high``   triangular, pert and uniform parameters
``median`` ``p90``          lognormal by quantiles; ``mu`` ``sigma``: lognormal by moments
``values``                  empirical observations (``"1; 2.5; 4"``); for ``sum``, its parts
                            as JSON
``work``, ``cost``          touch time (blank: the whole duration; a number or a JSON
                            distribution) and cost per execution
``after``                   predecessors: ``"draft; check"``, or a JSON list when edges carry
                            ``p``, ``delay`` or ``hard`` (the file format's entries)
``needs``, ``produces``     artifacts, ``"; "``-separated (JSON list if an id holds ``;``)
``rework_to`` ``rework_p``  send-back target and probability; ``rework_mode``,
``rework_delay``            ``repeat``/``once``, the transport back and
``rework_revision``         the revision time (a number or a JSON distribution)
``locked``,                 flags (True/False)
``applicant_facing``,
``digitizable``
========================== ==================================================================

The other rows use ``id``, ``name`` and ``locked`` (levels and roles),
``level`` (a role's level), and one column per remaining field of the
process (``description``, ``time_unit``, ``handoff_delay``,
``cases_per_year``, ...) and of a role (``rate``, ``reports_to``,
``organisation``, ...), named like the field. Those columns follow the model,
so a field added to it is carried too; numbers and flags are plain cells,
anything structured is JSON. In these columns a blank cell is the field's
default, and a text that is empty or starts with ``"`` is written as a JSON
string (``""``).

A table without ``record`` (a spreadsheet of steps typed by hand) is all
steps; its roles come from the ``role`` and ``level`` columns, and its levels
from the ``levels`` keyword (highest rank first), which is required when the
steps name more than one level: a step table does not say which level ranks
higher. Read CSV files as text so that ids stay as written
(``pd.read_csv(f, dtype=str, keep_default_na=False)``), or use
:func:`write_table` and :func:`read_table`, which also handle Excel.
"""

from __future__ import annotations

import csv
import json
import math
import re
import types
import typing
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel
from pydantic_core import to_jsonable_python

from procsimp._checks import validated
from procsimp.durations import mean_of
from procsimp.errors import FileFormatError
from procsimp.io.base import Format, write_atomic
from procsimp.io.plain import from_data
from procsimp.model import Level, Process, Rework, Role, Step
from procsimp.render import require

__all__ = ["COLUMNS", "CSV_FORMAT", "EXCEL_CELL_LIMIT", "RECORDS", "STEP_COLUMNS",
           "TABLE_SUFFIXES", "XLSX_FORMAT", "dumps_table", "from_frame", "loads_table",
           "read_table", "to_frame", "write_table"]

if TYPE_CHECKING:
    import os

    import pandas as pd

#: Step columns, in order.
STEP_COLUMNS = (
    "id", "name", "role", "level", "kind", "duration", "dist", "low", "mode", "high", "median",
    "p90", "mu", "sigma", "values", "work", "cost", "after", "join", "needs", "produces",
    "rework_to", "rework_p", "rework_mode", "rework_delay", "rework_revision", "locked",
    "applicant_facing", "digitizable",
)
_DIST_FIELDS = ("low", "mode", "high", "median", "p90", "mu", "sigma")
_FLAGS = ("locked", "applicant_facing", "digitizable")
#: Step and send-back fields the step columns above carry; any other field gets its own column.
_STEP_CARRIED = {"id", "name", "role", "kind", "duration", "work", "cost", "after", "join",
                 "needs", "produces", "rework", *_FLAGS}
_REWORK_CARRIED = {"to", "p", "mode", "delay", "revision"}
#: Columns every record shares (``level``: a role's level, informative on a step row).
_SHARED = {"id", "name", "level", "locked"}
RECORDS = ("process", "level", "role", "step")


def _extra_columns() -> dict[str, tuple[str, str]]:
    """Column -> (record, field) for the fields the step columns do not carry, in model order."""
    wanted = [("process", f) for f in Process.model_fields if f not in
              {"name", "levels", "roles", "steps"}]
    wanted += [("level", f) for f in Level.model_fields if f not in _SHARED]
    wanted += [("role", f) for f in Role.model_fields if f not in _SHARED]
    wanted += [("step", f) for f in Step.model_fields if f not in _STEP_CARRIED]
    wanted += [("rework", f) for f in Rework.model_fields if f not in _REWORK_CARRIED]
    out: dict[str, tuple[str, str]] = {}
    for record, f in wanted:
        column = f"rework_{f}" if record == "rework" else f
        if column in STEP_COLUMNS or column in out or column == "record":
            column = f"{record}_{f}"
        out[column] = (record, f)
    return out


_EXTRA = _extra_columns()
#: Columns of :func:`to_frame`, in order.
COLUMNS = ("record", *STEP_COLUMNS, *_EXTRA)


def _pandas() -> Any:
    return require("pandas", "step tables")


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _number_or_json(duration: Any) -> float | str | None:
    if duration is None:
        return None
    data = duration if isinstance(duration, float | int) else duration.model_dump(mode="json")
    return float(data) if isinstance(data, float | int) else _json(data)


def _id_list(ids: tuple[str, ...]) -> str:
    plain = all(";" not in i and i == i.strip() and i and not i.startswith("[") for i in ids)
    return "; ".join(ids) if plain else _json(list(ids))


def _is_text(model: type[BaseModel], name: str) -> bool:
    """Whether a field holds text (``str``, ``str | None``, a Literal of strings)."""
    annotation = model.model_fields[name].annotation
    options = typing.get_args(annotation) if typing.get_origin(annotation) in (
        typing.Union, types.UnionType) else (annotation,)
    options = tuple(o for o in options if o is not type(None))
    for option in options:
        if typing.get_origin(option) is typing.Annotated:
            option = typing.get_args(option)[0]
        if option is str:
            continue
        if typing.get_origin(option) is typing.Literal and all(
                isinstance(a, str) for a in typing.get_args(option)):
            continue
        return False
    return bool(options)


def _cell(model: type[BaseModel], name: str, value: Any) -> Any:
    """A field's value as a cell: blank for None, text, a number, a flag or JSON."""
    if value is None:
        return None
    if _is_text(model, name):
        return _json(value) if value == "" or value.startswith('"') else value
    data = to_jsonable_python(value)
    if isinstance(data, bool | float | int):
        return float(data) if isinstance(data, int) and not isinstance(data, bool) else data
    return _json(data)


def to_frame(process: Process) -> pd.DataFrame:
    """The process as a pandas DataFrame: a process row, level rows, role rows, step rows.

    Columns: see the module docstring. ``from_frame(to_frame(p)) == p``, also after
    a CSV or Excel file (:func:`write_table`).

    >>> import procsimp as ps
    >>> p = ps.Process.model_validate({"levels": ["staff"],
    ...     "roles": [{"id": "c", "level": "staff"}],
    ...     "steps": [{"id": "a", "role": "c", "duration": 2},
    ...               {"id": "b", "role": "c", "after": ["a"], "duration": 1}]})
    >>> df = to_frame(p)  # doctest: +SKIP
    >>> list(df["record"]), list(df[df.record == "step"]["after"])  # doctest: +SKIP
    (['process', 'level', 'role', 'step', 'step'], ['', 'a'])
    """
    pd = _pandas()
    rows: list[dict[str, Any]] = []

    def extras(row: dict[str, Any], record: str, model: type[BaseModel], obj: Any) -> None:
        for column, (rec, f) in _EXTRA.items():
            if rec == record:
                row[column] = _cell(model, f, getattr(obj, f))

    head: dict[str, Any] = {"record": "process", "name": _cell(Process, "name", process.name)}
    extras(head, "process", Process, process)
    rows.append(head)
    for lv in process.levels:
        row = {"record": "level", "id": lv.id, "name": _cell(Level, "name", lv.name),
               "locked": lv.locked}
        extras(row, "level", Level, lv)
        rows.append(row)
    for r in process.roles:
        row = {"record": "role", "id": r.id, "name": _cell(Role, "name", r.name),
               "level": r.level, "locked": r.locked}
        extras(row, "role", Role, r)
        rows.append(row)
    for s in process.steps:
        row = {"record": "step", "id": s.id, "name": s.name, "role": s.role,
               "level": process.role(s.role).level, "kind": s.kind, "join": s.join,
               "cost": s.cost, "work": _number_or_json(s.work), "needs": _id_list(s.needs),
               "produces": _id_list(s.produces)}
        row.update({flag: getattr(s, flag) for flag in _FLAGS})
        row["duration"] = float(mean_of(s.duration))
        if not isinstance(s.duration, float | int):
            data = s.duration.model_dump(mode="json")
            row["dist"] = data["dist"]
            for key in _DIST_FIELDS:
                row[key] = data.get(key)
            if data["dist"] == "empirical":
                row["values"] = "; ".join(repr(float(v)) for v in data["values"])
            elif data["dist"] == "sum":
                row["values"] = _json(data["parts"])
        if all(isinstance(e.model_dump(mode="json"), str) for e in s.after):
            row["after"] = _id_list(s.predecessors)
        else:
            row["after"] = _json([e.model_dump(mode="json") for e in s.after])
        if s.rework is not None:
            row.update(rework_to=s.rework.to, rework_p=s.rework.p, rework_mode=s.rework.mode,
                       rework_delay=_number_or_json(s.rework.delay),
                       rework_revision=_number_or_json(s.rework.revision))
            extras(row, "rework", Rework, s.rework)
        extras(row, "step", Step, s)
        rows.append(row)
    return pd.DataFrame(rows, columns=list(COLUMNS))


# --- reading -------------------------------------------------------------------------------------


def _blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    if isinstance(value, str):
        return not value
    try:  # pandas' own missing values (pd.NA, NaT)
        import pandas as pd

        return bool(pd.api.types.is_scalar(value) and pd.isna(value))
    except (ImportError, TypeError, ValueError):
        return False


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _number(value: Any, where: str) -> float:
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    except (TypeError, ValueError):
        raise FileFormatError(f"{where}: expected a number, got {str(value)[:60]!r}") from None
    if not math.isfinite(number):
        raise FileFormatError(f"{where}: {str(value)[:60]!r} is not a finite number (too large "
                              f"for a float, or inf/nan); write a number below 1e308") from None
    return number


def _parse_json(text: str, where: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        raise FileFormatError(f"{where}: cannot read {text[:60]!r} as JSON; write a number, "
                              f"a '; '-separated list or valid JSON") from None


def _duration_cell(value: Any, where: str) -> Any:
    if isinstance(value, str) and value.strip().startswith("{"):
        return _parse_json(value, where)
    return _number(value, where)


def _list_cell(value: Any, where: str) -> list[Any]:
    if _blank(value):
        return []
    text = _text(value)
    if text.strip().startswith("["):
        parsed = _parse_json(text, where)
        if not isinstance(parsed, list):
            raise FileFormatError(f"{where}: expected a list")
        return parsed
    return [part.strip() for part in text.split(";") if part.strip()]


def _flag(value: Any, where: str) -> bool:
    if _blank(value):
        return False
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "yes", "1.0"):
        return True
    if text in ("false", "0", "no", "0.0"):
        return False
    raise FileFormatError(f"{where}: expected True or False, got {value!r}")


def _field(model: type[BaseModel], name: str, value: Any, where: str) -> Any:
    """A cell of a model-derived column as the field's raw value (validated later)."""
    if _is_text(model, name):
        text = _text(value)
        if text.startswith('"'):
            decoded = _parse_json(text, where)
            if not isinstance(decoded, str):
                raise FileFormatError(f"{where}: expected text, got the JSON {text[:60]!r}")
            return decoded
        return text
    if isinstance(value, str):
        text = value.strip()
        try:
            value = json.loads(text)
        except (ValueError, RecursionError):
            if text[:1] in "[{":
                _parse_json(text, where)  # raises with the reason
            return text  # e.g. True, which pydantic reads
    if isinstance(value, int) and not isinstance(value, bool):
        return _number(value, where)
    return value


def _extras_of(cell: dict[str, Any], record: str, model: type[BaseModel],
               where: str) -> dict[str, Any]:
    out = {}
    for column, (rec, f) in _EXTRA.items():
        value = cell.get(column)
        if rec == record and not _blank(value):
            out[f] = _field(model, f, value, f"{where}, column {column}")
    return out


@validated
def from_frame(df: pd.DataFrame, *, levels: list[str] | None = None, name: str | None = None,
               time_unit: str | None = None, handoff_delay: float | None = None,
               source: str = "<table>") -> Process:
    """A process from a table (the inverse of :meth:`Process.to_frame`).

    Parameters
    ----------
    df
        A table of :func:`to_frame`, or a hand-made table of steps (no ``record``
        column), e.g. read from CSV or Excel.
    levels
        The hierarchy levels, highest rank first, for a table without level rows;
        required when its steps name more than one level.
    name, time_unit, handoff_delay
        Override (or, for a table of steps only, give) these process fields.
    source
        Names the table in error messages (e.g. its file).

    Raises
    ------
    FileFormatError
        The table is not a step table, a cell cannot be read, or the level order is
        unknown; the message names the row (step id) and column.
    ModelError
        The process it describes is invalid.
    """
    _pandas()
    columns = [str(c) for c in getattr(df, "columns", [])]
    missing = [c for c in ("id", "role") if c not in columns]
    if missing:
        raise FileFormatError(f"{source}: a step table needs the columns id and role; "
                              f"missing: {', '.join(missing)}")
    if levels is not None and (isinstance(levels, str) or not all(
            isinstance(lv, str) for lv in levels)):
        raise FileFormatError(f"{source}: levels must be a list of level ids, highest rank "
                              f"first, got {levels!r}")
    data: dict[str, Any] = {}
    level_rows: list[dict[str, Any]] = []
    role_rows: list[dict[str, Any]] = []
    steps: list[dict[str, Any]] = []
    step_levels: dict[str, tuple[str, str]] = {}  # role -> (level, where) from step rows
    has_records = "record" in columns
    for i, row in enumerate(df.to_dict("records")):
        cell = {k: row.get(k) for k in COLUMNS}
        record = _text(cell["record"]).strip() if has_records and not _blank(
            cell["record"]) else "step"
        ident = _text(cell["id"]) if not _blank(cell["id"]) else ""
        where = f"{source}: row {i} ({record} {ident!r})"
        if record == "process":
            if data:
                raise FileFormatError(f"{where}: a second process row; a table holds one "
                                      f"process")
            data = {"name": _field(Process, "name", cell["name"], f"{where}, column name")
                    if not _blank(cell["name"]) else ""}
            data.update(_extras_of(cell, "process", Process, where))
        elif record == "level":
            level_rows.append(_named_record(cell, "level", Level, {"id": ident}, where))
        elif record == "role":
            level_of = _text(cell["level"]) if not _blank(cell["level"]) else ""
            role_rows.append(_named_record(cell, "role", Role,
                                           {"id": ident, "level": level_of}, where))
        elif record == "step":
            step = _step(cell, ident, where)
            if not _blank(cell["level"]):
                step_levels.setdefault(step["role"], (_text(cell["level"]), where))
            steps.append(step)
        else:
            raise FileFormatError(f"{where}: column record is {record!r}; use one of "
                                  f"{', '.join(RECORDS)}")
    if role_rows:
        data["roles"] = role_rows
        at = {r["id"]: r["level"] for r in role_rows}
        for role_id, (lv, where) in step_levels.items():
            if role_id in at and at[role_id] != lv:
                raise FileFormatError(f"{where}, column level: {lv!r}, but role {role_id!r} "
                                      f"is at level {at[role_id]!r} (its role row); change the "
                                      f"role row, or clear the level cell")
    else:
        data["roles"] = [{"id": r, "level": step_levels.get(r, ("staff", ""))[0]}
                         for r in dict.fromkeys(s["role"] for s in steps)]
    if levels is not None:
        data["levels"] = list(levels)
    elif level_rows:
        data["levels"] = level_rows
    else:
        named = list(dict.fromkeys(r["level"] for r in data["roles"]))
        if len(named) > 1:
            raise FileFormatError(
                f"{source}: the table names the levels {', '.join(map(repr, named))} but not "
                f"their rank; give from_frame(..., levels=[highest, ..., lowest]) or add level "
                f"rows (record 'level', highest rank first)")
        data["levels"] = named or ["staff"]
    for key, value in (("name", name), ("time_unit", time_unit),
                       ("handoff_delay", handoff_delay)):
        if value is not None:
            data[key] = value
    data["steps"] = steps
    return from_data(data, source=source)


def _step(cell: dict[str, Any], sid: str, where: str) -> dict[str, Any]:
    step: dict[str, Any] = {"id": sid, "role": _text(cell["role"]) if not _blank(
        cell["role"]) else ""}
    for key in ("name", "kind", "join"):
        if not _blank(cell[key]):
            step[key] = _text(cell[key])
    dist = cell["dist"]
    if _blank(dist):
        if not _blank(cell["duration"]):
            step["duration"] = _number(cell["duration"], f"{where}, column duration")
    else:
        step["duration"] = _distribution(str(dist).strip(), cell, f"{where}")
    if not _blank(cell["work"]):
        step["work"] = _duration_cell(cell["work"], f"{where}, column work")
    if not _blank(cell["cost"]):
        step["cost"] = _number(cell["cost"], f"{where}, column cost")
    for key in ("after", "needs", "produces"):
        items = _list_cell(cell[key], f"{where}, column {key}")
        if items:
            step[key] = items
    if not _blank(cell["rework_to"]):
        rework: dict[str, Any] = {"to": _text(cell["rework_to"]),
                                  "p": _number(cell["rework_p"], f"{where}, column rework_p")}
        if not _blank(cell["rework_mode"]):
            rework["mode"] = _text(cell["rework_mode"])
        for key in ("delay", "revision"):
            if not _blank(cell[f"rework_{key}"]):
                rework[key] = _duration_cell(cell[f"rework_{key}"],
                                             f"{where}, column rework_{key}")
        rework.update(_extras_of(cell, "rework", Rework, where))
        step["rework"] = rework
    for flag in _FLAGS:
        if _flag(cell[flag], f"{where}, column {flag}"):
            step[flag] = True
    step.update(_extras_of(cell, "step", Step, where))
    return step


def _distribution(dist: str, cell: dict[str, Any], where: str) -> dict[str, Any]:
    out: dict[str, Any] = {"dist": dist}
    if dist == "empirical":
        out["values"] = [_number(v, f"{where}, column values")
                         for v in _list_cell(cell["values"], f"{where}, column values")]
    elif dist == "sum":
        out["parts"] = _list_cell(cell["values"], f"{where}, column values")
    for key in _DIST_FIELDS:
        if not _blank(cell[key]):
            out[key] = _number(cell[key], f"{where}, column {key}")
    return out


# --- files ---------------------------------------------------------------------------------------

#: Table file suffixes :func:`write_table` and :func:`read_table` know.
TABLE_SUFFIXES = (".csv", ".xlsx")
#: Excel keeps at most this many characters in a cell.
EXCEL_CELL_LIMIT = 32_767
#: Characters an Excel file (XML 1.0) cannot hold, and OOXML's own escapes ``_xHHHH_``.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]|_x[0-9A-Fa-f]{4}_")
_ESCAPED = re.compile("_x([0-9A-Fa-f]{4})_")


def _excel_escape(text: str) -> str:
    # as Excel does: a character XML cannot hold becomes _xHHHH_, and a literal _xHHHH_
    # has its underscore escaped (_x005F_), so that reading undoes exactly this; a leading
    # "=" is escaped too, or the cell would be a formula
    text = _XML_ILLEGAL.sub(lambda m: f"_x{ord(m.group()):04X}_" if len(m.group()) == 1
                            else "_x005F_" + m.group()[1:], text)
    return "_x003D_" + text[1:] if text.startswith("=") else text


def _excel_number(value: Any) -> Any:
    """A number as Excel keeps it, or as its exact text when 16 digits would round it."""
    if isinstance(value, float) and not isinstance(value, bool) and math.isfinite(value) \
            and float(f"{value:.16g}") != value:
        return repr(value)  # openpyxl writes 16 significant digits
    return value


def _excel_unescape(text: str) -> str:
    return _ESCAPED.sub(lambda m: chr(int(m.group(1), 16)), text)


def _suffix(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in TABLE_SUFFIXES:
        raise FileFormatError(f"{path}: a step table is a {' or '.join(TABLE_SUFFIXES)} file, "
                              f"not {path.suffix or 'a suffix-less one'}")
    return suffix


def _openpyxl() -> None:
    require("openpyxl", "Excel step tables")


def dumps_table(process: Process, suffix: str, *, target: str = "<table>") -> str | bytes:
    """The process as a step table: CSV text (``suffix=".csv"``) or Excel bytes (``".xlsx"``).

    ``target`` names the file in error messages.
    """
    df = to_frame(process)
    if suffix == ".csv":
        return str(df.to_csv(index=False, quoting=csv.QUOTE_ALL, lineterminator="\n"))
    _openpyxl()
    import io

    for column in df.columns:
        cells = [_excel_escape(v) if isinstance(v, str) else _excel_number(v)
                 for v in df[column]]
        for i, text in enumerate(cells):
            if isinstance(text, str) and len(text) > EXCEL_CELL_LIMIT:
                raise FileFormatError(
                    f"{target}: row {i}, column {column} holds {len(text):,} characters; an "
                    f"Excel cell holds {EXCEL_CELL_LIMIT:,}. Write a .csv table, or save the "
                    f"process as YAML")
        df[column] = pd_series(cells, df[column])
    buffer = io.BytesIO()
    df.to_excel(buffer, index=False, sheet_name="process", engine="openpyxl")
    return buffer.getvalue()


@validated
def write_table(process: Process, path: str | os.PathLike[str]) -> None:
    """Write the process as a table to a ``.csv`` or ``.xlsx`` file (atomically).

    CSV is written with every cell quoted (so carriage returns inside names
    survive). Excel needs openpyxl (``pip install 'procsimp[excel]'``); a number
    that needs all 17 significant digits is written as its exact text (Excel
    keeps 16), characters an Excel file cannot hold as ``_xHHHH_``, a leading
    ``=`` as ``_x003D_`` (not a formula); :func:`read_table` undoes both.
    ``ps.save(process, "x.xlsx")`` does the same.

    Raises
    ------
    FileFormatError
        An unknown suffix, a cell longer than Excel holds, or a failed write.
    """
    target = Path(path)
    write_atomic(target, dumps_table(process, _suffix(target), target=str(target)))


def pd_series(cells: list[Any], like: Any) -> Any:
    """A column of ``cells`` with the index of ``like`` (object dtype when it holds text)."""
    pd = _pandas()
    return pd.Series(cells, index=like.index,
                     dtype=object if any(isinstance(c, str) for c in cells) else like.dtype)


def _named_record(cell: dict[str, Any], record: str, model: Any, data: dict[str, Any],
                  where: str) -> dict[str, Any]:
    """A level or role row as data: ``data`` plus its name, lock and any further fields."""
    if not _blank(cell["name"]):
        data["name"] = _field(model, "name", cell["name"], f"{where}, column name")
    if _flag(cell["locked"], f"{where}, column locked"):
        data["locked"] = True
    data.update(_extras_of(cell, record, model, where))
    return data


def loads_table(data: str | bytes, suffix: str, *, source: str = "<table>",
                **keywords: Any) -> Process:
    """A process from the bytes of a ``.csv`` or ``.xlsx`` step table (keywords as
    :func:`from_frame`); every cell is read as text, so ids such as ``007`` stay as written."""
    import io

    pd = _pandas()
    raw = data.encode("utf-8") if isinstance(data, str) else data
    try:
        if suffix == ".csv":
            df = pd.read_csv(io.BytesIO(raw), dtype=str, keep_default_na=False)
        else:
            _openpyxl()
            df = pd.read_excel(io.BytesIO(raw), dtype=str, keep_default_na=False,
                               engine="openpyxl")
            df = df.apply(lambda col: col.map(
                lambda v: _excel_unescape(v) if isinstance(v, str) else v))
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise FileFormatError(f"{source}: cannot read the table: {exc}") from None
    except Exception as exc:  # the readers' own errors (a corrupt zip, a bad CSV)
        raise FileFormatError(f"{source}: cannot read the table: {type(exc).__name__}: "
                              f"{exc}") from None
    return from_frame(df, source=source, **keywords)


@validated
def read_table(path: str | os.PathLike[str], **keywords: Any) -> Process:
    """Read a process from a ``.csv`` or ``.xlsx`` table (keywords as :func:`from_frame`).

    Every cell is read as text, so ids such as ``007`` stay as written.
    ``ps.load("x.xlsx")`` (or ``.csv``) does the same.
    """
    source = Path(path)
    suffix = _suffix(source)
    _pandas()
    try:
        data = source.read_bytes()
    except OSError as exc:
        raise FileFormatError(f"{source}: cannot read the table: {exc}") from None
    return loads_table(data, suffix, source=str(source), **keywords)


def _format(name: str, suffix: str) -> Format:
    def read(data: str | bytes, *, source: str = "<table>", **keywords: Any) -> Process:
        return loads_table(data, suffix, source=source, **keywords)

    def write(process: Process) -> str | bytes:
        return dumps_table(process, suffix)

    return Format(name, (suffix,), read, write, options=_TABLE_OPTIONS)


#: What ``load`` passes on to :func:`from_frame` for a step table.
_TABLE_OPTIONS = ("levels", "name", "time_unit", "handoff_delay")
#: Rows of the format table (:mod:`procsimp.io.files`): ``load``/``save`` of step tables.
CSV_FORMAT = _format("csv", ".csv")
XLSX_FORMAT = _format("xlsx", ".xlsx")
