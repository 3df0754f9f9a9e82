"""Declared checks: what the documents disagree on, computed from checks declared in data.

``data/checks/<kind>.yaml`` declares the checks of one kind of disagreement (arithmetic, dates,
the same quantity in several places, status over time, method, plausibility, text; see
``data/README.md``). Each check names its type (the comparison it makes, one evaluator per type,
never one function per finding), the evidence it reads (figures, table cells or verbatim quotes
of the source text), the source lines it concerns, how serious a disagreement would be and how
certain the comparison is. :func:`load_checks` reads and validates the declarations (I/O);
:func:`evaluate` turns them into :class:`~ccth_lib.reconcile.Finding` rows (pure: evidence in,
findings out), one per comparison, agreeing or not, so that every check can be seen to be able
to fail.

A *member* is one piece of evidence a check reads:

* ``figure: <id>`` — a figure of the figures register;
* ``cell: {table, row: {column: value, …}, column}`` — one cell of a transcribed table (the row
  must be unique);
* ``column: {table, column, where: {…}}`` — every non-blank value of a column (for a latest or
  earliest date);
* ``text: {source_id, lines, quote}`` with ``value: date | number | words | text | slide`` — a
  verbatim quote of the source, found within the lines, and the value read from it (``year:``
  supplies the year a printed date leaves out; ``pattern:`` a regular expression whose first group
  is the text kept);
* ``document: <source_id>`` — the date of a document, from the source registry.

A text or cell member may also say how its value is read further: ``states:`` (a state name →
the phrases that give it) reads the one state the text gives a thing ("under development",
"approved"), so that two statements about it can be compared; ``nth_weekday: {nth, weekday,
months_after, rule}`` turns a month into a date by a rule the document states ("from the 2nd
Wednesday of each month until the 2nd Wednesday of the next"), the rule's own quote checked and its
lines joined to the member's.
"""

from __future__ import annotations

import calendar
import datetime as dt
import itertools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

import pandas as pd
import yaml

from .provenance import normalise
from .reconcile import ANALYSIS, CERTAINTIES, KINDS, MODEL, ORIGINS, SEVERITIES, Finding, Location, normalise_text

REVIEWED_FILE = "reviewed.yaml"
MODEL_FILE = "models.yaml"


class CheckError(ValueError):
    """A check declaration that cannot be evaluated; the message names the file and the check."""


# Evidence -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Document:
    id: str
    date: str  # "2018-10-18" or "2018-10" as the registry gives it
    short_title: str


@dataclass(frozen=True)
class Evidence:
    """Everything a check may read: every table (the figures register included, each frame indexed
    by its CSV row position), the lines of every source text, and the registered documents.
    ``params`` are the chain's parameters, for the checks that run a model."""

    tables: Mapping[str, pd.DataFrame]
    lines: Mapping[str, Sequence[str]]
    documents: Mapping[str, Document]
    params: Any = None
    titles: Mapping[str, str] = field(default_factory=dict)

    def title(self, table: str) -> str:
        """A table's title in words (its name if no title is known)."""
        return self.titles.get(table, table)

    def table(self, name: str) -> pd.DataFrame:
        if name not in self.tables:
            raise CheckError(f"no table {name!r}")
        return self.tables[name]

    def figures(self) -> pd.DataFrame:
        return self.table("figures")


@dataclass(frozen=True)
class Value:
    """A member's value, where it is printed, and the reference ``ccth trace`` follows."""

    value: Any
    location: Location
    label: str = ""
    ref: str = ""
    key: str = ""


# Declarations ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Check:
    id: str
    kind: str
    type: str
    title: str
    severity: str
    certainty: str
    origin: str
    explanation: str
    where: tuple
    spec: Mapping[str, Any] = field(repr=False)
    file: str = ""


@dataclass(frozen=True)
class KindInfo:
    kind: str
    title: str
    description: str


@dataclass(frozen=True)
class Declarations:
    """The declared checks, the kinds' titles, and how the models' own findings are read."""

    kinds: Mapping[str, KindInfo]
    checks: tuple
    model_rules: tuple


COMMON_KEYS = {"id", "type", "title", "severity", "certainty", "origin", "explanation", "where"}


def _as_location(entry: Mapping, lines: Mapping[str, Sequence[str]] | None, where: str) -> Location:
    sid = entry.get("source_id")
    spec = str(entry.get("lines", ""))
    a, _, b = spec.partition("-")
    try:
        loc = Location(str(sid), int(a), int(b or a))
    except (TypeError, ValueError) as exc:
        raise CheckError(f"{where}: bad location {dict(entry)!r}: {exc}") from None
    if lines is not None:
        if sid not in lines:
            raise CheckError(f"{where}: unknown source id {sid!r}")
        if loc.line_end > len(lines[sid]):
            raise CheckError(f"{where}: lines {spec} beyond the {len(lines[sid])} lines of {sid}")
    return loc


def parse_declarations(files: Mapping[str, Any], lines: Mapping[str, Sequence[str]] | None = None) -> Declarations:
    """Validate the parsed YAML of ``data/checks/*.yaml`` (file name → content), except the
    reviewed list. ``lines`` (source id → lines), when given, checks every ``where`` location."""
    kinds: dict[str, KindInfo] = {}
    checks: list[Check] = []
    rules: tuple = ()
    seen: set[str] = set()
    for name, doc in sorted(files.items()):
        if not isinstance(doc, Mapping):
            raise CheckError(f"data/checks/{name}: must be a mapping with kind, title, description and checks")
        kind = doc.get("kind")
        if kind not in KINDS:
            raise CheckError(f"data/checks/{name}: kind {kind!r} is not one of {', '.join(KINDS)}")
        if kind in kinds:
            raise CheckError(f"data/checks/{name}: kind {kind!r} is declared twice")
        for key in ("title", "description"):
            if not str(doc.get(key) or "").strip():
                raise CheckError(f"data/checks/{name}: needs a {key}")
        kinds[kind] = KindInfo(kind, str(doc["title"]), " ".join(str(doc["description"]).split()))
        if kind == MODEL:
            rules = tuple(doc.get("findings") or ())
            for i, r in enumerate(rules):
                if not isinstance(r, Mapping) or not r.get("ids"):
                    raise CheckError(f"data/checks/{name}: findings[{i}] needs ids (a list of finding ids or patterns)")
                for key, allowed in (("severity", SEVERITIES), ("certainty", CERTAINTIES), ("origin", ORIGINS)):
                    if key in r and r[key] not in allowed:
                        raise CheckError(f"data/checks/{name}: findings[{i}].{key} {r[key]!r} is not one of {', '.join(allowed)}")
            continue
        for i, c in enumerate(doc.get("checks") or ()):
            where = f"data/checks/{name}, checks[{i}]"
            if not isinstance(c, Mapping):
                raise CheckError(f"{where}: must be a mapping")
            cid = str(c.get("id") or "")
            if not re.fullmatch(r"[a-z0-9_]+(\.[a-z0-9_]+)+", cid) or not cid.startswith(kind + "."):
                raise CheckError(f"{where}: id {cid!r} must be lower-case dotted and start with {kind + '.'!r}")
            if cid in seen:
                raise CheckError(f"{where}: check id {cid!r} is declared twice")
            seen.add(cid)
            where = f"data/checks/{name}, check {cid}"
            ctype = c.get("type")
            if ctype not in EVALUATORS:
                raise CheckError(f"{where}: type {ctype!r} is not one of {', '.join(sorted(EVALUATORS))}")
            for key, allowed in (("severity", SEVERITIES), ("certainty", CERTAINTIES), ("origin", ORIGINS)):
                if c.get(key, allowed[0]) not in allowed:
                    raise CheckError(f"{where}: {key} {c.get(key)!r} is not one of {', '.join(allowed)}")
            for key in ("title", "explanation"):
                if not str(c.get(key) or "").strip():
                    raise CheckError(f"{where}: needs a {key} (in words, for the register)")
            locs = c.get("where")
            if not isinstance(locs, list) or not locs:
                raise CheckError(f"{where}: needs where: the source lines it concerns ([{{source_id, lines}}, …])")
            checks.append(Check(
                id=cid, kind=kind, type=str(ctype), title=" ".join(str(c["title"]).split()),
                severity=str(c.get("severity", "medium")), certainty=str(c.get("certainty", "certain")),
                origin=str(c.get("origin", "document")), explanation=" ".join(str(c["explanation"]).split()),
                where=tuple(_as_location(e, lines, where) for e in locs),
                spec={k: v for k, v in c.items() if k not in COMMON_KEYS}, file=f"data/checks/{name}",
            ))
    if MODEL not in kinds:
        raise CheckError(f"data/checks/{MODEL_FILE}: the models' own findings need a kind file (kind: {MODEL})")
    return Declarations(kinds, tuple(checks), rules)


