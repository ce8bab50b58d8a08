"""Reading event logs: the two shared municipal logs, XES and Parquet round trips, hostile
XES, time zones, lifecycle pairing and clear errors (procsimp.evidence.logs, .xes)."""

from __future__ import annotations

import gzip
from pathlib import Path
from xml.sax.saxutils import quoteattr

import numpy as np
import pytest

import procsimp as ps

pd = pytest.importorskip("pandas")

LOGS = Path(__file__).resolve().parents[1].parent / "shared" / "event-logs"
RECEIPT = LOGS / "wabo_receipt.csv.gz"
BPIC = LOGS / "bpic2015_municipality1.csv.gz"
needs_logs = pytest.mark.skipif(not RECEIPT.exists(), reason="../shared/event-logs not present")


@needs_logs
def test_shared_logs_load_through_csv_with_the_counts_their_sources_give():
    # counts as published in ../shared/event-logs/SOURCES.md
    log = ps.read_log(RECEIPT)
    assert (log.n_cases, log.n_events, len(log.activities)) == (1434, 8577, 27)
    assert not log.has_start
    assert {"channel", "deadline", "startdate"} <= set(log.cases.columns)
    raw = pd.read_csv(RECEIPT)
    channels = raw.groupby("case:concept:name")["case:channel"].first()
    assert log.cases["channel"].to_dict() == channels.to_dict()
    bpic = ps.read_log(BPIC)
    assert (bpic.n_cases, bpic.n_events) == (1199, 52217)
    assert not bpic.has_start  # its start_timestamp column is empty: completion only
    # times are UTC: the receipt's first event is 2011-10-11 13:45:40.276+02:00
    first = log.events[log.events["case"] == "case-10011"]["end"].iloc[0]
    assert first == pd.Timestamp("2011-10-11 11:45:40.276", tz="UTC")


def _write_xes(frame, path: Path, *, compress: bool = False) -> None:
    """An XES document written here, independently of the reader: traces with their case
    attributes, events with concept:name and time:timestamp."""
    parts = ['<?xml version="1.0" encoding="UTF-8"?>\n<log xes.version="1849-2016" '
             'xmlns="http://www.xes-standard.org/">']
    for case, events in frame.groupby("case:concept:name", sort=False):
        parts.append(f'<trace><string key="concept:name" value={quoteattr(str(case))}/>')
        parts.append(f'<string key="channel" value={quoteattr(events["case:channel"].iloc[0])}/>')
        for act, ts in zip(events["concept:name"], events["time:timestamp"], strict=True):
            parts.append(f'<event><string key="concept:name" value={quoteattr(act)}/>'
                         f'<date key="time:timestamp" value="{ts}"/>'
                         f'<string key="lifecycle:transition" value="complete"/></event>')
        parts.append("</trace>")
    parts.append("</log>")
    data = "\n".join(parts).encode("utf-8")
    path.write_bytes(gzip.compress(data) if compress else data)


@needs_logs
@pytest.mark.parametrize("compress", [False, True])
def test_the_same_events_as_xes_and_parquet_load_to_the_same_frame(tmp_path, compress):
    pytest.importorskip("pyarrow")
    raw = pd.read_csv(RECEIPT)
    csv = ps.read_log(RECEIPT)
    xes_path = tmp_path / ("log.xes.gz" if compress else "log.xes")
    _write_xes(raw, xes_path, compress=compress)
    xes = ps.read_log(xes_path)
    raw.to_parquet(tmp_path / "log.parquet")
    parquet = ps.read_log(tmp_path / "log.parquet")
    for other in (xes, parquet):
        cols = ["case", "activity", "end"]
        left = csv.events[cols].astype({"case": str, "activity": str})
        right = other.events[cols].astype({"case": str, "activity": str})
        pd.testing.assert_frame_equal(left, right)
        assert other.cases["channel"].to_dict() == csv.cases["channel"].to_dict()


BOMB = """<?xml version="1.0"?>
<!DOCTYPE log [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>
<log><trace><event><string key="concept:name" value="&c;"/></event></trace></log>"""
EXTERNAL = """<?xml version="1.0"?>
<!DOCTYPE log [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<log><trace><event><string key="concept:name" value="&x;"/></event></trace></log>"""


@pytest.mark.parametrize("text", [BOMB, EXTERNAL], ids=["entity bomb", "external entity"])
def test_hostile_xes_is_refused_as_bpmn_is(tmp_path, text):
    path = tmp_path / "evil.xes"
    path.write_text(text)
    with pytest.raises(ps.FileFormatError, match=r"evil\.xes.*DOCTYPE or ENTITY"):
        ps.read_log(path)
    # the declaration split across two read chunks is still seen
    from procsimp.evidence import xes
    padded = text.replace("<!DOCTYPE", " " * (xes.CHUNK - 5) + "<!DOCTYPE", 1)
    path.write_text(padded.replace('<?xml version="1.0"?>\n', "", 1))
    with pytest.raises(ps.FileFormatError, match="DOCTYPE or ENTITY"):
        ps.read_log(path)


