"""Provenance checks: every transcribed value is anchored in the text of its source.

Every table in ``data/tables`` ends with four provenance columns::

    source_id, line_start, line_end, quote

and each row must satisfy, against the source text:

* the quote is found verbatim (whitespace-normalised) within lines ``line_start..line_end``;
* every numeric value of the row (each integer/number field, unless the field is marked
  ``ccth_verbatim: false`` in the schema) appears as a number within those lines, in any of the
  forms a board paper prints it (``1093``, ``1,093``, ``20.6%``, ``£74m``, ``(1.2)``);
* every string field marked ``ccth_verbatim: true`` appears verbatim within those lines.

The functions here are pure: they take the source lines as arguments and return problems.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Iterable, Mapping, Sequence

import pandas as pd

PROVENANCE_COLUMNS = ("source_id", "line_start", "line_end", "quote")

_NUMBER = re.compile(r"(?<![\d.])(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?")
_WS = re.compile(r"\s+")


@dataclass(frozen=True)
class ProvenanceProblem:
    file: str
    row: int  # 1-based data row (the CSV line is row + 1)
    column: str
    message: str

    @property
    def located(self) -> str:
        """The problem with its row and column, without the file name (row 0: the descriptor)."""
        if self.row == 0:
            return f"descriptor, {self.column}: {self.message}"
        return f"row {self.row} (CSV line {self.row + 1}), column {self.column!r}: {self.message}"

    def __str__(self) -> str:
        return f"{self.file}, {self.located}"


def normalise(text: str) -> str:
    """Collapse every run of whitespace to one space and strip the ends."""
    return _WS.sub(" ", text).strip()


def numbers_in(text: str) -> set[Decimal]:
    """Every number printed in ``text``, thousands separators removed."""
    out = set()
    for m in _NUMBER.finditer(text):
        try:
            out.add(Decimal(m.group(0).replace(",", "")))
        except InvalidOperation:  # pragma: no cover - the regex only matches digits
            continue
    return out


def as_decimal(value) -> Decimal | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    try:
        return abs(Decimal(str(value)))
    except InvalidOperation:
        return None


def excerpt(source_lines: Sequence[str], start: int, end: int) -> str:
    """Lines ``start..end`` (1-based, inclusive) joined with newlines."""
    return "\n".join(source_lines[start - 1 : end])


def check_row(
    *,
    file: str,
    row_number: int,
    row: Mapping,
    numeric_fields: Iterable[str],
    verbatim_string_fields: Iterable[str],
    source_lines: Sequence[str],
) -> list[ProvenanceProblem]:
    """Check one row against the lines of its source."""
    problems: list[ProvenanceProblem] = []

    def bad(column: str, message: str) -> None:
        problems.append(ProvenanceProblem(file, row_number, column, message))

    start, end = row.get("line_start"), row.get("line_end")
    try:
        start, end = int(start), int(end)
    except (TypeError, ValueError):
        bad("line_start", f"line range {start!r}-{end!r} is not a pair of integers")
        return problems
    n = len(source_lines)
    if not (1 <= start <= end <= n):
        bad("line_start", f"line range {start}-{end} is not within the source's lines 1-{n}")
        return problems
    text = excerpt(source_lines, start, end)
    flat = normalise(text)
    quote = row.get("quote")
    if not isinstance(quote, str) or not normalise(quote):
        bad("quote", "quote is empty")
    elif normalise(quote) not in flat:
        bad("quote", f"quote {quote!r} is not found verbatim in {row.get('source_id')} lines {start}-{end}")
    printed = numbers_in(text)
    for field in numeric_fields:
        value = as_decimal(row.get(field))
        if value is None:
            continue
        if value not in printed:
            bad(field, f"value {row.get(field)!r} does not appear in {row.get('source_id')} lines {start}-{end}")
    for field in verbatim_string_fields:
        value = row.get(field)
        if isinstance(value, str) and value and normalise(value) not in flat:
            bad(field, f"text {value!r} does not appear verbatim in {row.get('source_id')} lines {start}-{end}")
    return problems


def parse_lines(spec: str) -> tuple[int, int]:
    """``"40-72"`` → ``(40, 72)``; ``"12"`` → ``(12, 12)``."""
    parts = str(spec).split("-")
    if len(parts) == 1:
        parts = parts * 2
    if len(parts) != 2:
        raise ValueError(f"line range {spec!r} is not of the form 'START-END'")
    start, end = (int(p) for p in parts)
    if not 1 <= start <= end:
        raise ValueError(f"line range {spec!r} is not increasing from 1")
    return start, end


def count_entries(source_lines: Sequence[str], lines: str, pattern: str) -> int:
    """How many lines within ``lines`` match the regular expression ``pattern``."""
    start, end = parse_lines(lines)
    rx = re.compile(pattern)
    return sum(1 for line in source_lines[start - 1 : end] if rx.search(line))