def load_checks(folder: Path | None = None) -> Declarations:
    """Read and validate ``data/checks/*.yaml`` (not the reviewed list)."""
    from . import paths, sources

    folder = folder or paths.data_dir() / "checks"
    files = {p.name: yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.yaml")) if p.name != REVIEWED_FILE}
    lines = {sid: sources.lines(sid) for sid in sources.registry()}
    return parse_declarations(files, lines)


def load_reviewed(folder: Path | None = None) -> dict[str, str]:
    """``data/checks/reviewed.yaml``: each known finding's id and its explanation."""
    from . import paths

    path = (folder or paths.data_dir() / "checks") / REVIEWED_FILE
    doc = yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else {}
    return parse_reviewed(doc or {})


def parse_reviewed(doc: Mapping) -> dict[str, str]:
    if not isinstance(doc, Mapping):
        raise CheckError(f"data/checks/{REVIEWED_FILE}: must map each finding id to its explanation")
    out = {}
    for fid, text in doc.items():
        words = " ".join(str(text or "").split())
        if not words:
            raise CheckError(f"data/checks/{REVIEWED_FILE}: finding {fid!r} needs an explanation")
        out[str(fid)] = words
    return out


# Reading values --------------------------------------------------------------------------------
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_name) if m} | {m.lower(): i for i, m in enumerate(calendar.month_abbr) if m} | {"sept": 9}
_MONTH_RE = "|".join(sorted((m for m in _MONTHS), key=len, reverse=True))
_ORD = r"\s*(?:<sup>\s*)?(?:st|nd|rd|th)?\s*(?:</sup>)?"
_DAY_MONTH = re.compile(rf"\b(?P<day>\d{{1,2}}){_ORD}\s+(?:of\s+)?(?P<month>{_MONTH_RE})\b\.?,?(?:\s+(?P<year>\d{{4}}|\d{{2}})\b)?", re.I)
_MONTH_DAY = re.compile(rf"\b(?P<month>{_MONTH_RE})\b\.?\s+(?P<day>\d{{1,2}}){_ORD}(?:,?\s+(?P<year>\d{{4}}))?", re.I)
_NUMERIC_DATE = re.compile(r"\b(?P<day>\d{1,2})[./](?P<month>\d{1,2})[./](?P<year>\d{4}|\d{2})\b")
_MONTH_YEAR = re.compile(rf"\b(?P<month>{_MONTH_RE})\b\.?\s+(?P<year>\d{{4}})\b", re.I)
_END_OF_MONTH = re.compile(rf"\bend of (?P<month>{_MONTH_RE})\b(?:\s+(?P<year>\d{{4}}))?", re.I)
_MONTH_ALONE = re.compile(rf"\b(?:from|in|during|by|until)\s+(?P<month>{_MONTH_RE})\b", re.I)
_WORDS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve".split())} | {"both": 2}
_NUMBER_IN_TEXT = re.compile(r"(?<![\d.])(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?")


def _year(text: str | None, default: int | None) -> int | None:
    if text is None:
        return default
    y = int(text)
    return y + 2000 if y < 100 else y


def read_date(text: str, year: int | None = None) -> str | None:
    """The first date printed in ``text``: ``"2018-08-15"`` for a day, ``"2017-11"`` for a month
    ("end of November", "from December"). ``year`` is the year of a date printed without one; a
    month printed alone ("from December") is read only when ``year`` is given. None if there is none."""
    text = re.sub(r"\s+", " ", str(text))
    found: list[tuple[int, str]] = []
    for rx in (_NUMERIC_DATE, _DAY_MONTH, _MONTH_DAY):
        for m in rx.finditer(text):
            month = m.group("month")
            mi = int(month) if month.isdigit() else _MONTHS[month.lower()]
            y = _year(m.group("year"), year)
            if y is None:
                continue
            try:
                found.append((m.start(), dt.date(y, mi, int(m.group("day"))).isoformat()))
            except ValueError:
                continue
    if not found:
        for rx in (_END_OF_MONTH, _MONTH_YEAR):
            for m in rx.finditer(text):
                y = _year(m.groupdict().get("year"), year)
                if y is not None:
                    found.append((m.start(), f"{y:04d}-{_MONTHS[m.group('month').lower()]:02d}"))
    if not found and year is not None:
        found += [(m.start(), f"{year:04d}-{_MONTHS[m.group('month').lower()]:02d}") for m in _MONTH_ALONE.finditer(text)]
    return min(found)[1] if found else None


def date_bound(value: str, side: str) -> dt.date:
    """A date value as a day: a month (``"2017-11"``) is its first day on the ``"earliest"`` side
    and its last day on the ``"latest"`` side, so that an order is only reported when certain."""
    parts = [int(p) for p in str(value).split("-")]
    if len(parts) == 3:
        return dt.date(*parts)
    y, m = parts[0], parts[1]
    return dt.date(y, m, 1) if side == "earliest" else dt.date(y, m, calendar.monthrange(y, m)[1])


def read_number(text: str) -> float | None:
    m = _NUMBER_IN_TEXT.search(str(text))
    return float(m.group(0).replace(",", "")) if m else None


def read_words_number(text: str) -> float | None:
    """A count written in words or digits: "six identified", "Five main programmes", "3 key",
    "both hospital sites"."""
    for w in re.findall(r"[A-Za-z]+|\d+", str(text)):
        if w.isdigit():
            return float(w)
        if w.lower() in _WORDS:
            return float(_WORDS[w.lower()])
    return None


def read_state(text: str, states: Mapping[str, Sequence[str]]) -> str:
    """The state a text gives a thing: the one declared state (name → phrases) whose phrases the
    text contains, compared without case, spacing or markup. None or several is an error: the
    declaration must say which state the text gives."""
    if not isinstance(states, Mapping) or not states:
        raise CheckError(f"states must map each state to the phrases that give it, not {states!r}")
    said = normalise_text(text)
    hits = [str(name) for name, phrases in states.items()
            if any(normalise_text(p) in said for p in ([phrases] if isinstance(phrases, str) else phrases))]
    if len(hits) != 1:
        raise CheckError(f"{text!r} gives {'none' if not hits else ' and '.join(hits)} of the states {', '.join(map(str, states))}")
    return hits[0]


def nth_weekday(month: str, nth: int, weekday: str, months_after: int = 0) -> str:
    """The ``nth`` ``weekday`` of the month ``months_after`` months after ``month`` (``"2017-12"``
    or a day of it), as an ISO date: the end of a period a document defines by a rule."""
    if weekday.capitalize() not in WEEKDAYS:
        raise CheckError(f"weekday {weekday!r} is not one of {', '.join(WEEKDAYS)}")
    if not 1 <= int(nth) <= 5:
        raise CheckError(f"nth {nth!r} must be 1 to 5")
    parts = str(month).split("-")
    y, m = int(parts[0]), int(parts[1]) + int(months_after)
    y, m = y + (m - 1) // 12, (m - 1) % 12 + 1
    first = dt.date(y, m, 1)
    day = first + dt.timedelta(days=(WEEKDAYS.index(weekday.capitalize()) - first.weekday()) % 7 + 7 * (int(nth) - 1))
    if day.month != m:
        raise CheckError(f"{calendar.month_name[m]} {y} has no {nth}th {weekday}")
    return day.isoformat()


def _slug(text: Any) -> str:
    return re.sub(r"[^a-z0-9]+", "_", str(text).lower()).strip("_") or "x"


def locate(lines: Sequence[str], start: int, end: int, quote: str) -> tuple[int, int]:
    """The narrowest lines within ``start..end`` holding ``quote`` (whitespace-normalised)."""
    want = normalise(quote)
    for width in range(1, end - start + 2):
        for first in range(start, end - width + 2):
            if want in normalise(" ".join(lines[first - 1 : first + width - 1])):
                return first, first + width - 1
    raise CheckError(f"quote {quote!r} is not found in lines {start}-{end}")


def _rows(df: pd.DataFrame, where: Mapping | None) -> pd.DataFrame:
    out = df
    for col, want in (where or {}).items():
        if col not in out.columns:
            raise CheckError(f"no column {col!r}; columns: {list(df.columns)}")
        wanted = want if isinstance(want, list) else [want]
        out = out[out[col].astype(str).isin([str(w) for w in wanted])]
    return out