def test_malformed_and_empty_xes_name_the_file(tmp_path):
    bad = tmp_path / "cut.xes"
    bad.write_text('<log><trace><event><string key="concept:name" value="a"/>')
    with pytest.raises(ps.FileFormatError, match=r"cut\.xes: malformed XML"):
        ps.read_log(bad)
    empty = tmp_path / "none.xes"
    empty.write_text("<log></log>")
    with pytest.raises(ps.FileFormatError, match=r"none\.xes: no events"):
        ps.read_log(empty)


def test_naive_times_are_placed_in_the_given_zone_and_held_as_utc():
    frame = pd.DataFrame({"case_id": ["a", "a"], "activity": ["x", "y"],
                          "timestamp": ["2024-03-01 09:00", "2024-03-01 17:30"]})
    log = ps.read_log(frame, tz="Asia/Jakarta")  # UTC+7, no daylight saving
    assert list(log.events["end"]) == [pd.Timestamp("2024-03-01 02:00", tz="UTC"),
                                       pd.Timestamp("2024-03-01 10:30", tz="UTC")]
    mixed = pd.DataFrame({"case": ["a", "a"], "activity": ["x", "y"],
                          "time:timestamp": ["2024-03-30T12:00:00+01:00",
                                             "2024-03-31T12:00:00+02:00"]})  # DST change
    ends = ps.read_log(mixed).events["end"]
    assert (ends.iloc[1] - ends.iloc[0]) == pd.Timedelta(hours=23)


def test_start_and_complete_rows_are_paired_into_starts():
    frame = pd.DataFrame({
        "case": ["a"] * 4 + ["b"] * 2,
        "activity": ["x", "x", "y", "y", "x", "x"],
        "lifecycle:transition": ["start", "complete", "start", "complete", "start",
                                 "complete"],
        "time:timestamp": ["2024-01-01 08:00", "2024-01-01 10:00", "2024-01-01 11:00",
                           "2024-01-01 15:00", "2024-01-02 08:00", "2024-01-02 09:00"]})
    log = ps.read_log(frame)
    assert log.has_start and log.n_events == 3
    hours = ((log.events["end"] - log.events["start"]) / pd.Timedelta(hours=1)).tolist()
    assert hours == [2.0, 4.0, 1.0]


def test_bad_logs_raise_clear_errors(tmp_path):
    frame = pd.DataFrame({"who": ["a"], "what": ["x"], "when": ["2024-01-01"]})
    with pytest.raises(ps.OptionError, match="no column recognised as the case column"):
        ps.read_log(frame)
    with pytest.raises(ps.OptionError, match="no column 'nope'"):
        ps.read_log(frame, case="nope", activity="what", timestamp="when")
    bad_time = pd.DataFrame({"case": ["a"], "activity": ["x"], "timestamp": ["yesterday"]})
    with pytest.raises(ps.FileFormatError, match="'timestamp' holds a value that is not a "
                                                 "timestamp"):
        ps.read_log(bad_time)
    with pytest.raises(ps.FileFormatError, match="no such file"):
        ps.read_log(tmp_path / "missing.csv")
    (tmp_path / "log.json").write_text("{}")
    with pytest.raises(ps.FileFormatError, match="unknown event-log suffix"):
        ps.read_log(tmp_path / "log.json")


def test_a_log_renders_like_every_result():
    frame = pd.DataFrame({"case_id": ["a", "a", "b"], "activity": ["x", "y", "x"],
                          "timestamp": ["2024-01-01", "2024-01-02", "2024-01-03"]})
    log = ps.read_log(frame)
    assert "cases" in str(log) and "| x" in log.to_markdown()
    assert log.to_dict()["tables"][1]["rows"] == [["x", 2], ["y", 1]]
    assert np.array_equal(log.events["case"].astype(str), ["a", "a", "b"])


@pytest.mark.parametrize("times, tz", [
    (["2024-03-01T09:00:00+07:00", "2024-03-01T10:30:00.250+07:00", "2024-03-02T01:00:00Z"],
     "UTC"),
    (["2024-03-30 23:30:00", "2024-03-31 03:30:00", "2024-10-27 01:30:00"],
     "Europe/Amsterdam"),
    (["2024-03-01 09:00:00+07:00", "2024-03-01 09:00:00"], "Asia/Jakarta"),  # mixed
    (["2024-03-01", "2024-03-02 12:00"], "UTC"),
])
def test_times_read_as_pandas_reads_them(times, tz):
    """However read_log parses (Arrow's ISO 8601 reader when it can, else pandas), the
    times are those pandas gives, naive ones placed in ``tz``, all as UTC."""
    frame = pd.DataFrame({"case": [f"c{i}" for i in range(len(times))],
                          "activity": "a", "timestamp": times})
    got = ps.read_log(frame, tz=tz).events.set_index("case")["end"]
    expected = []
    for t in times:
        stamp = pd.Timestamp(t)
        stamp = stamp.tz_localize(tz) if stamp.tzinfo is None else stamp
        expected.append(stamp.tz_convert("UTC"))
    assert [got[f"c{i}"] for i in range(len(times))] == expected
