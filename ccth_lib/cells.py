"""Cell-level provenance: the line of each value, in the order printed, and each table's row count.

Where the extraction of a PDF table printed a row's values on different lines (a flattened
table: one value per line, or a column printed after another), the row's ``line_start..line_end``
spans many lines. Such a table has one more column, ``cell_lines`` (the shared definition
``cell_lines`` of ``data/tables/_shared.yaml``), giving the line of each value of the row::

    usually_avoidable=70; sometimes_avoidable=71; total=72
    date=1122; weekday_as_printed=1122; group=1148; decision_or_action=1174-1175

One ``column=line`` (or ``column=start-end``) pair per value, **in the order the values are
printed** (by line, then from left to right within a line). Each value is checked at its own
lines, by the kind of its field (:func:`kinds`):

* ``number`` – an integer/number field printed in the source: the value is a number printed
  there (``1093``, ``1,093``, ``20.6%``, ``£74m``; the sign is ignored);
* ``text`` – a string field marked ``ccth_verbatim: true``: the text is printed there verbatim
  (whitespace normalised);
* ``date`` – a date field: the day and the month (by name or number) are printed there, with
  the year where the source prints one (``Monday 4th December 2017``, ``04/12/2017``);
* ``words`` – any other string field (text reassembled from fragments): every word of the value is
  printed there; optional, and not part of the order check.

Numbers, verbatim texts and dates are *positional*: each must be found after the previous one
in the row's text, so two values swapped within a line fail as surely as values swapped
between lines (a date may be read from the same printed text as the value listed just before
it, its ``*_as_printed`` form). Every value of a ``number`` or ``text`` field that a row holds
must have its pair; a date may have none (a date inherited from a heading is not printed in
the row). A field marked ``ccth_verbatim: false`` (not printed) never has a line. A value the
extraction split (text continued after other cells) lists its pieces, comma separated
(``notes=491,513``); only ``words`` values may be split.

Each transcribed table also declares in its descriptor how many rows it has (``ccth.rows``),
with the source's words where the source states the count::

    ccth:
      rows:
        count: 6                   # rows in the CSV
        quote: The six identified Big Ticket items   # optional: where the source states how
        lines: "1301"              #   many (the quote must be in those lines and state the count,
                                   #   in digits or in words)
        stated: 3                  # optional: the number the quote states, where it differs
        note: three per printing   #   from count, with a note saying how they relate

so that a deleted row or a table cut short fails validation, naming the row where the table
ends. Tables with a ``row_order`` column must number it 1..n in the order of the CSV (per
printing), so a row deleted from the middle is named by the row where the numbering breaks.

The functions here are pure: they take the source lines as arguments and return problems.
"""

from __future__ import annotations

import bisect
import calendar
import re
from dataclasses import dataclass
from typing import Callable, Iterable, Mapping, Sequence

import pandas as pd

from .provenance import PROVENANCE_COLUMNS, ProvenanceProblem, as_decimal, normalise, parse_lines

#: the optional column of a table whose rows' values are printed on different lines
CELL_LINES = "cell_lines"

#: kinds of field a cell line can be checked for; positional kinds take part in the order check
POSITIONAL = ("number", "text", "date")
#: kinds whose every value must have its line (a date may be inherited from a heading, unprinted in the row)
REQUIRED = ("number", "text")

_PAIR = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*([0-9]+(?:\s*-\s*[0-9]+)?(?:\s*,\s*[0-9]+(?:\s*-\s*[0-9]+)?)*)\s*$")
_NUMBER = re.compile(r"(?<![\d.])(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?")
_WORD = re.compile(r"[^\W_]+")

_NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
}


@dataclass(frozen=True)
class CellLine:
    """The line(s) of one value of a row: one range, or several where the value is split."""

    column: str
    parts: tuple[tuple[int, int], ...]

    @property
    def start(self) -> int:
        return self.parts[0][0]

    @property
    def end(self) -> int:
        return self.parts[-1][1]

    @property
    def lines(self) -> str:
        return ",".join(str(a) if a == b else f"{a}-{b}" for a, b in self.parts)

    @property
    def lines_text(self) -> str:
        if len(self.parts) == 1:
            return f"line {self.start}" if self.start == self.end else f"lines {self.start}-{self.end}"
        return "lines " + ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in self.parts)