def _plain(v: Any) -> Any:
    if v is None or (not isinstance(v, str) and not isinstance(v, (list, tuple)) and pd.isna(v)):
        return None
    if isinstance(v, (pd.Timestamp, dt.date)):
        return pd.Timestamp(v).date().isoformat()
    if isinstance(v, bool):
        return v
    if isinstance(v, (int, float)) or hasattr(v, "__float__") and not isinstance(v, str):
        return float(v)
    return str(v)


def cell_location(table: str, row: pd.Series | Mapping, column: str | None = None) -> Location:
    """Where a cell is printed: its own line when the table records cell lines, else its row's lines."""
    cell_lines = row.get("cell_lines") if hasattr(row, "get") else None
    if column and isinstance(cell_lines, str):
        for part in cell_lines.split(";"):
            name, _, line = part.strip().partition("=")
            if name == column and line.strip():
                a, _, b = line.strip().partition("-")
                try:
                    return Location(str(row["source_id"]), int(a), int(b or a))
                except ValueError:
                    break
    return Location(str(row["source_id"]), int(row["line_start"]), int(row["line_end"]))


def _cell(ev: Evidence, spec: Mapping, where: str) -> Value:
    table = spec.get("table")
    df = ev.table(table)
    rows = _rows(df, spec.get("row"))
    if len(rows) != 1:
        raise CheckError(f"{where}: {table} rows {dict(spec.get('row') or {})} match {len(rows)} rows, not 1")
    r = rows.iloc[0]
    col = spec.get("column")
    if col not in df.columns:
        raise CheckError(f"{where}: {table} has no column {col!r}")
    value = _plain(r[col])
    if value is None:
        raise CheckError(f"{where}: {table} row {int(rows.index[0]) + 1}, column {col!r} is blank")
    return Value(value, cell_location(table, r, col), spec.get("label", ""), f"{table}:{int(rows.index[0]) + 1}:{col}")


def _figure(ev: Evidence, fid: str, where: str) -> Value:
    figs = ev.figures()
    hit = figs[figs["id"] == fid]
    if len(hit) != 1:
        raise CheckError(f"{where}: no figure {fid!r} in the figures register")
    r = hit.iloc[0]
    return Value(float(r["value"]), Location(str(r["source_id"]), int(r["line_start"]), int(r["line_end"])), str(r["measure"]), f"figures:{fid}")


READERS: dict[str, Callable[..., Any]] = {
    "date": lambda text, m: read_date(text, m.get("year")),
    "number": lambda text, m: read_number(text),
    "words": lambda text, m: read_words_number(text),
    "text": lambda text, m: " ".join(str(text).split()),
    "slide": lambda text, m: read_number(re.search(r"slides?\s+(\d+)", text, re.I).group(1)) if re.search(r"slides?\s+(\d+)", text, re.I) else None,
}


def _text(ev: Evidence, member: Mapping, where: str) -> Value:
    spec = member["text"]
    sid = spec.get("source_id")
    if sid not in ev.lines:
        raise CheckError(f"{where}: unknown source id {sid!r}")
    a, _, b = str(spec.get("lines", "")).partition("-")
    try:
        first, last = locate(ev.lines[sid], int(a), int(b or a), str(spec.get("quote", "")))
    except (CheckError, ValueError) as exc:
        raise CheckError(f"{where}: {sid}: {exc}") from None
    quote = normalise(str(spec["quote"]))
    words = member.get("require_words")
    if words and not any(w.lower() in quote.lower() for w in words):
        raise CheckError(f"{where}: the quote {quote!r} has none of the words {words}")
    if member.get("pattern"):
        m = re.search(member["pattern"], quote)
        if not m:
            raise CheckError(f"{where}: pattern {member['pattern']!r} does not match {quote!r}")
        quote_value = m.group(1)
    else:
        quote_value = quote
    if member.get("as_of"):
        doc = ev.documents.get(member["as_of"])
        if doc is None:
            raise CheckError(f"{where}: unknown document {member['as_of']!r}")
        return Value(doc.date, Location(sid, first, last), member.get("label", ""), f"{sid}:{first}-{last}")
    how = member.get("value", "text")
    if how not in READERS:
        raise CheckError(f"{where}: value {how!r} is not one of {', '.join(READERS)}")
    value = READERS[how](quote_value, member)
    if value is None:
        raise CheckError(f"{where}: no {how} can be read from {quote_value!r}")
    if member.get("scale") is not None and isinstance(value, float):
        value *= float(member["scale"])
    return Value(value, Location(sid, first, last), member.get("label", ""), f"{sid}:{first}-{last}")


def resolve(ev: Evidence, member: Mapping, where: str) -> Value:
    """One member's value (see the module docstring)."""
    if not isinstance(member, Mapping):
        raise CheckError(f"{where}: a member must be a mapping, not {member!r}")
    label = member.get("label", "")
    if "figure" in member:
        v = _figure(ev, member["figure"], where)
        value = v.value * float(member.get("scale", 1))
        return Value(value, v.location, label or v.label, v.ref)
    if "cell" in member:
        v = _cell(ev, member["cell"], where)
        value = v.value
        if isinstance(value, float) and member.get("scale") is not None:
            value *= float(member["scale"])
        if isinstance(value, str) and member.get("pattern"):
            m = re.search(member["pattern"], value)
            if not m:
                raise CheckError(f"{where}: pattern {member['pattern']!r} does not match {value!r}")
            value = m.group(1)
        return _read_further(ev, member, Value(value, v.location, label or v.label, v.ref), where)
    if "text" in member:
        v = _text(ev, member, where)
        return _read_further(ev, member, Value(v.value, v.location, label, v.ref), where)
    if "span" in member:
        table = member["span"]
        df = ev.table(table)
        years = [c for c in df.columns if re.fullmatch(r"fy\d{4}_\d{2}", str(c))]
        if not years:
            raise CheckError(f"{where}: {table} has no financial-year columns")
        loc = Location(str(df["source_id"].iloc[0]), int(df["line_start"].min()), int(df["line_end"].max()))
        return Value(float(len(years)), loc, label or f"{table}: {len(years)} year columns", f"{table}:columns")
    if "document" in member:
        doc = ev.documents.get(member["document"])
        if doc is None:
            raise CheckError(f"{where}: unknown document {member['document']!r}")
        first = Location(doc.id, 1, 1)
        return Value(doc.date, first, label or f"date of the {doc.short_title}", f"registry:{doc.id}:date")
    raise CheckError(f"{where}: a member needs one of figure, cell, text, span, document (has {sorted(member)})")


def _read_further(ev: Evidence, member: Mapping, v: Value, where: str) -> Value:
    """A member's value read further, as declared: its state (``states``), or the date a stated
    rule gives (``nth_weekday``), whose quote must be printed where it says and whose lines are
    joined to the member's (same source)."""
    value, loc = v.value, v.location
    if member.get("states") is not None:
        try:
            value = read_state(str(value), member["states"])
        except CheckError as exc:
            raise CheckError(f"{where}: {exc}") from None
    rule = member.get("nth_weekday")
    if rule is not None:
        if not isinstance(rule, Mapping) or not {"nth", "weekday"} <= set(rule):
            raise CheckError(f"{where}: nth_weekday needs nth and weekday (and months_after, rule)")
        if not (isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}(-\d{2})?", value)):
            raise CheckError(f"{where}: nth_weekday needs a month or a date, not {value!r}")
        try:
            value = nth_weekday(value, rule["nth"], str(rule["weekday"]), int(rule.get("months_after", 0)))
        except CheckError as exc:
            raise CheckError(f"{where}: {exc}") from None
        if rule.get("rule") is not None:
            stated = rule["rule"]
            sid = stated.get("source_id")
            if sid not in ev.lines:
                raise CheckError(f"{where}: unknown source id {sid!r}")
            a, _, b = str(stated.get("lines", "")).partition("-")
            try:
                first, last = locate(ev.lines[sid], int(a), int(b or a), str(stated.get("quote", "")))
            except (CheckError, ValueError) as exc:
                raise CheckError(f"{where}: the rule: {sid}: {exc}") from None
            if sid != loc.source_id:
                raise CheckError(f"{where}: the rule must be printed in the member's own document ({loc.source_id})")
            loc = Location(sid, min(first, loc.line_start), max(last, loc.line_end))
    return Value(value, loc, v.label, v.ref, v.key)


def column_values(ev: Evidence, spec: Mapping, where: str) -> list[Value]:
    """Every non-blank value of a column (``column: {table, column, where}``)."""
    table, col = spec.get("table"), spec.get("column")
    df = _rows(ev.table(table), spec.get("where"))
    if col not in df.columns:
        raise CheckError(f"{where}: {table} has no column {col!r}")
    out = []
    for i, r in df.iterrows():
        v = _plain(r[col])
        if v is not None:
            out.append(Value(v, cell_location(table, r, col), spec.get("label", ""), f"{table}:{int(i) + 1}:{col}"))
    return out


