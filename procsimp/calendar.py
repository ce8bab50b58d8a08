"""Working calendars: which days an office works, how long its day is, and its holidays.

A :class:`Calendar` names the working weekdays, the working hours per day and
the holidays, either listed as dates or taken from the ``holidays`` package
by country and category (Indonesia: ``public`` national holidays and
``government`` collective leave, *cuti bersama*). With a calendar, a process's
durations are working time on it (a ``day`` is a working day).

Counting follows the service standards: the day the clock starts is not
counted, so ``add(DATE, n)`` is the n-th working day after DATE (for a
request that arrives on a Saturday, Monday is the first day counted). In a
simulation, working time 0 is the close of the start date;
working time in ``(k - 1, k]`` working days falls on the k-th working day
after it, a fraction ``f`` of that day being ``f * hours_per_day`` hours after
the office opens, so ``k`` whole working days end exactly at the close of
``add(start, k)``.

>>> cal = Calendar(holidays=["2025-03-31", "2025-04-01"])
>>> str(cal.add("2025-03-28", 1))  # Friday; the next Monday and Tuesday are holidays
'2025-04-02'
>>> cal.working_days("2025-03-24", "2025-04-04")
8
"""

from __future__ import annotations

import datetime as dt
import math
from functools import lru_cache
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    field_validator,
)

from procsimp._checks import validated
from procsimp.errors import MissingDependencyError, ModelError, OptionError

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
#: Working time below this many working days is rounding, not time (sums of durations).
EPS = 1e-9
#: The last year a calendar resolves (numpy's dates and the holidays data end well before
#: anything an office plans).
LAST_YEAR = 9999


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False,
                              use_attribute_docstrings=True)


class HolidaySource(_Model):
    """Holidays taken from the ``holidays`` package (``pip install procsimp[calendar]``)."""

    country: Annotated[str, Field(min_length=2, max_length=3)]
    """ISO 3166 country code, e.g. ``ID`` for Indonesia."""
    categories: Annotated[tuple[Annotated[str, Field(min_length=1)], ...],
                          Field(min_length=1)] = ("public",)
    """The package's holiday categories; for Indonesia ``public`` (national holidays) and
    ``government`` (collective leave, *cuti bersama*)."""
    subdiv: str | None = None
    """A province or state code, for regional holidays."""


def _holidays_tag(value: Any) -> str | None:
    if isinstance(value, (list, tuple)):
        return "dates"
    if isinstance(value, (dict, HolidaySource)):
        return "source"
    return None


Holidays = Annotated[
    Annotated[tuple[dt.date, ...], Tag("dates")] | Annotated[HolidaySource, Tag("source")],
    Discriminator(_holidays_tag, custom_error_type="holidays",
                  custom_error_message="holidays is a list of dates (YYYY-MM-DD) or a mapping "
                                       "{country: ID, categories: [public, government]}"),
]


