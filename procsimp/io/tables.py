"""Step tables: ``proc.to_frame()`` and ``ps.from_frame(df)``, for spreadsheets (pandas).

One row per step, in step order. Columns:

========================== ==================================================================
``id``, ``name``            the step's id and display name
``role``, ``level``         the performing role and its level (``level`` is read only when
                            the table carries no process data, see below)
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

Process data (name, description, time unit, handoff delay, levels, roles with
their names, rates and reporting lines) rides in ``df.attrs["procsimp"]``, so
``from_frame(p.to_frame()) == p``. ``attrs`` do not survive CSV or Excel: a
table read from a file rebuilds roles from the ``role`` and ``level``
columns (levels in order of first appearance, highest rank first), and
``from_frame`` takes ``name``, ``time_unit`` and ``handoff_delay`` keywords.
Read CSV files as text so that ids stay as written:
``pd.read_csv(f, dtype=str, keep_default_na=False)``.
"""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING, Any

from procsimp.durations import mean_of
from procsimp.errors import FileFormatError, MissingDependencyError
from procsimp.model import Process

if TYPE_CHECKING:
    import pandas as pd

#: Columns of :func:`to_frame`, in order.
COLUMNS = (
    "id", "name", "role", "level", "kind", "duration", "dist", "low", "mode", "high", "median",
    "p90", "mu", "sigma", "values", "work", "cost", "after", "join", "needs", "produces",
    "rework_to", "rework_p", "rework_mode", "rework_delay", "rework_revision", "locked",
    "applicant_facing", "digitizable",
)
_DIST_FIELDS = ("low", "mode", "high", "median", "p90", "mu", "sigma")
_FLAGS = ("locked", "applicant_facing", "digitizable")


def _pandas() -> Any:
    try:
        import pandas as pd
    except ImportError:
        raise MissingDependencyError(
            "step tables need pandas: pip install 'procsimp[pandas]' (or pip install pandas)"
        ) from None
    return pd


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


def to_frame(process: Process) -> pd.DataFrame:
    """The steps as a pandas DataFrame, one row per step (columns: see the module docstring).

    >>> import procsimp as ps
    >>> p = ps.Process.model_validate({"levels": ["staff"],
    ...     "roles": [{"id": "c", "level": "staff"}],
    ...     "steps": [{"id": "a", "role": "c", "duration": 2},
    ...               {"id": "b", "role": "c", "after": ["a"], "duration": 1}]})
    >>> df = to_frame(p)  # doctest: +SKIP
    >>> list(df["after"])  # doctest: +SKIP
    ['', 'a']
    """
    pd = _pandas()
    rows = []
    for s in process.steps:
        row: dict[str, Any] = dict.fromkeys(COLUMNS)
        row.update(id=s.id, name=s.name, role=s.role, level=process.role(s.role).level,
                   kind=s.kind, join=s.join, cost=s.cost, work=_number_or_json(s.work),
                   needs=_id_list(s.needs), produces=_id_list(s.produces))
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
        rows.append(row)
    df = pd.DataFrame(rows, columns=list(COLUMNS))
    df.attrs["procsimp"] = process.model_dump(mode="json", exclude={"steps"})
    return df


# --- reading -------------------------------------------------------------------------------------


def _blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _number(value: Any, where: str) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        raise FileFormatError(f"{where}: expected a number, got {value!r}") from None


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


def from_frame(df: pd.DataFrame, *, name: str | None = None, time_unit: str | None = None,
               handoff_delay: float | None = None, source: str = "<table>") -> Process:
    """A process from a step table (the inverse of :meth:`Process.to_frame`).

    Raises :class:`~procsimp.FileFormatError` for a table that is not a step
    table and :class:`~procsimp.ModelError` for an invalid process, naming the
    row (step id) and column.
    """
    from procsimp.io.files import from_data

    _pandas()
    columns = [str(c) for c in getattr(df, "columns", [])]
    missing = [c for c in ("id", "role") if c not in columns]
    if missing:
        raise FileFormatError(f"{source}: a step table needs the columns id and role; "
                              f"missing: {', '.join(missing)}")
    header = df.attrs.get("procsimp") if isinstance(getattr(df, "attrs", None), dict) else None
    data: dict[str, Any] = dict(header) if isinstance(header, dict) else {}
    steps: list[dict[str, Any]] = []
    levels: dict[str, None] = {}
    roles: dict[str, str] = {}
    for i, row in enumerate(df.to_dict("records")):
        cell = {k: row.get(k) for k in COLUMNS}
        sid = _text(cell["id"]) if not _blank(cell["id"]) else ""
        where = f"{source}: row {i} (step {sid!r})"
        step: dict[str, Any] = {"id": sid, "role": _text(cell["role"])}
        if not _blank(cell["level"]):
            levels[_text(cell["level"])] = None
            roles.setdefault(step["role"], _text(cell["level"]))
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
            if not _blank(cell["rework_delay"]):
                rework["delay"] = _duration_cell(cell["rework_delay"],
                                                 f"{where}, column rework_delay")
            if not _blank(cell["rework_revision"]):
                rework["revision"] = _duration_cell(cell["rework_revision"],
                                                    f"{where}, column rework_revision")
            step["rework"] = rework
        for flag in _FLAGS:
            if _flag(cell[flag], f"{where}, column {flag}"):
                step[flag] = True
        steps.append(step)
    if not data:
        data = {"levels": list(levels) or ["staff"],
                "roles": [{"id": r, "level": roles.get(r, "staff")}
                          for r in dict.fromkeys(s["role"] for s in steps)]}
    for key, value in (("name", name), ("time_unit", time_unit),
                       ("handoff_delay", handoff_delay)):
        if value is not None:
            data[key] = value
    data["steps"] = steps
    return from_data(data, source=source)


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