def shown(v: Any) -> str:
    """A value in words for a sentence: numbers with separators, ISO dates as people write them."""
    if isinstance(v, float) or isinstance(v, int):
        f = float(v)
        return f"{f:,.0f}" if f.is_integer() else f"{f:,.2f}".rstrip("0").rstrip(".")
    text = str(v)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        d = dt.date.fromisoformat(text)
        return f"{WEEKDAYS[d.weekday()]} {d.day} {d:%B %Y}"
    if re.fullmatch(r"\d{4}-\d{2}", text):
        y, m = (int(p) for p in text.split("-"))
        return f"{calendar.month_name[m]} {y}"
    return text


# Findings ---------------------------------------------------------------------------------------
def make(check: Check, key: str, what: str, stated: Any, derived: Any, at: Location, *, method: str,
         locations: Iterable[Location] = (), inputs: Iterable[str] = (), tolerance: float = 0.0, relation: str = "=",
         overrides: Mapping | None = None) -> Finding:
    """One comparison of a declared check as a finding (``overrides``: severity, certainty, origin,
    explanation of this comparison, declared beside it)."""
    o = overrides or {}
    for k, allowed in (("severity", SEVERITIES), ("certainty", CERTAINTIES), ("origin", ORIGINS)):
        if k in o and o[k] not in allowed:
            raise CheckError(f"{check.file}, check {check.id}: {key}: {k} {o[k]!r} is not one of {', '.join(allowed)}")
    return Finding(
        id=f"{check.id}.{_slug(key)}", topic=check.title, what=what, stated=stated, derived=derived,
        source_id=at.source_id, line_start=at.line_start, line_end=at.line_end, method=method,
        tolerance=float(tolerance), kind=check.kind, severity=o.get("severity", check.severity),
        certainty=o.get("certainty", check.certainty), origin=o.get("origin", check.origin),
        locations=tuple(locations), explanation=" ".join(str(o.get("explanation", check.explanation)).split()),
        check=check.id, inputs=tuple(inputs), relation=relation,
    )


def _where(check: Check) -> str:
    return f"{check.file}, check {check.id}"


def _needs(check: Check, *keys: str) -> None:
    missing = [k for k in keys if k not in check.spec]
    if missing:
        raise CheckError(f"{_where(check)}: type {check.type} needs {', '.join(missing)}")


# Arithmetic -------------------------------------------------------------------------------------
def _sum(check: Check, ev: Evidence) -> list[Finding]:
    """Stated totals against the sum of their items, per column (and per group)."""
    _needs(check, "table", "columns", "items")
    s = check.spec
    df = ev.table(s["table"])
    groups = s.get("group_by") or []
    out = []
    parts = [((), df)] if not groups else list(df.groupby(groups, sort=False))
    for key, part in parts:
        items = _rows(part, s["items"])
        stated_member = s.get("stated")
        totals = None if stated_member else _rows(part, s.get("total", {"row_kind": "total"}))
        if totals is not None and len(totals) != 1:
            raise CheckError(f"{_where(check)}: {len(totals)} total rows in {s['table']} {key}")
        label = " ".join(str(k) for k in (key if isinstance(key, tuple) else (key,)))
        for col in s["columns"]:
            if col not in df.columns:
                raise CheckError(f"{_where(check)}: {s['table']} has no column {col!r}")
            derived = float(items[col].fillna(0).sum())
            if stated_member:
                v = resolve(ev, stated_member, _where(check))
                stated, at, ref = v.value, v.location, v.ref
            else:
                t = totals.iloc[0]
                if pd.isna(t[col]):
                    continue
                stated, at, ref = float(t[col]), cell_location(s["table"], t, col), f"{s['table']}:{int(totals.index[0]) + 1}:{col}"
            refs = [ref] + [f"{s['table']}:{int(i) + 1}:{col}" for i in items.index]
            out.append(make(
                check, f"{label} {col}", f"{check.title}{', ' + label if label else ''}: {col.replace('_', ' ')}, stated total against the sum of its {len(items)} rows",
                stated, derived, at, method=f"sum of the {len(items)} rows: " + " + ".join(shown(float(x)) for x in items[col].fillna(0)),
                inputs=refs, tolerance=float(s.get("tolerance", 0)),
            ))
    return out


def _row_sum(check: Check, ev: Evidence) -> list[Finding]:
    """Each row's stated total against the sum of its parts (the other way round)."""
    _needs(check, "table", "parts", "total")
    s = check.spec
    df = _rows(ev.table(s["table"]), s.get("rows"))
    label_col = s.get("label")
    out = []
    for i, r in df.iterrows():
        parts = [float(r[c]) for c in s["parts"]]
        name = str(r[label_col]) if label_col else f"row {int(i) + 1}"
        out.append(make(
            check, f"row{int(i) + 1}", f"{check.title}, {name}: {s['total'].replace('_', ' ')} against " + " + ".join(p.replace("_", " ") for p in s["parts"]),
            float(r[s["total"]]), sum(parts), cell_location(s["table"], r, s["total"]),
            method=" + ".join(shown(p) for p in parts), inputs=[f"{s['table']}:{int(i) + 1}:{c}" for c in [s["total"], *s["parts"]]],
        ))
    return out


def _count(check: Check, ev: Evidence) -> list[Finding]:
    """A count the document states against the number of items it lists."""
    s = check.spec
    out = []
    if "group_by" in s:
        _needs(check, "table", "stated_column")
        df = _rows(ev.table(s["table"]), s.get("rows"))
        for key, part in df.groupby(s["group_by"], sort=False):
            printed = part[s["stated_column"]].dropna().unique()
            if len(printed) != 1:
                continue
            text = str(printed[0])
            first = part.iloc[0]
            lines = ev.lines[str(first["source_id"])]
            # the stated count is printed on the group's heading, the last line before its first row that prints it
            at_line = max((n for n in range(1, int(first["line_start"]) + 1) if normalise(text) in normalise(lines[n - 1])), default=None)
            if at_line is None:
                raise CheckError(f"{_where(check)}: {text!r} is not printed before {s['table']} row {int(part.index[0]) + 1}")
            stated = read_words_number(text)
            name = key if not isinstance(key, tuple) else " ".join(map(str, key))
            out.append(make(
                check, str(name), f"{name}: “{text}” against the items listed", stated, float(len(part)),
                Location(str(first["source_id"]), at_line, at_line), method=f"{len(part)} rows of {s['table']} under {name}",
                inputs=[f"{s['table']}:{int(i) + 1}:{s['stated_column']}" for i in part.index],
            ))
        return out
    _needs(check, "pairs")
    for p in s["pairs"]:
        v = resolve(ev, p["stated"], _where(check))
        rows = _rows(ev.table(p["counted"]["table"]), p["counted"].get("where"))
        out.append(make(
            check, p["id"], p.get("what", f"{v.label}: stated count against the items listed"), v.value, float(len(rows)), v.location,
            method=f"{len(rows)} rows of {p['counted']['table']}" + (f" where {p['counted']['where']}" if p["counted"].get("where") else ""),
            inputs=[v.ref], overrides=p,
        ))
    return out


def _ticks(check: Check, ev: Evidence) -> list[Finding]:
    """Tick marks printed in a block of lines against the rows of the table they belong to."""
    out = []
    for p in check.spec.get("pairs", ()):
        loc = _as_location(p["text"], ev.lines, _where(check))
        block = ev.lines[loc.source_id][loc.line_start - 1 : loc.line_end]
        marks = sum(line.count(p["mark"]) for line in block)
        rows = _rows(ev.table(p["table"]), p.get("where"))
        per_row = float(p.get("per_row", 1))
        out.append(make(
            check, p["id"], p["what"], float(marks), per_row * len(rows), loc,
            method=f"“{p['mark']}” counted in lines {loc.line_start}-{loc.line_end}; {len(rows)} rows × {per_row:g} per row", overrides=p,
        ))
    return out


# Dates ------------------------------------------------------------------------------------------
_WEEKDAY_DATE = re.compile(
    rf"\b(?P<weekday>{'|'.join(WEEKDAYS)}),?\s+(?P<day>\d{{1,2}}){_ORD}\s+(?P<month>{_MONTH_RE})\s+(?P<year>\d{{4}})", re.I)