class Calendar(_Model):
    """A working calendar: working weekdays, hours per working day, holidays."""

    workweek: Annotated[tuple[Weekday, ...], Field(min_length=1)] = (
        "mon", "tue", "wed", "thu", "fri")
    """The working weekdays (``mon`` .. ``sun``)."""
    hours_per_day: Annotated[float, Field(gt=0, le=24)] = 8.0
    """Working hours in a working day (an ``hour`` of the process is one of them)."""
    holidays: Holidays = ()
    """Non-working dates: a list of dates, or ``{country, categories, subdiv}`` from the
    ``holidays`` package."""

    @field_validator("workweek")
    @classmethod
    def _unique_days(cls, days: tuple[str, ...]) -> tuple[str, ...]:
        twice = sorted({d for d in days if days.count(d) > 1})
        if twice:
            raise ValueError(f"workweek lists {', '.join(twice)} more than once; list each "
                             f"working weekday once")
        return tuple(sorted(days, key=WEEKDAYS.index))

    # --- holidays --------------------------------------------------------------------

    @validated
    def holiday_dates(self, first_year: int, last_year: int) -> tuple[dt.date, ...]:
        """The holidays from ``first_year`` to ``last_year`` (inclusive), sorted.

        Raises :class:`~procsimp.MissingDependencyError` when the calendar names a
        country and the ``holidays`` package is not installed.
        """
        _check_years(first_year, last_year, "calendar.holiday_dates")
        if isinstance(self.holidays, HolidaySource):
            src = self.holidays
            return _package_holidays(src.country, src.categories, src.subdiv,
                                     first_year, last_year)
        return tuple(sorted(d for d in set(self.holidays) if first_year <= d.year <= last_year))

    @validated
    def pinned(self, first_year: int, last_year: int) -> Calendar:
        """This calendar with its holidays listed as dates for those years.

        Freezes the ``holidays`` package's data into the process file (``ps.save``), so
        its figures no longer change when the package's data do.
        """
        _check_years(first_year, last_year, "calendar.pinned")
        return self.model_copy(update={"holidays": self.holiday_dates(first_year, last_year)})

    def _busdaycal(self, first_year: int, last_year: int) -> np.busdaycalendar:
        return _busdaycal(self, first_year, last_year)

    # --- arithmetic ------------------------------------------------------------------

    @validated
    def add(self, date: Any, n: int) -> dt.date:
        """The n-th working day after ``date`` (``date`` itself not counted; n = 0: ``date``)."""
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
            raise OptionError(f"calendar.add: n must be a whole number of working days >= 0, "
                              f"got {n!r}")
        day = as_date(date, "calendar.add: date")
        end = self.offsets(np.array([day], dtype="datetime64[D]"), np.array([float(n)]))[0]
        return end.astype(dt.date)  # type: ignore[no-any-return]

    @validated
    def working_days(self, first: Any, last: Any) -> int:
        """Working days from ``first`` to ``last``, both included."""
        a, b = (as_date(first, "calendar.working_days: first"),
                as_date(last, "calendar.working_days: last"))
        if b < a:
            raise OptionError(f"calendar.working_days: last ({b}) is before first ({a})")
        cal = self._busdaycal(int(str(a)[:4]), int(str(b)[:4]))
        return int(np.busday_count(a, b + np.timedelta64(1, "D"), busdaycal=cal))

    @validated
    def is_working_day(self, date: Any) -> bool:
        """Whether the office works on ``date``."""
        d = as_date(date, "calendar.is_working_day: date")
        year = int(str(d)[:4])
        return bool(np.is_busday(d, busdaycal=self._busdaycal(year, year)))

    @validated
    def working_days_per(self, unit: str) -> float:
        """Working days in one time unit of a process on this calendar."""
        per = {"minute": 1.0 / (60.0 * self.hours_per_day), "hour": 1.0 / self.hours_per_day,
               "day": 1.0, "week": float(len(self.workweek))}
        if unit not in per:
            raise OptionError(f"calendar.working_days_per: unit must be one of "
                              f"{', '.join(per)}, got {unit!r}")
        return per[unit]

    # --- many cases at once ----------------------------------------------------------

    @validated
    def offsets(self, start: np.ndarray, working: np.ndarray) -> np.ndarray:
        """The working day on which each working-time offset falls (whole arrays).

        ``start`` holds each case's start date (``datetime64[D]``), ``working`` its
        offset in working days (>= 0). Offset 0 falls on the start date itself; an
        offset in ``(k - 1, k]`` on ``add(start, k)``.
        """
        k = whole_days(working)
        days = self._offset_days(start, k)
        return np.where(k == 0, start, days)

    @validated
    def elapsed(self, start: np.ndarray, working: np.ndarray) -> np.ndarray:
        """Calendar days from the close of each start date to each working-time offset.

        Whole working days give whole calendar days (``add(start, k) - start``); a
        fraction ``f`` of the k-th working day ends ``(1 - f) * hours_per_day`` hours
        before that day's close. Offset 0 is 0.
        """
        k = whole_days(working)
        days = self._offset_days(start, k)
        f = np.clip(working - (k - 1), 0.0, 1.0)
        out = (days - start).astype(np.float64) - (1.0 - f) * (self.hours_per_day / 24.0)
        return np.where(k == 0, 0.0, out)

    def _offset_days(self, start: np.ndarray, k: np.ndarray) -> np.ndarray:
        # a start on a non-working day rolls back to the working day before it, which may
        # lie in the year before
        first = int(start.min().astype("datetime64[Y]").astype(int)) + 1970 - 1
        last = int(start.max().astype("datetime64[Y]").astype(int)) + 1970
        per_year = max(1, len(self.workweek) * 52 - 40)
        last += math.ceil(float(k.max()) / per_year) + 1
        while True:  # the holidays must cover every date reached
            if last > LAST_YEAR:
                raise OptionError(f"a case runs past the year {LAST_YEAR} on this calendar "
                                  f"(its longest offset is {int(k.max()):,} working days)")
            days = np.busday_offset(start, k, roll="backward",
                                    busdaycal=self._busdaycal(first, last))
            reached = int(days.max().astype("datetime64[Y]").astype(int)) + 1970
            if reached <= last:
                return days
            last = reached + 1


