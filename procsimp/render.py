"""One way to show a result: a result is a few tables, rendered in every form.

A result object (:class:`~procsimp.Metrics`, :class:`~procsimp.SimulationResult`,
:class:`~procsimp.comparison.Report`, :class:`~procsimp.PortfolioResult`,
:class:`~procsimp.deadlines.OnTime`) says what it shows once, as :class:`Tables`:
a sequence of :class:`Table` (title, columns, rows, units, notes) and notes
about the whole. :class:`Renderable` turns that into

- text for a terminal (``str(result)``, :meth:`~Renderable.to_text`),
- Markdown (:meth:`~Renderable.to_markdown`),
- HTML (:meth:`~Renderable.to_html`, and ``_repr_html_`` for Jupyter),
- pandas DataFrames (:meth:`~Renderable.to_frame`, :meth:`~Renderable.to_frames`;
  pandas is optional),
- plain JSON-ready data (:meth:`~Renderable.to_dict`),
- an Excel workbook, one sheet per table (:meth:`~Renderable.to_excel`; needs
  pandas and openpyxl), written atomically.

A cell is a plain value (``str``, ``int``, ``float``, ``None``) or a :class:`Cell`,
a value with the text it is shown as (``Cell(2.0, "2.00 days")``): text, Markdown
and HTML show the text, frames, dicts and Excel keep the value. Units are data
about a column (a frame's ``attrs["units"]``, the dict's ``units``, an Excel
column's header, ``wait [day]``); cells that need a unit on screen carry it in their text.

Any object with a ``tables()`` method returning :class:`Tables` can mix in
:class:`Renderable`; the module functions (:func:`text`, :func:`markdown`, :func:`html`,
:func:`frame`, :func:`plain`, :func:`write_excel`) take the tables directly.

>>> t = Table("Cut", ("metric", "before", "after"),
...           (("layers", 4, 2), ("lead time", Cell(16.2, "16.20 days"), Cell(13.5, "13.50 days"))))
>>> print(text(Tables((t,))))
Cut
  metric     before       after
  ---------  ----------  ----------
  layers              4           2
  lead time  16.20 days  13.50 days
>>> plain(Tables((t,)))["tables"][0]["rows"][1]
['lead time', 16.2, 13.5]
"""

from __future__ import annotations

import html as _html
import io
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from procsimp._checks import validated
from procsimp.errors import FileFormatError, MissingDependencyError

if TYPE_CHECKING:
    import pandas

#: Install hints of the optional packages results render with.
INSTALL = {"pandas": "pip install pandas` (or `pip install procsimp[pandas]`",
           "openpyxl": "pip install openpyxl` (or `pip install procsimp[excel]`"}
#: Excel limits a sheet name to this many characters.
SHEET_NAME_LIMIT = 31


def require(package: str, what: str) -> ModuleType:
    """Import an optional package, or raise :class:`~procsimp.MissingDependencyError`.

    ``what`` names the feature that needs it (``"Report.to_frame"``); the message says
    how to install it.

    >>> require("math", "a doctest").pi > 3
    True
    """
    import importlib

    try:
        return importlib.import_module(package)
    except ImportError:
        hint = INSTALL.get(package, f"pip install {package}`")
        raise MissingDependencyError(f"{what} needs {package}, which is not installed; run "
                                     f"`{hint}") from None


@dataclass(frozen=True)
class Cell:
    """A value and the text it is shown as (text, Markdown, HTML); frames keep the value."""

    value: Any
    text: str


@dataclass(frozen=True)
class Table:
    """One table of a result."""

    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    """Each row a tuple of cells, one per column: plain values or :class:`Cell`."""
    units: Mapping[str, str] = field(default_factory=dict)
    """Column -> unit of its values (``"day"``), for frames, dicts and Excel."""
    notes: tuple[str, ...] = ()
    """Caveats about this table, shown under it."""
    name: str = ""
    """Short key of the table in :func:`plain` and its Excel sheet (default: the title)."""
    header: bool = True
    """Show the column names in text (Markdown and HTML always show them)."""
    align: str = ""
    """One letter per column, ``l`` or ``r``; default: the first left, the others right."""
    index: str | None = None
    """Column used as the index of :func:`frame` (None: a plain range index)."""
    display: bool = True
    """Shown in text, Markdown and HTML; False: a detail table, for frames, dicts and
    Excel only (e.g. a portfolio's thousands of rows)."""

    @property
    def key(self) -> str:
        return self.name or self.title

    def alignment(self) -> str:
        return self.align or "l" + "r" * (len(self.columns) - 1)

    def texts(self) -> list[list[str]]:
        """Every cell as the text it is shown as."""
        return [[show(c) for c in row] for row in self.rows]