def _weekday(check: Check, ev: Evidence) -> list[Finding]:
    """Every weekday printed with a full date, against the calendar."""
    out = []
    for loc in check.where:
        for n in range(loc.line_start, loc.line_end + 1):
            for m in _WEEKDAY_DATE.finditer(ev.lines[loc.source_id][n - 1]):
                d = dt.date(int(m.group("year")), _MONTHS[m.group("month").lower()], int(m.group("day")))
                out.append(make(
                    check, f"{loc.source_id} L{n}", f"{' '.join(m.group(0).split())}: the printed weekday against the calendar",
                    m.group("weekday").capitalize(), WEEKDAYS[d.weekday()], Location(loc.source_id, n, n),
                    method=f"{d.isoformat()} falls on a {WEEKDAYS[d.weekday()]} (Gregorian calendar)",
                    inputs=[f"{loc.source_id}:{n}-{n}"],
                ))
    return out


def _sorted(check: Check, ev: Evidence) -> list[Finding]:
    """A record printed in date order: each entry against the one printed before it."""
    _needs(check, "table", "date")
    s = check.spec
    order = s.get("order", "row_order")
    df = ev.table(s["table"]).sort_values(order, kind="stable")
    label = s.get("label")
    out = []
    previous = None
    for i, r in df.iterrows():
        d = _plain(r[s["date"]])
        if d is None:
            continue
        if previous is not None:
            pi, pr, pdate = previous
            name = f"{r[label]}" if label else f"entry {r[order]}"
            out.append(make(
                check, f"row{int(i) + 1}", f"{shown(d)} ({name}), printed after {shown(pdate)}", str(d), str(pdate),
                cell_location(s["table"], r, s["date"]), relation=">=",
                method="a record in date order dates each entry on or after the entry printed before it",
                locations=[cell_location(s["table"], pr, s["date"])],
                inputs=[f"{s['table']}:{int(i) + 1}:{s['date']}", f"{s['table']}:{int(pi) + 1}:{s['date']}"],
            ))
        previous = (i, r, d)
    return out


# Agreement of several members ------------------------------------------------------------------
def _agree(check: Check, ev: Evidence) -> list[Finding]:
    """Members that must agree (the same quantity, event, date, name or reference): each member
    against the reference member, or the declared comparisons; ``report: once`` makes one finding
    of them all."""
    _needs(check, "members")
    s = check.spec
    members = {}
    for m in s["members"]:
        if "id" not in m:
            raise CheckError(f"{_where(check)}: every member needs an id")
        if "states" in s:  # the states of the check, read from every member
            m = {"states": s["states"], **m}
        members[m["id"]] = (m, resolve(ev, m, f"{_where(check)}, member {m['id']}"))
    tol = float(s.get("tolerance", 0))
    relation = "!=" if s.get("expect") == "distinct" else "="
    comparisons = s.get("comparisons")
    if comparisons is None:
        ref = s.get("reference", s["members"][0]["id"])
        comparisons = [{"member": mid, "against": ref} for mid in members if mid != ref]
    if s.get("report") == "once":
        values = [v for _, v in members.values()]
        distinct = list(dict.fromkeys(_key(v.value, tol) for v in values))
        ok = len(distinct) == 1 if relation == "=" else len(distinct) == len(values)
        first = values[0]
        listing = "; ".join(f"{shown(v.value)} ({v.label})" for v in values)
        return [make(
            check, s.get("key", "all"), s.get("what", check.title), " / ".join(dict.fromkeys(shown(v.value) for v in values)),
            " / ".join(dict.fromkeys(shown(v.value) for v in values)) if ok else (s.get("expected") or "one value"), first.location,
            method=f"{len(values)} places compared: {listing}", locations=[v.location for v in values[1:]], inputs=[v.ref for v in values],
        )]
    out = []
    for c in comparisons:
        (m, a), (_, b) = members[c["member"]], members[c["against"]]
        if isinstance(a.value, str) and re.fullmatch(r"\d{4}-\d{2}(-\d{2})?", a.value):
            stated, derived = a.value, b.value
        else:
            stated, derived = a.value, b.value
        out.append(make(
            check, c.get("id", c["member"]), c.get("what", f"{a.label} against {b.label}"), stated, derived, a.location,
            method=c.get("method", f"{shown(a.value)} ({a.label}) against {shown(b.value)} ({b.label})"),
            locations=[b.location], inputs=[a.ref, b.ref], tolerance=float(c.get("tolerance", tol)), relation=c.get("relation", relation),
            overrides={k: v for k, v in {**m, **c}.items() if k in ("severity", "certainty", "origin", "explanation")},
        ))
    return out


def _key(v: Any, tol: float) -> Any:
    return normalise_text(v) if isinstance(v, str) else round(float(v) / tol) if tol else float(v)


def _order(check: Check, ev: Evidence) -> list[Finding]:
    """Dated members in order: each ``earlier`` on or before each ``later`` (a record that says an
    event was stood down before a document still calls it planned, a "last updated" header older
    than its contents, future tense about a date already past). The finding sits at the ``later``
    member (``at: earlier`` moves it); ``report: once`` holds the latest earlier against the
    earliest later, with every member's lines."""
    _needs(check, "earlier", "later")
    s = check.spec

    def values(spec) -> list[Value]:
        out = []
        for m in spec if isinstance(spec, list) else [spec]:
            got = column_values(ev, m["column"], _where(check)) if "column" in m else [resolve(ev, m, _where(check))]
            for v in got:
                if not (isinstance(v.value, str) and re.fullmatch(r"\d{4}-\d{2}(-\d{2})?", v.value)):
                    raise CheckError(f"{_where(check)}: {v.ref or m} is not a date ({v.value!r})")
                out.append(Value(v.value, v.location, v.label or m.get("label", "") or m.get("id", ""), v.ref, m.get("id", "")))
        return out

    earlier, later = values(s["earlier"]), values(s["later"])
    at_later = s.get("at", "later") == "later"
    pairs = (
        [(max(earlier, key=lambda v: date_bound(v.value, "earliest")), min(later, key=lambda v: date_bound(v.value, "latest")))]
        if s.get("report") == "once" else list(itertools.product(earlier, later))
    )
    out = []
    for a, b in pairs:
        at, other = (b, a) if at_later else (a, b)
        if s.get("report") == "once":
            key, what = s.get("key", "order"), s.get("what", check.title)
            extra = [v.location for v in (*earlier, *later) if v.location != at.location and not v.ref.startswith("registry:")]
        else:
            key = (at.key or at.label or at.ref) if len(earlier) == 1 or len(later) == 1 else f"{a.key or a.label} {b.key or b.label}"
            what = f"{b.label} ({shown(b.value)}), against {a.label} ({shown(a.value)})"
            extra = [] if other.ref.startswith("registry:") else [other.location]
        out.append(make(
            check, key, what, at.value, other.value, at.location, relation=">=" if at_later else "<=",
            method=f"{a.label or a.ref} ({shown(a.value)}) must not be later than {b.label or b.ref} ({shown(b.value)})",
            locations=extra, inputs=[v.ref for v in (a, b) if not v.ref.startswith("registry:")],
        ))
    return out


# Status over time ------------------------------------------------------------------------------
def _match(df: pd.DataFrame, key: str) -> dict[str, tuple[int, pd.Series]]:
    out = {}
    for i, r in df.iterrows():
        k = normalise_text(r[key])
        if k in out:
            raise CheckError(f"key {key!r} value {r[key]!r} is not unique")
        out[k] = (int(i), r)
    return out