class Timeline:
    """Working time of one calendar laid over the dates, for calendar-time simulation.

    An instant is a float number of calendar days since the start of ``epoch``
    (midnight): the close of date ``epoch + d`` is ``d + 1``. A working day's
    ``hours_per_day`` hours are the last ones before its close (the convention of
    :meth:`Calendar.elapsed`). The table ``cum[i]`` counts the working days before
    day ``i``; :meth:`position` and :meth:`instant` convert between an instant and
    the working days done by then, :meth:`advance` adds working time to instants.
    Whole arrays at a time (no loop over cases); the table grows when a case runs
    past it. ``calendar=None`` is continuous time (every hour of every day works).

    >>> tl = Timeline(Calendar(holidays=["2025-03-31", "2025-04-01"]), np.datetime64("2025-03-28"))
    >>> float(tl.advance(np.array([1.0]), 1.0)[0])  # from the close of Fri 28 March: Wed 2 April
    6.0
    """

    def __init__(self, calendar: Calendar | None, epoch: np.datetime64, days: int = 800,
                 owner: str = "the process") -> None:
        self.calendar = calendar
        self.epoch = as_date(epoch, "timeline")
        self.owner = owner
        self.span = 1.0 if calendar is None else calendar.hours_per_day / 24.0
        self.days = 0
        if calendar is not None:
            self._build(max(days, 64))

    def _build(self, days: int) -> None:
        assert self.calendar is not None
        first = int(self.epoch.astype("datetime64[Y]").astype(int)) + 1970
        last = int((self.epoch + np.timedelta64(days, "D")).astype("datetime64[Y]")
                   .astype(int)) + 1970
        if last > LAST_YEAR:
            raise OptionError(f"a case runs past the year {LAST_YEAR} on the calendar of "
                              f"{self.owner}; check its workweek and holidays leave working days")
        dates = self.epoch + np.arange(days).astype("timedelta64[D]")
        busy = np.is_busday(dates, busdaycal=self.calendar._busdaycal(first, last))
        self.busy = busy.astype(np.float64)
        self.cum = np.concatenate(([0], np.cumsum(busy)))
        self.nth = np.flatnonzero(busy)  # day index of the k-th working day (k = 1, 2, ...)
        self.days = days

    def _cover(self, day: int, k: int) -> None:
        """Grow the table until it holds day index ``day`` and ``k`` working days."""
        while day >= self.days or k > len(self.nth):
            self._build(self.days * 2)

    def position(self, t: np.ndarray) -> np.ndarray:
        """Working days done by each (finite) instant since the start of ``epoch``."""
        if self.calendar is None:
            return t
        i = np.floor(t).astype(np.int64)
        self._cover(int(i.max(initial=0)), 0)
        frac = np.clip((t - (i + 1 - self.span)) / self.span, 0.0, 1.0) * self.busy[i]
        return self.cum[i] + frac

    def instant(self, p: np.ndarray) -> np.ndarray:
        """The first instant by which ``p`` working days (> 0) are done."""
        if self.calendar is None:
            return p
        k = np.maximum(whole_days(p), 1)
        self._cover(0, int(k.max(initial=1)))
        f = np.clip(p - (k - 1), 0.0, 1.0)
        return self.nth[k - 1] + 1 - (1.0 - f) * self.span

    def advance(self, t: np.ndarray, working: np.ndarray | float) -> np.ndarray:
        """Each instant ``t`` plus ``working`` working days (``-inf`` stays ``-inf``)."""
        if self.calendar is None:
            return t + working
        w = np.broadcast_to(np.asarray(working, dtype=np.float64), t.shape)
        ok = np.isfinite(t) & (w > 0)
        if ok.all():
            return np.maximum(t, self.instant(self.position(t) + w))
        out = t.copy()
        tt = t[ok]
        if tt.size:
            out[ok] = np.maximum(tt, self.instant(self.position(tt) + w[ok]))
        return out