def parse(text) -> list[CellLine]:
    """``"a=12; b=14-15; c=20,31-32"`` → one :class:`CellLine` per pair; blank → ``[]``.

    A value printed in one place has one line or range (``b=14-15``); a value the extraction
    split (text continued after other cells) lists its pieces in order, comma separated.
    """
    if text is None or (not isinstance(text, str) and pd.isna(text)) or not str(text).strip():
        return []
    out = []
    for part in str(text).split(";"):
        m = _PAIR.match(part)
        if not m:
            raise ValueError(f"{part.strip()!r} is not of the form column=LINE, column=START-END or column=A-B,C-D")
        pieces = []
        for piece in m.group(2).split(","):
            a, _, b = piece.strip().partition("-")
            start, end = int(a), int(b) if b else int(a)
            if not 1 <= start <= end or (pieces and start <= pieces[-1][1]):
                raise ValueError(f"{part.strip()!r}: the lines are not increasing from 1")
            pieces.append((start, end))
        out.append(CellLine(m.group(1), tuple(pieces)))
    return out


def format_cells(cells: Iterable[CellLine]) -> str:
    """The ``cell_lines`` text of a list of :class:`CellLine` (the inverse of :func:`parse`)."""
    return "; ".join(f"{c.column}={c.lines}" for c in cells)


def lines_of(row: Mapping, column: str) -> CellLine | None:
    """The recorded line(s) of one value of a row, or None (no ``cell_lines``, or not listed)."""
    try:
        cells = parse(row.get(CELL_LINES) if hasattr(row, "get") else None)
    except ValueError:
        return None
    return next((c for c in cells if c.column == column), None)


def kinds(fields: Sequence[Mapping]) -> dict[str, str | None]:
    """How each content field's value is found at its line (see the module docstring); None = never."""
    out: dict[str, str | None] = {}
    for f in fields:
        name, ftype = f["name"], f.get("type", "string")
        if name in PROVENANCE_COLUMNS or name == CELL_LINES:
            continue
        if f.get("ccth_verbatim") is False or ftype == "boolean":
            out[name] = None
        elif ftype in ("integer", "number"):
            out[name] = "number"
        elif ftype == "date":
            out[name] = "date"
        elif f.get("ccth_verbatim") is True:
            out[name] = "text"
        else:
            out[name] = "words"
    return out


# ---------------------------------------------------------------------------------------------
# The row's text, with the offset of each line


class RowText:
    """Lines ``start..end`` of a source, whitespace-normalised and joined by single spaces."""

    def __init__(self, source_lines: Sequence[str], start: int, end: int):
        self.start, self.end = start, end
        parts, self.bounds, pos = [], [], 0
        for line in source_lines[start - 1 : end]:
            piece = normalise(line)
            if piece and parts:
                pos += 1  # the joining space
            self.bounds.append((pos, pos + len(piece)))
            if piece:
                parts.append(piece)
                pos += len(piece)
        self.text = " ".join(parts)
        self._starts = [b[0] for b in self.bounds]

    def window(self, a: int, b: int) -> tuple[int, int]:
        """Offsets of lines ``a..b`` in :attr:`text`."""
        return self.bounds[a - self.start][0], self.bounds[b - self.start][1]

    def line_at(self, offset: int) -> int:
        """The source line holding the character at ``offset``."""
        i = bisect.bisect_right(self._starts, offset) - 1
        while i > 0 and self.bounds[i][0] == self.bounds[i][1]:  # skip blank lines
            i -= 1
        return self.start + max(i, 0)


def _date_pattern(value) -> re.Pattern:
    ts = pd.Timestamp(value)
    day = rf"0?{ts.day}(?:st|nd|rd|th)?"
    full, abbr = calendar.month_name[ts.month], calendar.month_abbr[ts.month]
    month = rf"(?:{full}|{abbr}\.?" + (r"|Sept\.?" if ts.month == 9 else "") + ")"
    year = rf"(?:{ts.year}|'?{ts.year % 100:02d})"
    num = rf"0?{ts.month}"
    forms = [
        rf"\b{day}\s*{month}(?:,?\s*{year})?\b",
        rf"\b{month}\s+{day},?(?:\s*{year})?\b",
        rf"(?<!\d){'0?' + str(ts.day)}\s*[/.-]\s*{num}\s*[/.-]\s*{year}(?!\d)",
    ]
    return re.compile("|".join(forms), re.I)


def find(kind: str, value, text: str, lo: int = 0, hi: int | None = None) -> tuple[int, int] | None:
    """The first place in ``text[lo:hi]`` where ``value`` is printed (start, end), or None.

    ``kind`` is ``number``, ``text`` or ``date`` (see :func:`kinds`).
    """
    hi = len(text) if hi is None else hi
    if kind == "number":
        want = as_decimal(value)
        for m in _NUMBER.finditer(text, lo, hi):
            if as_decimal(m.group(0).replace(",", "")) == want:
                return m.start(), m.end()
        return None
    if kind == "text":
        needle = normalise(str(value))
        i = text.find(needle, lo, hi)
        return (i, i + len(needle)) if i >= 0 and needle else None
    if kind == "date":
        m = _date_pattern(value).search(text, lo, hi)
        return (m.start(), m.end()) if m else None
    raise ValueError(f"kind {kind!r} is not positional")