def _same_item(check: Check, ev: Evidence) -> list[Finding]:
    """The same rows in two tables (work packages, products, risks, requests for change) compared
    column by column; or declared pairs of rows; ``forbid``: a status an item listed in ``b``
    must not have in ``a``; ``require``: a status with which an item of ``a`` must be listed in ``b``
    (an item still in progress among the items still to be completed)."""
    s = check.spec
    out = []
    if "pairs" in s:
        table = ev.table(s["table"])
        for p in s["pairs"]:
            ra, rb = _rows(table, p["a"]), _rows(table, p["b"])
            if len(ra) != 1 or len(rb) != 1:
                raise CheckError(f"{_where(check)}: pair {p['id']} does not select one row each")
            for col in s["compare"]:
                a, b = _plain(ra.iloc[0][col]), _plain(rb.iloc[0][col])
                ia, ib = int(ra.index[0]), int(rb.index[0])
                out.append(make(
                    check, f"{p['id']} {col}", p.get("what", f"{col}"), a, b, cell_location(s["table"], ra.iloc[0], col),
                    method=f"{ev.title(s['table'])}, rows {ia + 1} and {ib + 1}, {col.replace('_', ' ')}",
                    locations=[cell_location(s["table"], rb.iloc[0], col)], inputs=[f"{s['table']}:{ia + 1}:{col}", f"{s['table']}:{ib + 1}:{col}"],
                    overrides=p,
                ))
        return out
    _needs(check, "a", "b")
    A, B = s["a"], s["b"]
    ta, tb = ev.table(A["table"]), ev.table(B["table"])
    ma, mb = _match(ta, A["key"]), _match(tb, B["key"])
    skip = {normalise_text(x) for x in s.get("skip_values", ())}
    overrides = s.get("overrides", {})
    for k, (ia, ra) in ma.items():
        if k not in mb:
            continue
        ib, rb = mb[k]
        name = A["name"].format(**{c: ra[c] for c in ta.columns}) if A.get("name") else str(ra[A["key"]])
        short = name if len(name) <= 90 else name[:87] + "…"
        for col in s.get("compare", ()):
            ca, cb = A.get("columns", {}).get(col, col), B.get("columns", {}).get(col, col)
            a, b = _plain(ra[ca]), _plain(rb[cb])
            if a is None and b is None:
                continue
            if normalise_text(a or "") in skip or normalise_text(b or "") in skip:
                continue
            key = f"{ra[A['key']] if len(str(ra[A['key']])) < 12 else 'row' + str(ia + 1)} {col}"
            out.append(make(
                check, key, f"{short}: {col.replace('_', ' ')}", a if a is not None else "(blank)", b if b is not None else "(blank)",
                cell_location(A["table"], ra, ca), method=f"{ev.title(A['table'])}, row {ia + 1}, against {ev.title(B['table'])}, row {ib + 1} "
                f"(the same {A['key'].replace('_', ' ')}), compared without case, spacing or markup", locations=[cell_location(B["table"], rb, cb)],
                inputs=[f"{A['table']}:{ia + 1}:{ca}", f"{B['table']}:{ib + 1}:{cb}"], overrides=overrides.get(str(ra[A["key"]]), {}),
            ))
        if "forbid" in s:
            col, values = s["forbid"]["column"], [normalise_text(v) for v in s["forbid"]["values"]]
            status = _plain(ra[col])
            listed = s["forbid"].get("listed_as", "listed")
            out.append(make(
                check, f"{ra[A['key']]} {col}", f"{short}: {col} in {ev.title(A['table'])}, while {listed} in {ev.title(B['table'])}",
                status, status if normalise_text(status or "") not in values else f"not {status} ({listed})", cell_location(A["table"], ra, col),
                method=f"an item {listed} cannot already be " + " or ".join(s["forbid"]["values"]),
                locations=[cell_location(B["table"], rb, B["key"])], inputs=[f"{A['table']}:{ia + 1}:{col}", f"{B['table']}:{ib + 1}:{B['key']}"],
            ))
    if "require" in s:
        req = s["require"]
        col, values = req["column"], {normalise_text(v) for v in req["values"]}
        listed = req.get("listed_as", "listed")
        whole = Location(str(tb["source_id"].iloc[0]), int(tb["line_start"].min()), int(tb["line_end"].max()))
        for k, (ia, ra) in ma.items():
            status = _plain(ra[col])
            if normalise_text(status or "") not in values:
                continue
            name = A["name"].format(**{c: ra[c] for c in ta.columns}) if A.get("name") else str(ra[A["key"]])
            hit = mb.get(k)
            out.append(make(
                check, f"{ra[A['key']]} listed", f"{name}: {status} in {ev.title(A['table'])}, against {ev.title(B['table'])}",
                listed if hit else f"not {listed}", listed, cell_location(A["table"], ra, col),
                method=f"an item whose status is {' or '.join(req['values'])} is {listed}; "
                + (f"{ev.title(B['table'])}, row {hit[0] + 1}" if hit else f"none of the {len(tb)} rows of {ev.title(B['table'])} is {ra[A['key']]}"),
                locations=[cell_location(B["table"], hit[1], B["key"]) if hit else whole],
                inputs=[f"{A['table']}:{ia + 1}:{col}"] + ([f"{B['table']}:{hit[0] + 1}:{B['key']}"] if hit else []),
                overrides={k2: req[k2] for k2 in ("severity", "certainty", "origin", "explanation") if k2 in req},
            ))
    return out


def _cross_document(check: Check, ev: Evidence) -> list[Finding]:
    """Rows whose status one document leaves undetermined, with the status another document gives
    the same row (see :func:`cross_document_evidence`); the rows both determine are compared."""
    frame = cross_document_evidence(check, ev)
    out = []
    for r in frame[frame["determined"]].itertuples():
        out.append(make(
            check, f"row{r.row}", f"{r.item}: status", r.status, r.other_status, Location(r.source_id, r.line_start, r.line_end),
            method=f"{check.spec['a']['table']} row {r.row} against {check.spec['b']['table']} row {r.other_row}",
            locations=[Location(r.other_source_id, r.other_line_start, r.other_line_end)],
            inputs=[f"{check.spec['a']['table']}:{r.row}:{check.spec['a']['column']}", f"{check.spec['b']['table']}:{r.other_row}:{check.spec['b']['column']}"],
        ))
    return out


def cross_document_evidence(check: Check, ev: Evidence) -> pd.DataFrame:
    """Each row of table ``a`` with the status table ``b`` gives the same row (matched on the
    declared key): the cross-document evidence for statuses ``a`` cannot determine (``undetermined``)."""
    s = check.spec
    A, B = s["a"], s["b"]
    ta, tb = ev.table(A["table"]), ev.table(B["table"])
    mb = _match(tb, B["key"])
    undetermined = {normalise_text(x) for x in s.get("undetermined", ())}
    rows = []
    for i, r in ta.iterrows():
        hit = mb.get(normalise_text(r[A["key"]]))
        status = _plain(r[A["column"]])
        loc = cell_location(A["table"], r, A["key"])
        row = {"check": check.id, "row": int(i) + 1, "item": str(r[A["key"]]), "status": status, "source_id": loc.source_id,
               "line_start": loc.line_start, "line_end": loc.line_end, "determined": False, "other_status": None, "other_row": None,
               "other_source_id": None, "other_line_start": None, "other_line_end": None, "evidence": s.get("none", "not in the other document")}
        if hit is not None:
            j, rb = hit
            oloc = cell_location(B["table"], rb, B["key"])
            row |= {"other_status": _plain(rb[B["column"]]), "other_row": j + 1, "other_source_id": oloc.source_id,
                    "other_line_start": oloc.line_start, "other_line_end": oloc.line_end,
                    "determined": normalise_text(status or "") not in undetermined,
                    "evidence": s.get("label", "cross-document evidence")}
        rows.append(row)
    return pd.DataFrame(rows)


def _missing(check: Check, ev: Evidence) -> list[Finding]:
    """Decisions reported elsewhere against the decision record: a dated decision needs an entry
    on that date (naming the group if declared); an undated one an entry with all its words."""
    _needs(check, "record", "reported")
    s = check.spec
    rec = s["record"]
    df = ev.table(rec["table"])
    dates = df[rec["date"]].map(_plain)
    out = []
    for p in s["reported"]:
        v = resolve(ev, p, f"{_where(check)}, reported {p.get('id')}")
        words = [w.lower() for w in p.get("words", ())]
        text = df[rec["text"]].astype(str).str.lower()
        if p.get("value") == "date" or "date" in p:
            d = v.value
            hits = df[(dates == d)]
            if p.get("group"):
                hits = hits[hits[rec["group"]].astype(str).str.contains(p["group"], case=False, regex=False)]
            ok = len(hits) > 0
            near = sorted(dates.dropna(), key=lambda x: abs((date_bound(x, "earliest") - date_bound(d, "earliest")).days))[:2]
            derived = f"an entry dated {shown(d)}" if ok else f"no entry dated {shown(d)} (nearest: {', '.join(shown(x) for x in sorted(near))})"
            stated = f"{p.get('group', 'decision')}, {shown(d)}: {p['decision']}"
            found_rows = hits.index
        else:
            mask = pd.Series(True, index=df.index)
            for w in words:
                mask &= text.str.contains(w, regex=False)
            ok = bool(mask.any())
            found_rows = df.index[mask]
            stated = f"{p.get('group', 'decision')} (undated): {p['decision']}"
            derived = "an entry with the words " + ", ".join(f"“{w}”" for w in words) if ok else "no entry with the words " + ", ".join(f"“{w}”" for w in words)
        out.append(make(
            check, p["id"], f"{p['decision']} ({v.label or 'reported'})", stated, stated if ok else derived, v.location,
            method=f"searched the {rec.get('title', rec['table'])} ({len(df)} entries)" + (f"; found row(s) {', '.join(str(i + 1) for i in found_rows)}" if ok else ""),
            locations=[Location(str(df["source_id"].iloc[0]), int(df["line_start"].min()), int(df["line_end"].max()))],
            inputs=[v.ref], overrides=p,
        ))
    return out