@dataclass(frozen=True)
class Tables:
    """What a result shows: its tables and notes about the whole."""

    tables: tuple[Table, ...]
    notes: tuple[str, ...] = ()

    def shown(self) -> tuple[Table, ...]:
        return tuple(t for t in self.tables if t.display)


def show(cell: Any) -> str:
    """The text of a cell: a :class:`Cell`'s text, else a default format of the value."""
    if isinstance(cell, Cell):
        return cell.text
    if cell is None:
        return "-"
    if isinstance(cell, bool):
        return "yes" if cell else "no"
    if isinstance(cell, int):
        return f"{cell:,}"
    if isinstance(cell, float):
        return "n/a" if math.isnan(cell) else f"{cell:,.2f}"
    return str(cell)


def value(cell: Any) -> Any:
    """The value of a cell as plain data: tuples as lists, NaN and infinities as None."""
    if isinstance(cell, Cell):
        cell = cell.value
    if isinstance(cell, (tuple, list)):
        return [value(c) for c in cell]
    if hasattr(cell, "item") and not isinstance(cell, (str, bytes)):  # a numpy scalar
        cell = cell.item()
    if isinstance(cell, float) and not math.isfinite(cell):
        return None
    return cell


# --- text, Markdown, HTML -----------------------------------------------------------------


def _grid(table: Table, *, markdown: bool) -> str:
    """Columns padded to their widths, aligned as the table says."""
    cells = table.texts()
    header = list(table.columns)
    align = table.alignment()
    with_header = markdown or table.header
    body = [header, *cells] if with_header else cells
    widths = [max((len(r[i]) for r in body), default=0) for i in range(len(header))]

    def line(row: list[str]) -> str:
        padded = [c.ljust(w) if a == "l" else c.rjust(w)
                  for c, w, a in zip(row, widths, align, strict=True)]
        if markdown:
            return "| " + " | ".join(padded) + " |"
        return ("  " + "  ".join(padded)).rstrip()

    lines = []
    if with_header:
        lines.append(line(header))
        if markdown:
            lines.append("|" + "|".join(("-" * (w + 1) + ":") if a == "r" else (":" + "-" * (w + 1))
                                        for w, a in zip(widths, align, strict=True)) + "|")
        else:
            lines.append("  " + "  ".join("-" * w for w in widths))
    lines += [line(r) for r in cells]
    return "\n".join(lines)


def text(tables: Tables) -> str:
    """Tables as text for a terminal: each title, its columns, its notes; then the notes."""
    parts = []
    for t in tables.shown():
        block = t.title + "\n" + _grid(t, markdown=False)
        block += "".join(f"\n  note: {note}" for note in t.notes)
        parts.append(block)
    if tables.notes:
        parts.append("\n".join(tables.notes))
    return "\n\n".join(parts)


def markdown(tables: Tables) -> str:
    """Tables as Markdown: a bold title, a pipe table and its notes each."""
    parts = []
    for t in tables.shown():
        parts.append(f"**{t.title}**\n\n" + _grid(t, markdown=True))
        parts += [f"Note: {note}" for note in t.notes]
    if tables.notes:
        parts.append("\n".join(tables.notes))
    return "\n\n".join(parts) + "\n"


def html(tables: Tables) -> str:
    """Tables as HTML (every text escaped), for Jupyter and reports."""
    esc = _html.escape
    out = []
    for t in tables.shown():
        align = t.alignment()
        head = ""
        if t.header:
            head = ("<thead><tr>" + "".join(f"<th>{esc(c)}</th>" for c in t.columns)
                    + "</tr></thead>")
        body = "".join(
            "<tr>" + "".join(
                (f'<th style="text-align:left">{esc(c)}</th>' if i == 0 and not t.header else
                 f'<td style="text-align:{"left" if a == "l" else "right"}">{esc(c)}</td>')
                for i, (c, a) in enumerate(zip(row, align, strict=True))) + "</tr>"
            for row in t.texts())
        out.append(f"<table><caption>{esc(t.title)}</caption>{head}<tbody>{body}</tbody>"
                   f"</table>")
        out += [f"<p><em>Note: {esc(note)}</em></p>" for note in t.notes]
    out += [f"<p>{esc(line)}</p>" for line in tables.notes]
    return "<div>" + "".join(out) + "</div>"


# --- data: frames, dicts, Excel -----------------------------------------------------------