def _shown(value) -> str:
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _empty(value) -> bool:
    return value is None or (not isinstance(value, str) and pd.isna(value)) or (isinstance(value, str) and not value.strip())


def check_cells(
    *,
    file: str,
    row_number: int,
    row: Mapping,
    kinds: Mapping[str, str | None],
    source_lines: Sequence[str],
) -> list[ProvenanceProblem]:
    """Check one row's ``cell_lines``: each value at its own lines, in the order printed.

    A row without ``cell_lines`` has no problems here (its values are checked within its line
    range by :func:`ccth_lib.provenance.check_row`).
    """
    problems: list[ProvenanceProblem] = []

    def bad(column: str, message: str) -> None:
        problems.append(ProvenanceProblem(file, row_number, column, message))

    if CELL_LINES not in row:
        return problems
    try:
        cells = parse(row.get(CELL_LINES))
    except ValueError as exc:
        bad(CELL_LINES, str(exc))
        return problems
    if not cells:
        listed: set[str] = set()
    else:
        listed = {c.column for c in cells}
    missing = [c for c, k in kinds.items() if k in REQUIRED and not _empty(row.get(c)) and c not in listed]
    for column in missing:
        bad(column, f"the value {_shown(row.get(column))!r} has no line in {CELL_LINES}")
    if not cells:
        return problems
    try:
        start, end = int(row["line_start"]), int(row["line_end"])
    except (KeyError, TypeError, ValueError):
        return problems  # reported by the row-level check
    if not 1 <= start <= end <= len(source_lines):
        return problems  # reported by the row-level check
    sid = row.get("source_id")
    seen: set[str] = set()
    ok = []
    for c in cells:
        if c.column in seen:
            bad(c.column, f"{CELL_LINES} gives the column twice")
            continue
        seen.add(c.column)
        if c.column not in kinds:
            bad(c.column, f"{CELL_LINES} names a column the table does not have (or a provenance column)")
            continue
        if kinds[c.column] is None:
            bad(c.column, f"{CELL_LINES} gives a line to a value that is not printed (ccth_verbatim: false)")
            continue
        if not start <= c.start <= c.end <= end:
            bad(c.column, f"{CELL_LINES} puts the value at {c.lines_text}, outside the row's lines {start}-{end}")
            continue
        if _empty(row.get(c.column)):
            bad(c.column, f"{CELL_LINES} gives a line to an empty cell")
            continue
        if len(c.parts) > 1 and kinds[c.column] != "words":
            bad(c.column, f"{CELL_LINES} splits a value printed in one piece ({c.lines_text}); only reassembled text may be split")
            continue
        ok.append(c)
    text = RowText(source_lines, start, end)
    previous: CellLine | None = None
    cursor, cursor_start, after = 0, 0, None
    for c in ok:
        value, kind = row.get(c.column), kinds[c.column]
        lo, hi = text.window(c.start, c.end)
        where = f"{sid} {c.lines_text}"
        if kind == "words":
            printed = {w for a, b in c.parts for w in _WORD.findall(text.text[slice(*text.window(a, b))])}
            absent = [w for w in _WORD.findall(str(value)) if w not in printed]
            if absent:
                bad(c.column, f"the words {absent[:5]} of {_shown(value)!r} are not printed at {where}")
            continue
        if previous is not None and c.start < previous.start:
            bad(c.column, f"{CELL_LINES} lists it at {c.lines_text} after {previous.column!r} at {previous.lines_text}; "
                          "list the values in the order printed")
        previous = c
        quoted = text.text[lo:hi]
        quoted = quoted if len(quoted) <= 90 else quoted[:87] + "…"
        found = find(kind, value, text.text, lo, hi)
        if found is None:
            bad(c.column, f"the value {_shown(value)!r} is not printed at {where} (which reads “{quoted}”)")
            continue
        # a date may be read from the very text of the value before it (its *_as_printed form)
        in_order = find(kind, value, text.text, max(lo, cursor_start if kind == "date" else cursor), hi)
        if in_order is None:
            bad(c.column, f"the value {_shown(value)!r} is printed at {where} but before the value of {after!r} "
                          f"that {CELL_LINES} lists first; the values must be in the order printed")
            continue
        cursor_start, cursor, after = in_order[0], in_order[1], c.column
    return problems


# ---------------------------------------------------------------------------------------------
# How many rows: ccth.rows, and row_order running 1..n