# Text -------------------------------------------------------------------------------------------
def _reference(check: Check, ev: Evidence) -> list[Finding]:
    """Cross-references: the item (or contents line) a reference names must be about what the
    reference says it is about."""
    _needs(check, "references")
    out = []
    for r in check.spec["references"]:
        v = resolve(ev, r, f"{_where(check)}, reference {r.get('id')}")
        target = str(r["target"])
        about = [w.lower() for w in r["about"]]
        if "table" in r:
            df = ev.table(r["table"])
            hit = df[df[r["id_column"]].astype(str) == target]
            if hit.empty:
                raise CheckError(f"{_where(check)}: no {r['table']} row with {r['id_column']} {target!r}")
            row_text = " ".join(str(hit.iloc[0][c]) for c in r["text_columns"]).lower()
            ok = all(w in row_text for w in about)
            others = df[df.apply(lambda x: all(w in " ".join(str(x[c]) for c in r["text_columns"]).lower() for w in about), axis=1)]
            others = others[others[r["id_column"]].astype(str) != target]
            # not the row that makes the reference
            others = others[~((others["source_id"] == v.location.source_id) & (others["line_start"] <= v.location.line_end) & (others["line_end"] >= v.location.line_start))]
            right = ", ".join(dict.fromkeys(str(x) for x in others[r["id_column"]].dropna() if str(x).strip())) or "no numbered item"
            at_target = cell_location(r["table"], hit.iloc[0], r["id_column"])
            method = f"{r['table']} item {target}: “{' '.join(str(hit.iloc[0][r['text_columns'][0]]).split())[:90]}”"
            locs = [at_target] + [cell_location(r["table"], x, r["id_column"]) for _, x in others.iterrows()]
        else:
            loc = _as_location(r["contents"], ev.lines, _where(check))
            block = ev.lines[loc.source_id][loc.line_start - 1 : loc.line_end]
            n = next((i for i, line in enumerate(block) if normalise(line).lower().startswith(target.lower())), None)
            if n is None:
                raise CheckError(f"{_where(check)}: {target!r} is not in the contents lines {loc.line_start}-{loc.line_end}")
            entry = normalise(block[n])
            ok = all(w in entry.lower() for w in about)
            right = entry
            method = f"the contents list “{entry}” (line {loc.line_start + n})"
            locs = [Location(loc.source_id, loc.line_start + n, loc.line_start + n)]
        out.append(make(
            check, r["id"], f"“{normalise(r['text']['quote'])}”: the reference against the item it names", target, target if ok else right,
            v.location, method=method + f"; the reference is about: {', '.join(r['about'])}", locations=locs, inputs=[v.ref], overrides=r,
        ))
    return out


def _contents(check: Check, ev: Evidence) -> list[Finding]:
    """Each entry of a contents list against the headings of the document: the entry must be
    printed in a heading (a short line) of the pages it lists."""
    _needs(check, "table", "column", "pages")
    s = check.spec
    df = ev.table(s["table"])
    pages = _as_location(s["pages"], ev.lines, _where(check))
    block = [(n, normalise(ev.lines[pages.source_id][n - 1]).lower()) for n in range(pages.line_start, pages.line_end + 1)]
    out = []
    for i, r in df.iterrows():
        item = normalise(str(r[s["column"]])).lower()
        hits = [n for n, line in block if item in line and len(line.split()) <= max(8, 2 * len(item.split()))]
        out.append(make(
            check, f"row{int(i) + 1}", f"Contents entry “{r[s['column']]}” against the headings of the pages",
            str(r[s["column"]]), str(r[s["column"]]) if hits else "no such heading",
            cell_location(s["table"], r, s["column"]), locations=[Location(pages.source_id, hits[0], hits[0])] if hits else [],
            method=(f"printed in the heading at line {hits[0]}" if hits else f"no heading of lines {pages.line_start}-{pages.line_end} prints it"),
            inputs=[f"{s['table']}:{int(i) + 1}:{s['column']}"],
        ))
    return out


def _numbering(check: Check, ev: Evidence) -> list[Finding]:
    """Printed numbering: ``unique`` (no number printed twice in its scope), ``heading`` (an item's
    number starts with its heading's number) or ``sequence`` (versions counting up by one)."""
    _needs(check, "table", "column", "rule")
    s = check.spec
    df = _rows(ev.table(s["table"]), s.get("rows"))
    col, rule = s["column"], s["rule"]
    out = []
    if rule == "unique":
        scope = s.get("scope") or []
        groups = [((), df)] if not scope else list(df.groupby(scope, sort=False))
        for key, part in groups:
            vals = part[col].dropna().astype(str)
            vals = vals[vals.str.strip() != ""]
            seen: dict[str, int] = {}
            for i, v in vals.items():
                if v in seen:
                    j = seen[v]
                    out.append(make(
                        check, f"{v} row{int(i) + 1}", f"“{v}” printed twice" + (f" ({key if not isinstance(key, tuple) else ' '.join(map(str, key))})" if scope else ""),
                        f"{v} (again)", "a number of its own", cell_location(s["table"], df.loc[i], col),
                        method=f"{ev.title(s['table'])}, rows {j + 1} and {int(i) + 1} both print {v}", locations=[cell_location(s["table"], df.loc[j], col)],
                        inputs=[f"{s['table']}:{j + 1}:{col}", f"{s['table']}:{int(i) + 1}:{col}"],
                    ))
                else:
                    seen[v] = int(i)
        return out
    if rule == "heading":
        head = s["heading_column"]
        for heading, part in df.groupby(head, sort=False):
            m = re.match(r"\s*(\d+)\s*\.", str(heading))
            ids = part[col].dropna().astype(str)
            firsts = [x.split(".")[0] for x in ids if re.match(r"\d+\.", x)]
            if not m or not firsts:
                continue
            prefix = max(set(firsts), key=firsts.count)
            first_row = part.iloc[0]
            lines = ev.lines[str(first_row["source_id"])]
            at_line = max((n for n in range(1, int(first_row["line_start"]) + 1) if normalise(str(heading)) in normalise(lines[n - 1])), default=int(first_row["line_start"]))
            out.append(make(
                check, f"{m.group(1)} {heading}", f"Heading “{heading}” against the numbers of its items", float(m.group(1)), float(prefix),
                Location(str(first_row["source_id"]), at_line, at_line), method=f"its {len(ids)} numbered items start {prefix}. ({', '.join(ids)})",
                locations=[cell_location(s["table"], part.iloc[0], col)], inputs=[f"{s['table']}:{int(i) + 1}:{col}" for i in part.index],
            ))
        return out
    if rule == "sequence":
        previous = None
        for i, r in df.iterrows():
            v = str(r[col])
            m = re.fullmatch(r"(\d+)\.(\d+)", v)
            at = cell_location(s["table"], r, col)
            if not m:
                out.append(make(check, f"{v} row{int(i) + 1}", f"Version “{v}”: the printed form", v,
                                f"{v[0]}.{v[1:]}" if v.isdigit() and len(v) > 1 else "major.minor", at,
                                method="versions are printed major.minor (0.1, 0.2, …)", inputs=[f"{s['table']}:{int(i) + 1}:{col}"]))
                continue
            cur = (int(m.group(1)), int(m.group(2)))
            if previous is not None:
                expected = (previous[0], previous[1] + 1)
                ok = cur == expected or (cur[0] == previous[0] + 1 and cur[1] == 0)
                out.append(make(check, f"{v} row{int(i) + 1}", f"Version “{v}” after “{previous[0]}.{previous[1]}”", v,
                                v if ok else f"{expected[0]}.{expected[1]}", at, method="each version is the one before plus one",
                                inputs=[f"{s['table']}:{int(i) + 1}:{col}"]))
            previous = cur
        return out
    raise CheckError(f"{_where(check)}: rule {rule!r} is not one of unique, heading, sequence")


def _split_outside_brackets(text: str) -> list[str]:
    """ "A, B (x or y) or C" → ["A", "B (x or y)", "C"]: commas and "or" outside brackets."""
    parts, depth, cur, i = [], 0, "", 0
    while i < len(text):
        ch = text[i]
        depth += ch == "("
        depth -= ch == ")"
        if depth == 0 and ch == ",":
            parts.append(cur)
            cur = ""
        elif depth == 0 and text[i:i + 4].lower() == " or ":
            parts.append(cur)
            cur = ""
            i += 3
        else:
            cur += ch
        i += 1
    parts.append(cur)
    return [re.sub(r"^either\s+", "", p.strip(), flags=re.I) for p in parts if p.strip()]


