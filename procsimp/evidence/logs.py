"""Reading event logs: CSV (gzipped too), Parquet, XES or a pandas DataFrame.

An :class:`EventLog` holds one row per event (``case``, ``activity``, ``end``, and
``start`` when the log records starts; times as UTC) and one row per case with its
attributes (``channel``, ``deadline``, ...). The usual column names are recognised
(``case:concept:name``, ``concept:name``, ``time:timestamp``, ``case_id``,
``activity``, ``timestamp``, ``start_timestamp``, ...); others are given by name.

>>> import pandas as pd
>>> frame = pd.DataFrame({"case_id": ["a", "a", "b"],
...                       "activity": ["register", "decide", "register"],
...                       "timestamp": ["2024-01-02 09:00", "2024-01-03 09:00",
...                                     "2024-01-02 10:00"]})
>>> log = read_log(frame)
>>> log.n_cases, log.n_events, log.has_start
(2, 3, False)
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from procsimp._checks import validated
from procsimp._progress import check_progress, progress_bar
from procsimp.errors import FileFormatError, OptionError
from procsimp.render import Renderable, Table, Tables, require

if TYPE_CHECKING:
    import pandas

#: Column names recognised for each role, tried in this order (case-insensitive).
CASE_NAMES = ("case:concept:name", "case_id", "caseid", "case id", "case", "case:id")
ACTIVITY_NAMES = ("concept:name", "activity", "activity_name", "activity name", "task", "event")
END_NAMES = ("time:timestamp", "timestamp", "end_timestamp", "complete_timestamp",
             "end_time", "end", "time", "completetime")
START_NAMES = ("start_timestamp", "start_time", "time:start", "starttime", "start")
LIFECYCLE_NAMES = ("lifecycle:transition", "lifecycle", "transition")


@dataclass(frozen=True, repr=False)
class EventLog(Renderable):
    """Events (``events``: columns ``case``, ``activity``, ``end`` and, when the log has
    starts, ``start``, times tz-aware UTC; each case's events together, in time order,
    cases in the file's order when the file keeps each case together, else by case id) and the case
    attributes (``cases``: one row per case id, columns named without the ``case:``
    prefix). ``source`` names where the log came from."""

    events: pandas.DataFrame
    cases: pandas.DataFrame
    source: str = "<frame>"

    @property
    def n_events(self) -> int:
        return len(self.events)

    @property
    def n_cases(self) -> int:
        return len(self.cases)

    @property
    def has_start(self) -> bool:
        """The log records when events start (not only when they complete)."""
        return "start" in self.events.columns

    @property
    def activities(self) -> dict[str, int]:
        """Activity -> number of events."""
        counts = self.events["activity"].value_counts(sort=True)
        return {str(k): int(v) for k, v in counts.items() if v}

    def tables(self) -> Tables:
        ev = self.events
        first, last = (ev["end"].min(), ev["end"].max()) if len(ev) else (None, None)
        summary = Table(f"Event log {self.source}", ("what", "value"), (
            ("cases", self.n_cases), ("events", self.n_events),
            ("activities", len(self.activities)),
            ("start times", "recorded" if self.has_start else "completion only"),
            ("first event", str(first)), ("last event", str(last)),
            ("case attributes", ", ".join(map(str, self.cases.columns)) or "none")),
            header=False, name="log")
        acts = Table("Activities", ("activity", "events"),
                     tuple(self.activities.items()), name="activities")
        return Tables((summary, acts))

    def __repr__(self) -> str:
        return (f"EventLog({self.source!r}, cases={self.n_cases}, events={self.n_events}, "
                f"start={'yes' if self.has_start else 'no'})")


def _pick(columns: Sequence[str], given: str | None, names: Sequence[str], what: str,
          source: str, *, required: bool = True) -> str | None:
    if given is not None:
        if given not in columns:
            raise OptionError(f"{source}: no column {given!r} for the {what}; the columns are "
                              f"{', '.join(map(repr, columns))}")
        return given
    lower = {str(c).lower(): c for c in columns}
    for name in names:
        if name in lower:
            return str(lower[name])
    if required:
        raise OptionError(f"{source}: no column recognised as the {what} (tried "
                          f"{', '.join(names)}); name it, e.g. read_log(..., "
                          f"{what.split()[0]}='my column')")
    return None


def _arrow_times(pd: Any, column: Any) -> Any:
    """ISO 8601 text parsed by Arrow's C++ parser (several times faster than pandas), or
    None: when pyarrow is absent, or the column mixes times with and without an offset,
    or holds anything Arrow does not read as ISO 8601 (then pandas reads it)."""
    try:
        import pyarrow as pa
        import pyarrow.compute as pc
    except ImportError:
        return None
    arr = getattr(column.array, "_pa_array", None)
    try:
        if arr is None:
            if column.dtype != object:
                return None
            arr = pa.array(column.to_numpy(), type=pa.string(), from_pandas=True)
        if not pa.types.is_string(arr.type) and not pa.types.is_large_string(arr.type):
            return None
        try:  # every time with an offset (or Z)
            parsed, zone = pc.cast(arr, pa.timestamp("us", tz="UTC")), "UTC"
        except pa.ArrowInvalid:  # every time without one: local times in ``tz``
            parsed, zone = pc.cast(arr, pa.timestamp("us")), None
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return None
    naive = parsed.cast(pa.timestamp("us")) if zone else parsed
    values = pd.Series(naive.to_numpy(zero_copy_only=False), index=column.index)
    return values.dt.tz_localize("UTC") if zone else values


#: The end of an ISO 8601 time that carries its offset (``Z``, ``+07:00``, ``-0500``).
_OFFSET = r"(?:[zZ]|[+-]\d\d(?::?\d\d)?)\s*$"


def _times(pd: Any, column: Any, name: str, source: str, tz: str) -> Any:
    if pd.api.types.is_datetime64_any_dtype(column):
        return _in_utc(column, name, source, tz)
    fast = _arrow_times(pd, column)
    if fast is not None:
        return _in_utc(fast, name, source, tz)
    text = column.astype("string")
    aware = text.str.contains(_OFFSET, regex=True, na=False).to_numpy()
    given = column.notna().to_numpy()
    if aware.any() and not aware[given].all():
        # some times carry an offset, others not: each kind read on its own, the naive
        # ones placed in ``tz``
        parts = [_in_utc(_parse(pd, column[mask], name, source), name, source, tz)
                 for mask in (aware, ~aware)]
        return pd.concat(parts).reindex(column.index)
    return _in_utc(_parse(pd, column, name, source), name, source, tz)


def _parse(pd: Any, column: Any, name: str, source: str) -> Any:
    try:
        values = pd.to_datetime(column, format="ISO8601", utc=False)
    except (ValueError, TypeError):
        try:
            values = pd.to_datetime(column, utc=True, format="ISO8601")
        except (ValueError, TypeError) as exc:
            raise FileFormatError(f"{source}: column {name!r} holds a value that is not "
                                  f"a timestamp ({exc}); give ISO 8601 times such as "
                                  f"2024-01-31T09:30:00+07:00") from None
    if not pd.api.types.is_datetime64_any_dtype(values):
        # different offsets give objects: read again as UTC
        values = pd.to_datetime(column, utc=True, format="ISO8601")
    return values


def _in_utc(values: Any, name: str, source: str, tz: str) -> Any:
    if getattr(values.dt, "tz", None) is None:
        try:
            values = values.dt.tz_localize(tz)
        except Exception as exc:  # unknown zone, ambiguous local times
            raise OptionError(f"{source}: cannot place the times of {name!r} in time zone "
                              f"{tz!r} ({exc}); pass tz='Europe/Amsterdam' or similar") from None
    return values.dt.tz_convert("UTC")


def from_frame(frame: pandas.DataFrame, *, case: str | None = None,
               activity: str | None = None, timestamp: str | None = None,
               start: str | None = None, lifecycle: str | None = None,
               case_attributes: Sequence[str] = (), tz: str = "UTC",
               source: str = "<frame>") -> EventLog:
    """An :class:`EventLog` from a DataFrame of events (see :func:`read_log`)."""
    pd = require("pandas", "read_log")
    cols = [str(c) for c in frame.columns]
    c_case = _pick(cols, case, CASE_NAMES, "case column", source)
    c_act = _pick(cols, activity, ACTIVITY_NAMES, "activity column", source)
    c_end = _pick(cols, timestamp, END_NAMES, "timestamp column", source)
    c_start = _pick(cols, start, START_NAMES, "start column", source, required=False)
    c_life = _pick(cols, lifecycle, LIFECYCLE_NAMES, "lifecycle column", source,
                   required=False)
    assert c_case is not None and c_act is not None and c_end is not None
    if c_start is not None and frame[c_start].isna().all():
        c_start = None  # an empty start column: completion times only
    if frame[c_case].isna().any() or frame[c_act].isna().any():
        col = c_case if frame[c_case].isna().any() else c_act
        row = int(frame[col].isna().to_numpy().argmax())
        raise FileFormatError(f"{source}: row {row + 1} has no value in {col!r}; every event "
                              f"needs a case and an activity")
    if c_life is not None:
        life = frame[c_life].astype(str).str.lower()
        if c_start is None and (life == "start").any():
            frame = _pair_lifecycle(pd, frame, life, c_case, c_act, c_end)
            c_start = "__start"
        else:
            frame = frame[(life == "complete") | frame[c_life].isna()]
    ev = pd.DataFrame({"case": _category(pd, frame[c_case]),
                       "activity": _category(pd, frame[c_act])})
    ev["end"] = _times(pd, frame[c_end], c_end, source, tz).reset_index(drop=True)
    if ev["end"].isna().any():
        row = int(ev["end"].isna().to_numpy().argmax())
        raise FileFormatError(f"{source}: event {row + 1} (case {ev['case'].iloc[row]!r}) has "
                              f"no timestamp in {c_end!r}")
    if c_start is not None:
        ev["start"] = _times(pd, frame[c_start], c_start, source, tz).reset_index(drop=True)
        ev["start"] = ev["start"].fillna(ev["end"])
        bad = ev["start"] > ev["end"]
        if bad.any():
            row = int(bad.to_numpy().argmax())
            raise FileFormatError(f"{source}: event {row + 1} (case {ev['case'].iloc[row]!r}, "
                                  f"{ev['activity'].iloc[row]!r}) starts after it completes")
    # grouped by case, time order within each (stable: ties keep the file's order); a
    # file that already holds each case's events together in time order keeps its order
    codes = ev["case"].cat.codes.to_numpy()
    times = ev["end"].array.asi8
    change = codes[1:] != codes[:-1]
    heads = codes[np.r_[True, change]] if len(codes) else codes
    grouped = (len(heads) == 0 or int(np.bincount(heads).max()) == 1) and bool(
        np.all(np.diff(times)[~change] >= 0))
    order = np.arange(len(codes)) if grouped else np.lexsort((times, codes))
    if not grouped:
        ev = ev.take(order).reset_index(drop=True)
    # case attributes: the case: columns and those named, first value of each case
    attr_cols = [c for c in cols if c.lower().startswith("case:") and c != c_case]
    attr_cols += [c for c in case_attributes if c not in attr_cols]
    for c in case_attributes:
        if c not in cols:
            raise OptionError(f"{source}: no column {c!r} for a case attribute")
    # each case's values at its earliest event: the first row of each run of one case
    # in the sorted order (no hashing of whole rows)
    sorted_codes = codes[order]
    firsts = order[np.flatnonzero(np.r_[True, sorted_codes[1:] != sorted_codes[:-1]])]
    cases = frame[attr_cols].iloc[firsts].reset_index(drop=True)
    cases.columns = [c[5:] if c.lower().startswith("case:") else c for c in attr_cols]
    cases.index = ev["case"].cat.categories[codes[firsts]]
    if not cases.index.is_monotonic_increasing:
        cases = cases.sort_index()
    cases.index.name = "case"
    return EventLog(ev, cases, source)


def _category(pd: Any, column: Any) -> Any:
    """A column as a categorical of strings (case ids may be numbers), reset index;
    categories sorted. Factorized once (a hash pass) rather than cast with astype; text
    held by Arrow is dictionary-encoded by Arrow itself."""
    fast = _arrow_category(pd, column)
    if fast is not None:
        return fast
    codes, uniques = pd.factorize(column, sort=False)
    names = pd.Index(uniques)
    if not isinstance(names.dtype, pd.StringDtype) and names.astype(str).has_duplicates:
        # 1 and "1" in one column: tell them apart as text
        codes, uniques = pd.factorize(column.astype(str), sort=False)
        names = pd.Index(uniques)
    # sorting the distinct values, not the column (pandas' sort=True is several times
    # slower on many distinct strings)
    perm = np.asarray(names.argsort(kind="stable"))
    rank = np.empty_like(perm)
    rank[perm] = np.arange(len(perm))
    codes = np.where(codes < 0, codes, rank[np.maximum(codes, 0)]) if len(perm) else codes
    return pd.Series(pd.Categorical.from_codes(codes, categories=names[perm].astype(str)))


def _arrow_category(pd: Any, column: Any) -> Any:
    arr = getattr(column.array, "_pa_array", None)
    if arr is None or column.hasnans or not isinstance(column.dtype, pd.StringDtype):
        return None
    import pyarrow as pa
    import pyarrow.compute as pc

    whole = arr.combine_chunks() if arr.num_chunks != 1 else arr.chunk(0)
    encoded = pc.dictionary_encode(whole)
    index = encoded.indices.to_numpy(zero_copy_only=False)
    order = pc.sort_indices(encoded.dictionary).to_numpy()
    rank = np.empty(len(order), dtype=index.dtype)
    rank[order] = np.arange(len(order), dtype=index.dtype)
    names = pd.Index(pd.array(encoded.dictionary.take(pa.array(order)), dtype=column.dtype))
    return pd.Series(pd.Categorical.from_codes(rank[index], categories=names, validate=False))


def _pair_lifecycle(pd: Any, frame: Any, life: Any, c_case: str, c_act: str,
                    c_end: str) -> Any:
    """Starts and completes in separate rows: the k-th start of an activity in a case
    pairs with its k-th complete; a complete without a start keeps no start."""
    starts = frame[life == "start"]
    ends = frame[life == "complete"].copy()
    key_s = starts.groupby([c_case, c_act], sort=False).cumcount()
    key_e = ends.groupby([c_case, c_act], sort=False).cumcount()
    s = pd.DataFrame({c_case: starts[c_case].to_numpy(), c_act: starts[c_act].to_numpy(),
                      "__k": key_s.to_numpy(), "__start": starts[c_end].to_numpy()})
    ends["__k"] = key_e.to_numpy()
    return ends.merge(s, on=[c_case, c_act, "__k"], how="left")


@validated
def read_log(source: str | os.PathLike[str] | pandas.DataFrame, *, case: str | None = None,
             activity: str | None = None, timestamp: str | None = None,
             start: str | None = None, lifecycle: str | None = None,
             case_attributes: Sequence[str] = (), tz: str = "UTC",
             progress: bool | None = None, **read_options: Any) -> EventLog:
    """Read an event log into an :class:`EventLog`.

    Parameters
    ----------
    source
        A path (``.csv``, ``.csv.gz``, ``.parquet``, ``.xes``, ``.xes.gz``) or a pandas
        DataFrame with one row per event.
    case, activity, timestamp
        Column names of the case id, the activity and the completion time; by default
        the usual names are recognised (``case:concept:name``, ``concept:name``,
        ``time:timestamp``, ``case_id``, ``activity``, ``timestamp``, ...).
    start
        Column of the start time, when the log records it (default: a column named
        ``start_timestamp``, ``start_time``, ... if it holds any value). Without starts,
        a step's duration is the time since the event that enabled it. A lifecycle
        column with ``start``/``complete`` rows is paired into starts as well.
    case_attributes
        Further columns to keep as case attributes (columns named ``case:...`` always
        are, without the prefix).
    tz
        Time zone of timestamps written without an offset (default UTC); times with an
        offset keep it. All times are held as UTC.
    progress
        Show progress of reading a file (tqdm when installed, else a text line on
        standard error): None on a terminal once the work passes two seconds, True
        always, False never.
    read_options
        Passed to :func:`pandas.read_csv` (e.g. ``sep=";"``).
    """
    pd = require("pandas", "read_log")
    if isinstance(source, pd.DataFrame):
        return from_frame(source, case=case, activity=activity, timestamp=timestamp,
                          start=start, lifecycle=lifecycle, case_attributes=case_attributes,
                          tz=tz)
    path = Path(source)
    name = str(path)
    if not path.is_file():
        raise FileFormatError(f"{name}: no such file")
    lower = path.name.lower()
    bar = progress_bar(2, f"read_log: reading {path.name}", unit="stage",
                       progress=check_progress(progress, "read_log"))
    try:
        if lower.endswith((".csv", ".csv.gz", ".csv.bz2", ".csv.zip", ".csv.xz", ".txt")):
            frame = pd.read_csv(path, **read_options)
        elif lower.endswith((".parquet", ".pq")):
            require("pyarrow", "read_log (Parquet)")
            frame = pd.read_parquet(path)
        elif lower.endswith((".xes", ".xes.gz")):
            from procsimp.evidence.xes import read_xes
            frame = read_xes(path)
        else:
            raise FileFormatError(f"{name}: unknown event-log suffix; use .csv, .csv.gz, "
                                  f".parquet, .xes or .xes.gz, or pass a DataFrame")
    except (OSError, UnicodeDecodeError, pd.errors.ParserError,
            pd.errors.EmptyDataError) as exc:
        raise FileFormatError(f"{name}: cannot read the event log ({exc})") from None
    bar.update()
    bar.describe(f"read_log: building the log of {len(frame):,} events")
    log = from_frame(frame, case=case, activity=activity, timestamp=timestamp, start=start,
                     lifecycle=lifecycle, case_attributes=case_attributes, tz=tz, source=name)
    bar.update()
    bar.close()
    return log


__all__ = ["ACTIVITY_NAMES", "CASE_NAMES", "END_NAMES", "START_NAMES", "EventLog",
           "from_frame", "read_log"]