def count_in(quote: str, count: int) -> bool:
    """Whether ``quote`` states ``count`` (as digits or as a word: "24", "six")."""
    numbers = {as_decimal(m.group(0).replace(",", "")) for m in _NUMBER.finditer(quote)}
    words = {_NUMBER_WORDS[w.lower()] for w in _WORD.findall(quote) if w.lower() in _NUMBER_WORDS}
    return as_decimal(count) in numbers or count in words


def check_row_count(
    *,
    file: str,
    n_rows: int,
    spec,
    source_lines_of: Callable[[str], Sequence[str]],
    default_source: str,
) -> list[ProvenanceProblem]:
    """Problems of a table's declared row count (``ccth.rows``) against its rows and its source."""
    problems: list[ProvenanceProblem] = []

    def bad(row: int, message: str) -> None:
        problems.append(ProvenanceProblem(file, row, "row_order" if row else "ccth.rows", message))

    if not isinstance(spec, Mapping) or "count" not in spec:
        return [ProvenanceProblem(file, 0, "ccth.rows", "the descriptor must declare how many rows the table has: "
                                  "ccth.rows: {count: N} (with quote and lines where the source states the count)")]
    allowed = ("count", "stated", "quote", "lines", "source_id", "note")
    unknown = sorted(set(spec) - set(allowed))
    if unknown:
        problems.append(ProvenanceProblem(file, 0, "ccth.rows", f"unknown key(s) {unknown}; allowed: {', '.join(allowed)}"))
    try:
        count = int(spec["count"])
        stated = int(spec.get("stated", count))
    except (TypeError, ValueError):
        return problems + [ProvenanceProblem(file, 0, "ccth.rows", f"count {spec['count']!r} is not an integer")]
    if stated != count and not spec.get("note"):
        problems.append(ProvenanceProblem(file, 0, "ccth.rows", f"the source states {stated} but the table has {count} rows: "
                                          "say in note how the two relate (e.g. a table printed twice)"))
    words = ""
    if "quote" in spec or "lines" in spec:
        sid = spec.get("source_id") or default_source
        quote = spec.get("quote")
        try:
            a, b = parse_lines(spec.get("lines", ""))
        except ValueError as exc:
            return problems + [ProvenanceProblem(file, 0, "ccth.rows", f"lines: {exc}")]
        lines = source_lines_of(sid)
        if not isinstance(quote, str) or not quote.strip():
            problems.append(ProvenanceProblem(file, 0, "ccth.rows", "the source's words stating the count need a quote"))
        elif b > len(lines) or normalise(quote) not in normalise("\n".join(lines[a - 1 : b])):
            problems.append(ProvenanceProblem(file, 0, "ccth.rows", f"quote {quote!r} is not found in {sid} lines {a}-{b}"))
        elif not count_in(quote, stated):
            problems.append(ProvenanceProblem(file, 0, "ccth.rows", f"quote {quote!r} does not state the count {stated}"))
        else:
            words = f" (“{normalise(quote)}”, {sid} lines {a}-{b})"
    if n_rows < count:
        bad(n_rows, f"the table ends here, after {n_rows} row(s), but ccth.rows declares {count}{words}: "
                    "a row is missing or the table was cut short")
    elif n_rows > count:
        bad(count + 1, f"the table has {n_rows} rows but ccth.rows declares {count}{words}: this row and any after it are extra")
    return problems


def check_row_order(*, file: str, df: pd.DataFrame) -> list[ProvenanceProblem]:
    """``row_order`` runs 1..n in CSV order (restarting in each printing, where there is one)."""
    if "row_order" not in df.columns:
        return []
    groups = df["printing"].tolist() if "printing" in df.columns else [None] * len(df)
    expected: dict = {}
    for i, (group, value) in enumerate(zip(groups, df["row_order"].tolist()), start=1):
        want = expected.get(group, 0) + 1
        if _empty(value) or int(value) != want:
            where = f" in printing {group}" if group is not None else ""
            return [ProvenanceProblem(file, i, "row_order", f"row_order is {_shown(value)} where {want} was expected{where}: "
                                      "rows run 1..n in the order printed, so a row before this one is missing or out of order")]
        expected[group] = want
    return []


def value_provenance(row: Mapping, column: str, source_lines: Sequence[str]) -> dict:
    """The provenance of one value of a row, for a frame that carries that value alone.

    A page or model that copies one value of a row into a frame of its own (a timeline entry's
    date, a finding's stated figure) copies these four columns with it, so that its link goes to
    the value's own lines (``cell_lines``), quoting them, rather than to the whole row's range.
    Without a recorded line it is the row's own provenance.
    """
    out = {k: row.get(k) for k in PROVENANCE_COLUMNS}
    own = lines_of(row, column)
    if own is None or len(own.parts) > 1:
        return out
    return out | {"line_start": own.start, "line_end": own.end, "quote": RowText(source_lines, own.start, own.end).text}