def frame(table: Table) -> pandas.DataFrame:
    """One table as a pandas DataFrame of its values (units in ``attrs["units"]``).

    A column of intervals (cells whose values are pairs) becomes two, ``NAME low`` and
    ``NAME high``.

    Raises
    ------
    MissingDependencyError
        pandas is not installed.
    """
    pd = require("pandas", "a result's to_frame")
    columns: dict[str, list[Any]] = {}
    units = dict(table.units)
    for i, name in enumerate(table.columns):
        values = [c.value if isinstance(c, Cell) else c for c in (row[i] for row in table.rows)]
        pairs = [v for v in values if v is not None]
        if pairs and all(isinstance(v, tuple) and len(v) == 2 for v in pairs):
            # an interval: its two ends in two columns
            for end, k in (("low", 0), ("high", 1)):
                columns[f"{name} {end}"] = [None if v is None else v[k] for v in values]
                if name in units:
                    units[f"{name} {end}"] = units[name]
            units.pop(name, None)
        else:
            columns[name] = [list(v) if isinstance(v, tuple) else v for v in values]
    df = pd.DataFrame(columns, columns=list(columns))
    if table.index is not None:
        df = df.set_index(table.index)
    df.attrs["title"] = table.title
    df.attrs["units"] = units
    df.attrs["notes"] = list(table.notes)
    return df


def plain(tables: Tables) -> dict[str, Any]:
    """Tables as JSON-ready data: ``{"tables": [{name, title, columns, units, rows, notes}],
    "notes": [...]}``, values only (NaN as None)."""
    return {"tables": [{"name": t.key, "title": t.title, "columns": list(t.columns),
                        "units": dict(t.units), "rows": [[value(c) for c in row] for row in t.rows],
                        "notes": list(t.notes)} for t in tables.tables],
            "notes": list(tables.notes)}


def sheet_names(tables: Tables) -> list[str]:
    """An Excel sheet name per table: its key, cut to Excel's limit, made unique."""
    names: list[str] = []
    for t in tables.tables:
        base = "".join("_" if ch in "[]:*?/\\" else ch for ch in t.key)[:SHEET_NAME_LIMIT] \
            or "table"
        name, k = base, 2
        while name.lower() in {n.lower() for n in names} or name.lower() == "notes":
            suffix = f" ({k})"
            name, k = base[:SHEET_NAME_LIMIT - len(suffix)] + suffix, k + 1
        names.append(name)
    return names


def unit_header(column: str, unit: str | None) -> str:
    """A column header with its unit, as Excel sheets carry it: ``wait [day]``."""
    return f"{column} [{unit}]" if unit else column


def _split_header(header: str) -> tuple[str, str | None]:
    """``wait [day]`` -> ``("wait", "day")``; a header without a unit -> ``(header, None)``."""
    if header.endswith("]") and " [" in header:
        column, unit = header[:-1].rsplit(" [", 1)
        return column, unit
    return header, None


def write_excel(tables: Tables, path: str | os.PathLike[str]) -> None:
    """Write every table to a sheet of an ``.xlsx`` workbook, and a ``notes`` sheet with
    the titles, units, index columns and notes; atomically (the old file stays if writing
    fails).

    A column with a unit carries it in its header, ``wait [day]``; an interval column
    becomes two, ``NAME low`` and ``NAME high`` (as in :func:`frame`). :func:`read_excel`
    reads the workbook back to the frames :meth:`Renderable.to_frames` gives.

    Raises
    ------
    FileFormatError
        The path does not end in ``.xlsx``, or the file cannot be written.
    MissingDependencyError
        pandas or openpyxl is not installed.
    """
    from procsimp.io.base import write_atomic

    target = Path(path)
    if target.suffix.lower() != ".xlsx":
        raise FileFormatError(f"{target}: to_excel writes an Excel workbook; give a path ending "
                              f"in .xlsx, not {target.suffix or 'one without a suffix'}")
    pd = require("pandas", "to_excel")
    require("openpyxl", "to_excel")
    buffer = io.BytesIO()
    about: list[tuple[str, str, str, str]] = []
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for t, sheet in zip(tables.tables, sheet_names(tables), strict=True):
            df = frame(t)
            units = df.attrs["units"]
            df.attrs = {}  # openpyxl needs no metadata; it goes to the notes sheet
            cells = df.map(lambda x: ", ".join(map(str, x)) if isinstance(x, list) else x)
            cells = cells.rename(columns={c: unit_header(c, units.get(c)) for c in cells.columns})
            if t.index is not None:
                cells.index.name = unit_header(t.index, units.get(t.index))
            cells.to_excel(writer, sheet_name=sheet, index=t.index is not None)
            about.append((sheet, "title", "", t.title))
            if t.index is not None:
                about.append((sheet, "index", t.index, ""))
            about += [(sheet, "unit", col, unit) for col, unit in units.items()]
            about += [(sheet, "note", "", note) for note in t.notes]
        about += [("", "note", "", note) for note in tables.notes]
        pd.DataFrame(about, columns=["sheet", "what", "column", "text"]).to_excel(
            writer, sheet_name="notes", index=False)
    write_atomic(target, buffer.getvalue())