def _vocabulary(check: Check, ev: Evidence) -> list[Finding]:
    """The values a column uses against the values the document's own footnote defines (a value
    matches a defined status with or without its bracketed gloss)."""
    _needs(check, "vocabulary", "columns")
    s = check.spec
    out = []
    for c in s["columns"]:
        v = resolve(ev, c.get("vocabulary", s["vocabulary"]), _where(check))
        words = _split_outside_brackets(str(v.value))
        allowed = {normalise_text(w) for w in words} | {normalise_text(re.sub(r"\s*\(.*?\)", "", w)) for w in words}
        df = ev.table(c["table"])
        used = list(dict.fromkeys(str(x) for x in df[c["column"]].dropna()))
        outside = [u for u in used if normalise_text(u) not in allowed]
        first = df.iloc[0]
        out.append(make(
            check, c["table"], f"{ev.title(c['table'])}: the {c['column'].replace('_', ' ')} values against the footnote’s",
            "; ".join(used), "; ".join(used) if not outside else "; ".join(words), cell_location(c["table"], first, c["column"]),
            method=f"the footnote allows: {'; '.join(words)}; outside it: {'; '.join(outside) or 'none'}",
            locations=[v.location], inputs=[v.ref] + [f"{c['table']}:{int(i) + 1}:{c['column']}" for i in df.index],
            overrides={k: c[k] for k in ("severity", "certainty", "origin", "explanation") if k in c},
        ))
    return out


_FINANCIAL_YEAR = re.compile(r"\b(?P<start>\d{4})[/–-](?P<end>\d{2})\b")


def _years(check: Check, ev: Evidence) -> list[Finding]:
    """Every year range printed "YYYY/YY" or "YYYY-YY": the second year follows the first by one to
    five years, and the range starts within ``ahead`` years of the document's date."""
    ahead = int(check.spec.get("ahead", 20))
    out = []
    for loc in check.where:
        doc_year = int(ev.documents[loc.source_id].date[:4])
        for n in range(loc.line_start, loc.line_end + 1):
            for m in _FINANCIAL_YEAR.finditer(ev.lines[loc.source_id][n - 1]):
                start, end = int(m.group("start")), int(m.group("end"))
                span = (end - start % 100) % 100
                if 1 <= span <= 5 and start <= doc_year + ahead:
                    continue
                guess = doc_year // 100 * 100 + end - 1
                likely = f"{guess}/{end:02d}" if guess <= doc_year else "a range of one to five years"
                out.append(make(
                    check, f"{loc.source_id} L{n} {m.group(0)}", f"“{m.group(0)}”: a printed year range", m.group(0), likely,
                    Location(loc.source_id, n, n), inputs=[f"{loc.source_id}:{n}-{n}"],
                    method=f"it runs {span} years from {start}, and the document is dated {ev.documents[loc.source_id].date}",
                ))
    return out


# Models (method and plausibility) --------------------------------------------------------------
class ModelInputs:
    """What a model function of :mod:`ccth_lib.models.method` may read: the declared inputs (as
    :class:`Value`), the tables, the source lines, the chain parameters and the declared options."""

    def __init__(self, check: Check, ev: Evidence):
        self._check, self._ev = check, ev
        self.params = ev.params
        self.lines = ev.lines
        self.options = dict(check.spec.get("options") or {})

    def value(self, name: str) -> Value:
        spec = (self._check.spec.get("inputs") or {}).get(name)
        if spec is None:
            raise CheckError(f"{_where(self._check)}: needs the input {name!r}")
        return resolve(self._ev, spec, f"{_where(self._check)}, input {name}")

    def values(self, name: str) -> list[Value]:
        specs = (self._check.spec.get("inputs") or {}).get(name)
        if not isinstance(specs, list):
            raise CheckError(f"{_where(self._check)}: the input {name!r} must be a list of members")
        return [resolve(self._ev, m, f"{_where(self._check)}, input {name}") for m in specs]

    def table(self, name: str) -> pd.DataFrame:
        return self._ev.table(name)


def _model(check: Check, ev: Evidence) -> list[Finding]:
    """A re-derivation by a model of :mod:`ccth_lib.models.method` (named by ``function``) of a
    figure the documents state; each result it returns is one comparison."""
    from .models import method as methods

    _needs(check, "function")
    fn = methods.FUNCTIONS.get(check.spec["function"])
    if fn is None:
        raise CheckError(f"{_where(check)}: function {check.spec['function']!r} is not one of {', '.join(methods.FUNCTIONS)}")
    try:
        results = fn(ModelInputs(check, ev))
    except (KeyError, ValueError) as exc:
        if isinstance(exc, CheckError):
            raise
        raise CheckError(f"{_where(check)}: {check.spec['function']}: {exc}") from None
    per_result = check.spec.get("results") or {}
    return [make(
        check, r["key"], r["what"], r["stated"], r["derived"], r["location"], method=r["method"], locations=r.get("locations", ()),
        inputs=r.get("inputs", ()), tolerance=r.get("tolerance", 0.0), relation=r.get("relation", "="), overrides=per_result.get(r["key"], {}),
    ) for r in results]


EVALUATORS: dict[str, Callable[[Check, Evidence], list[Finding]]] = {
    "sum": _sum,
    "row_sum": _row_sum,
    "count": _count,
    "ticks": _ticks,
    "weekday": _weekday,
    "sorted": _sorted,
    "agree": _agree,
    "order": _order,
    "same_item": _same_item,
    "cross_document": _cross_document,
    "missing": _missing,
    "reference": _reference,
    "contents": _contents,
    "numbering": _numbering,
    "vocabulary": _vocabulary,
    "years": _years,
    "model": _model,
}


def details(declarations: Declarations, ev: Evidence) -> dict[str, pd.DataFrame]:
    """The tables the model checks compute beside their comparisons (``detail``), by check id:
    e.g. every arrangement of Appendix A's rate headings, every population tried for Optimity's
    figure."""
    from .models import method as methods

    out = {}
    for check in declarations.checks:
        if check.type != "model":
            continue
        for r in methods.FUNCTIONS[check.spec["function"]](ModelInputs(check, ev)):
            if isinstance(r.get("detail"), pd.DataFrame):
                out[check.id] = r["detail"]
    return out


def members(declarations: Declarations, ev: Evidence, check_id: str) -> pd.DataFrame:
    """The members of an ``agree`` check side by side: each value, what it is, its document, the
    document's date and its lines (the same quantity in several places)."""
    check = next((c for c in declarations.checks if c.id == check_id), None)
    if check is None or check.type != "agree":
        raise CheckError(f"no agree check {check_id!r}")
    rows = []
    for m in check.spec["members"]:
        v = resolve(ev, m, f"{_where(check)}, member {m['id']}")
        doc = ev.documents[v.location.source_id]
        rows.append({"member": m["id"], "what": v.label, "value": v.value, "document": doc.short_title, "date": doc.date,
                     "source_id": v.location.source_id, "line_start": v.location.line_start, "line_end": v.location.line_end, "ref": v.ref})
    return pd.DataFrame(rows)


def evaluate(declarations: Declarations, ev: Evidence) -> list[Finding]:
    """Every declared check's comparisons, in declaration order (pure)."""
    out: list[Finding] = []
    for check in declarations.checks:
        try:
            found = EVALUATORS[check.type](check, ev)
        except CheckError as exc:
            msg = str(exc)
            raise CheckError(msg if msg.startswith("data/checks/") else f"{_where(check)}: {msg}") from None
        out += [f for f in found if f is not None]
    return out


def classify_model_findings(found: Sequence[Finding], rules: Sequence[Mapping], kind_explanation: str = "") -> list[Finding]:
    """The models' own findings, with the severity, certainty, origin and explanation that
    ``data/checks/models.yaml`` declares for their ids (patterns with ``*``); the last matching
    rule wins. A finding that agrees or differs by construction is the analysis' by definition."""
    from dataclasses import replace
    from fnmatch import fnmatchcase

    out = []
    for f in found:
        meta: dict[str, Any] = {"kind": MODEL}
        for r in rules:
            if any(fnmatchcase(f.id, pat) for pat in r["ids"]):
                meta |= {k: r[k] for k in ("severity", "certainty", "origin") if k in r}
                if r.get("explanation"):
                    meta["explanation"] = " ".join(str(r["explanation"]).split())
        if f.basis == "by construction":
            meta["origin"] = ANALYSIS
        meta.setdefault("explanation", kind_explanation)
        out.append(replace(f, **meta, check=f.check or "model"))
    return out