def whole_days(working: np.ndarray) -> np.ndarray:
    """The working day (1, 2, ...) an offset falls on, 0 for offset 0 (rounding forgiven)."""
    return np.maximum(np.ceil(working - EPS), 0.0).astype(np.int64)


def as_date(value: Any, where: str) -> np.datetime64:
    """A date given as text, ``datetime.date`` or ``numpy.datetime64``, as ``datetime64[D]``."""
    if isinstance(value, dt.datetime):
        value = value.date()
    try:
        day = np.datetime64(value, "D")
    except (ValueError, TypeError, OverflowError):
        raise OptionError(f"{where}: {value!r:.60} is not a date; write it as YYYY-MM-DD") from None
    year = 1970 + int(day.astype("datetime64[Y]").astype(np.int64)) if not np.isnat(day) else 0
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise OptionError(f"{where}: {value!r:.60} is not a date from year {FIRST_YEAR} to "
                          f"{LAST_YEAR}; write it as YYYY-MM-DD")
    return day


def _check_years(first_year: int, last_year: int, who: str) -> None:
    """Refuse a span of years outside the calendar's range, or longer than ``MAX_YEARS``."""
    for name, year in (("first_year", first_year), ("last_year", last_year)):
        if not FIRST_YEAR <= year <= LAST_YEAR:
            raise OptionError(f"{who}: {name} must be a year from {FIRST_YEAR} to {LAST_YEAR}, "
                              f"got {year!r}")
    if not 0 <= last_year - first_year < MAX_YEARS:
        raise OptionError(f"{who}: last_year must be from first_year to {MAX_YEARS - 1} years "
                          f"after it, got {first_year} to {last_year}")


#: The years a date may fall in (those of ``datetime.date``), and the longest span of years
#: whose holidays one call lists.
FIRST_YEAR, LAST_YEAR, MAX_YEARS = 1, 9999, 500


@lru_cache(maxsize=64)
def _busdaycal(calendar: Calendar, first_year: int, last_year: int) -> np.busdaycalendar:
    mask = [day in calendar.workweek for day in WEEKDAYS]
    dates = np.array(calendar.holiday_dates(first_year, last_year), dtype="datetime64[D]")
    return np.busdaycalendar(weekmask=mask, holidays=dates)


@lru_cache(maxsize=64)
def _package_holidays(country: str, categories: tuple[str, ...], subdiv: str | None,
                      first_year: int, last_year: int) -> tuple[dt.date, ...]:
    try:
        import holidays
    except ImportError:
        raise MissingDependencyError(
            f"the calendar takes its holidays from the `holidays` package (country "
            f"{country!r}), which is not installed; run `pip install holidays` (or `pip install "
            f"procsimp[calendar]`), or list the holidays as dates") from None
    try:
        found = holidays.country_holidays(country, subdiv=subdiv,
                                          years=range(first_year, last_year + 1),
                                          categories=categories)
    except NotImplementedError:
        raise ModelError(f"calendar.holidays.country: the holidays package has no country "
                         f"{country!r}; use an ISO 3166 code it supports (e.g. ID)") from None
    except ValueError as exc:
        raise ModelError(f"calendar.holidays: {exc} (country {country!r}, categories "
                         f"{list(categories)}, subdiv {subdiv!r})") from None
    return tuple(sorted(found))


__all__ = ["WEEKDAYS", "Calendar", "HolidaySource", "Timeline", "as_date", "whole_days"]