def read_excel(path: str | os.PathLike[str]) -> dict[str, pandas.DataFrame]:
    """The tables of a workbook :func:`write_excel` wrote, by sheet name, as DataFrames.

    Units come back from the headers into ``attrs["units"]`` (the headers lose them),
    the index column is restored, and the title and notes go to ``attrs`` as in
    :func:`frame`; the ``notes`` sheet is not a table. Empty cells read as NaN.

    Raises
    ------
    FileFormatError
        The file is not a workbook procsimp wrote (no ``notes`` sheet) or cannot be read.
    """
    pd = require("pandas", "read_excel")
    require("openpyxl", "read_excel")
    source = Path(path)
    try:
        sheets = pd.read_excel(source, sheet_name=None, engine="openpyxl")
    except Exception as exc:  # the reader's own errors (a missing file, a corrupt zip)
        raise FileFormatError(f"{source}: cannot read the workbook: {type(exc).__name__}: "
                              f"{exc}") from None
    about = sheets.pop("notes", None)
    if about is None:
        raise FileFormatError(f"{source}: no 'notes' sheet; read_excel reads workbooks "
                              f"written by a result's to_excel (use pandas.read_excel for others)")
    about = about.astype(object).where(about.notna(), "")
    out = {}
    for sheet, df in sheets.items():
        mine = about[about["sheet"] == sheet]
        split = [_split_header(str(c)) for c in df.columns]
        df = df.set_axis([c for c, _ in split], axis=1)
        index = mine[mine["what"] == "index"]["column"].tolist()
        if index:
            df = df.set_index(index[0])
        df.attrs["title"] = next(iter(mine[mine["what"] == "title"]["text"]), sheet)
        df.attrs["units"] = dict(zip(mine[mine["what"] == "unit"]["column"],
                                     mine[mine["what"] == "unit"]["text"], strict=True))
        df.attrs["notes"] = mine[mine["what"] == "note"]["text"].tolist()
        out[sheet] = df
    return out


class Renderable:
    """Mixin for a result that shows itself as :class:`Tables` (its ``tables()`` method).

    Gives ``str()``, :meth:`to_text`, :meth:`to_markdown`, :meth:`to_html`,
    ``_repr_html_``, :meth:`to_frame`, :meth:`to_frames`, :meth:`to_dict` and
    :meth:`to_excel`. A class that had its own ``to_dict`` or ``to_frame`` shape before
    keeps it (and says so in its docstring); its tables are still in :meth:`to_frames`.
    """

    __slots__ = ()

    def tables(self) -> Tables:
        """The tables this result shows."""
        raise NotImplementedError(f"{type(self).__name__} must define tables()")

    def to_text(self) -> str:
        """The result as text for a terminal (what ``str()`` gives)."""
        return text(self.tables())

    def __str__(self) -> str:
        return self.to_text()

    def to_markdown(self) -> str:
        """The result as Markdown tables."""
        return markdown(self.tables())

    def to_html(self) -> str:
        """The result as HTML tables (escaped)."""
        return html(self.tables())

    def _repr_html_(self) -> str:
        return self.to_html()

    def to_frames(self) -> dict[str, pandas.DataFrame]:
        """Every table as a pandas DataFrame, by table key (needs pandas)."""
        return {t.key: frame(t) for t in self.tables().tables}

    def to_frame(self) -> pandas.DataFrame:
        """The first table as a pandas DataFrame (needs pandas)."""
        return frame(self.tables().tables[0])

    def to_dict(self) -> dict[str, Any]:
        """The tables as JSON-ready plain data (see :func:`plain`)."""
        return plain(self.tables())

    @validated
    def to_excel(self, path: str | os.PathLike[str]) -> None:
        """Write the tables to an ``.xlsx`` workbook, one sheet each (needs pandas and
        openpyxl; see :func:`write_excel`)."""
        write_excel(self.tables(), path)


def rows_of(items: Sequence[Sequence[Any]]) -> tuple[tuple[Any, ...], ...]:
    """Rows as the tuples a :class:`Table` holds."""
    return tuple(tuple(r) for r in items)


__all__ = ["INSTALL", "Cell", "Renderable", "Table", "Tables", "frame", "html", "markdown",
           "plain", "read_excel", "require", "rows_of", "sheet_names", "show", "text",
           "unit_header", "value", "write_excel"]
