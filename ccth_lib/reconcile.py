"""Reconciliation: where a figure the source states can be re-derived, compare the two.

A :class:`Finding` records one comparison: what was compared, the stated value (with the source
lines of the cell or row that states it), the value derived by the code, and the difference.
Nothing here corrects a source: a difference is reported in the reconciliation register, never
papered over.

Two kinds of finding are kept apart from the documents' own agreement and errors:

* **agreement by construction** (``basis="by construction"``): the derived value was computed
  from the very figure it is compared with (e.g. a default population taken from the row being
  checked). Such a finding cannot fail for the document's sake; its status says so
  (``"agrees by construction"``) and :func:`counts` leaves it out of the comparisons;
* **a second printing** (``duplicate_of`` = the id of the first printing's finding): a table the
  source prints twice states the same figure twice; when both printings state the same figure and
  the comparison derives the same value, the later one is the same finding again and is counted
  once.

Every finding also says what kind of disagreement it is (:data:`KINDS`: the arithmetic the models
re-derive, the arithmetic, dates, quantities, statuses, methods, plausibility and text the declared
checks of ``data/checks/`` compare, see :mod:`ccth_lib.checks`), how serious (:data:`SEVERITIES`),
how sure the comparison is (:data:`CERTAINTIES`), whether the difference is the documents' or an
artefact of the analysis' own choices (:data:`ORIGINS`), every place it is printed
(:attr:`Finding.all_locations`) and, in words, what it means (``explanation``). A stated or derived
value may be a number or a text (a date, a weekday, a name): numbers differ by more than the
tolerance, texts when they differ other than in case, spacing or markup.

All functions are pure: they take loaded DataFrames and return findings.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, replace
from numbers import Real

import pandas as pd

from . import cells

INDEPENDENT = "independent"
BY_CONSTRUCTION = "by construction"
BASES: tuple[str, ...] = (INDEPENDENT, BY_CONSTRUCTION)

#: The kinds of finding (their titles and descriptions are declared in ``data/checks/<kind>.yaml``).
MODEL = "model"
KINDS: tuple[str, ...] = (MODEL, "arithmetic", "dates", "same_quantity", "status", "method", "plausibility", "text")
SEVERITIES: tuple[str, ...] = ("high", "medium", "low")
CERTAIN, PROBABLE = "certain", "probable"
CERTAINTIES: tuple[str, ...] = (CERTAIN, PROBABLE)
#: Whose difference a finding is: the documents' own, or an artefact of the analysis' choices
#: (a rounding rule, a population it fitted, a comparison with an unrounded value).
DOCUMENT, ANALYSIS = "document", "analysis"
ORIGINS: tuple[str, ...] = (DOCUMENT, ANALYSIS)
#: How a stated value is held against the derived one: equal (within the tolerance), at most,
#: at least (a criterion or a bound), or different (two things that must not share a value).
RELATIONS: tuple[str, ...] = ("=", "<=", ">=", "!=")


@dataclass(frozen=True, order=True)
class Location:
    """Where a figure or statement is printed: a source and an inclusive line range."""

    source_id: str
    line_start: int
    line_end: int

    def __post_init__(self) -> None:
        if not 1 <= int(self.line_start) <= int(self.line_end):
            raise ValueError(f"location {self.source_id}: line range {self.line_start}-{self.line_end} is not increasing from 1")
        object.__setattr__(self, "line_start", int(self.line_start))
        object.__setattr__(self, "line_end", int(self.line_end))

    def __str__(self) -> str:
        return f"{self.source_id}:{self.line_start}-{self.line_end}"


def parse_locations(text: str) -> list[Location]:
    """``"paper-2018-10:69-72; paper-2018-10:983-993"`` (the register's ``locations``) → locations."""
    out = []
    for part in str(text or "").split(";"):
        part = part.strip()
        if not part:
            continue
        sid, _, span = part.rpartition(":")
        a, _, b = span.partition("-")
        out.append(Location(sid, int(a), int(b or a)))
    return out


_ISO = re.compile(r"(\d{4})-(\d{2})(?:-(\d{2}))?")


def _date_range(v) -> tuple | None:
    """An ISO date (``"2018-08-16"``) or month (``"2017-11"``) as its first and last day."""
    import calendar
    import datetime as dt

    m = _ISO.fullmatch(str(v)) if isinstance(v, str) else None
    if not m:
        return None
    y, mo = int(m.group(1)), int(m.group(2))
    if m.group(3):
        d = dt.date(y, mo, int(m.group(3)))
        return d, d
    return dt.date(y, mo, 1), dt.date(y, mo, calendar.monthrange(y, mo)[1])


def _is_number(v) -> bool:
    return isinstance(v, Real) and not isinstance(v, bool)


def normalise_text(v) -> str:
    """A text as compared: markup removed, case and spacing ignored, a final full stop dropped
    ("1 <sup>st</sup> August" reads as "1st August")."""
    text = re.sub(r"<[^>]+>", "", str(v))
    return "".join(text.split()).casefold().rstrip(".")


@dataclass(frozen=True)
class Finding:
    """One comparison of a stated figure with a derived one.

    ``source_id``, ``line_start`` and ``line_end`` locate the stated figure: the lines of the
    table row (or register figure) that prints it, never a whole table when one row is meant.
    """

    id: str
    topic: str
    what: str
    stated: float
    derived: float
    source_id: str
    line_start: int
    line_end: int
    method: str
    tolerance: float = 0.0
    basis: str = INDEPENDENT
    duplicate_of: str = ""
    kind: str = MODEL
    severity: str = "medium"
    certainty: str = CERTAIN
    origin: str = DOCUMENT
    locations: tuple = field(default=())
    explanation: str = ""
    check: str = ""
    inputs: tuple = field(default=())
    relation: str = "="

    def __post_init__(self) -> None:
        try:
            start, end = int(self.line_start), int(self.line_end)
        except (TypeError, ValueError):
            raise ValueError(f"finding {self.id}: line range {self.line_start!r}-{self.line_end!r} is not a pair of integers") from None
        if start != self.line_start or end != self.line_end:
            raise ValueError(f"finding {self.id}: line range {self.line_start!r}-{self.line_end!r} is not a pair of integers")
        if not 1 <= start <= end:
            raise ValueError(f"finding {self.id}: line range {start}-{end} is not increasing from 1")
        object.__setattr__(self, "line_start", start)
        object.__setattr__(self, "line_end", end)
        if self.basis not in BASES:
            raise ValueError(f"finding {self.id}: basis {self.basis!r} is not one of {', '.join(map(repr, BASES))}")
        if self.duplicate_of == self.id:
            raise ValueError(f"finding {self.id} cannot be a duplicate of itself")
        for name, allowed in (("kind", KINDS), ("severity", SEVERITIES), ("certainty", CERTAINTIES), ("origin", ORIGINS), ("relation", RELATIONS)):
            if getattr(self, name) not in allowed:
                raise ValueError(f"finding {self.id}: {name} {getattr(self, name)!r} is not one of {', '.join(map(repr, allowed))}")
        extra = tuple(loc if isinstance(loc, Location) else Location(*loc) for loc in self.locations)
        object.__setattr__(self, "locations", tuple(dict.fromkeys(e for e in extra if e != self.location)))
        object.__setattr__(self, "inputs", tuple(str(i) for i in self.inputs))

    @property
    def location(self) -> Location:
        """Where the stated value is printed."""
        return Location(self.source_id, self.line_start, self.line_end)

    @property
    def all_locations(self) -> tuple[Location, ...]:
        """Every place the finding is printed, the stated value's first."""
        return (self.location, *self.locations)

    @property
    def numeric(self) -> bool:
        return _is_number(self.stated) and _is_number(self.derived)

    @property
    def difference(self) -> float | None:
        """Stated minus derived (None when either is a text)."""
        if not self.numeric:
            return None
        return round(float(self.stated) - float(self.derived), 10)

    @property
    def agrees(self) -> bool:
        """Whether the stated value stands in the finding's relation to the derived one."""
        if self.numeric:
            diff = self.difference
            return {
                "=": abs(diff) <= self.tolerance,
                "<=": diff <= self.tolerance,
                ">=": diff >= -self.tolerance,
                "!=": abs(diff) > self.tolerance,
            }[self.relation]
        if self.relation in ("<=", ">="):
            a, b = _date_range(self.stated), _date_range(self.derived)
            if a is None or b is None:
                raise ValueError(f"finding {self.id}: relation {self.relation!r} needs two numbers or two dates")
            # a month stands for any of its days: an order is only broken when it is broken for certain
            return a[0] <= b[1] if self.relation == "<=" else a[1] >= b[0]
        same = normalise_text(self.stated) == normalise_text(self.derived)
        return same if self.relation == "=" else not same

    @property
    def status(self) -> str:
        """``agrees`` or ``differs``; ``… by construction`` when the basis is by construction."""
        word = "agrees" if self.agrees else "differs"
        return f"{word} by construction" if self.basis == BY_CONSTRUCTION else word

    def as_row(self) -> dict:
        row = asdict(self)
        row["locations"] = "; ".join(str(loc) for loc in self.all_locations)
        row["inputs"] = "; ".join(self.inputs)
        diff = self.difference
        return row | {"difference": float("nan") if diff is None else diff, "status": self.status}


REGISTER_COLUMNS = [
    "id", "topic", "what", "stated", "derived", "difference", "status", "basis", "duplicate_of",
    "source_id", "line_start", "line_end", "method", "tolerance",
    "kind", "severity", "certainty", "origin", "locations", "explanation", "check", "inputs", "relation",
]


def register(findings: list[Finding]) -> pd.DataFrame:
    """Findings as a DataFrame in register order.

    Ids must be unique, and a ``duplicate_of`` must name a finding of the same register that is
    not itself a duplicate.
    """
    ids = [f.id for f in findings]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise ValueError(f"duplicate finding ids: {dupes}")
    by_id = {f.id: f for f in findings}
    for f in findings:
        if not f.duplicate_of:
            continue
        first = by_id.get(f.duplicate_of)
        if first is None:
            raise ValueError(f"finding {f.id} is a duplicate of {f.duplicate_of!r}, which is not in the register")
        if first.duplicate_of:
            raise ValueError(f"finding {f.id} is a duplicate of {first.id}, itself a duplicate of {first.duplicate_of}")
    df = pd.DataFrame([f.as_row() for f in findings], columns=REGISTER_COLUMNS)
    return df.astype({"line_start": "int64", "line_end": "int64"})


def counts(reg: pd.DataFrame) -> dict[str, int]:
    """How many comparisons the register holds, each counted once.

    * ``duplicates``: findings that repeat a first printing's finding (``duplicate_of`` set);
    * ``by_construction``: the other findings whose basis is "by construction";
    * ``compared`` = ``agree`` + ``differ``: the remaining, independent findings, by status.

    Every row is in exactly one of ``compared``, ``by_construction`` and ``duplicates``.
    """
    missing = [c for c in ("status", "basis", "duplicate_of") if c not in reg.columns]
    if missing:
        raise ValueError(f"register has no column(s) {missing}")
    dup = reg["duplicate_of"].fillna("").astype(str) != ""
    constructed = (reg["basis"] == BY_CONSTRUCTION) & ~dup
    rest = reg[~dup & ~constructed]
    unknown = sorted(set(rest["status"]) - {"agrees", "differs"})
    if unknown:
        raise ValueError(f"independent findings with status {unknown}; expected 'agrees' or 'differs'")
    agree = int((rest["status"] == "agrees").sum())
    differ = int((rest["status"] == "differs").sum())
    return {
        "compared": agree + differ,
        "agree": agree,
        "differ": differ,
        "by_construction": int(constructed.sum()),
        "duplicates": int(dup.sum()),
    }


def _differs(reg: pd.DataFrame) -> pd.Series:
    return reg["status"].astype(str).str.startswith("differs")


def _first_printings(reg: pd.DataFrame) -> pd.Series:
    return reg["duplicate_of"].fillna("").astype(str) == ""


def disagreements(reg: pd.DataFrame) -> pd.DataFrame:
    """The register's disagreements, each once: the rows that differ and repeat no other row, their
    ``locations`` joined with those of the rows that repeat them (a figure printed twice is one
    finding printed in two places)."""
    out = reg[_differs(reg) & _first_printings(reg)].copy()
    if out.empty:
        return out.reset_index(drop=True)
    later = reg[~_first_printings(reg)]
    extra: dict[str, list[str]] = {}
    for first, locs in zip(later["duplicate_of"], later["locations"]):
        extra.setdefault(str(first), []).extend(str(locs).split("; "))
    out["locations"] = [
        "; ".join(dict.fromkeys([*str(locs).split("; "), *extra.get(fid, [])])) for fid, locs in zip(out["id"], out["locations"])
    ]
    return out.reset_index(drop=True)


def headline(reg: pd.DataFrame) -> dict[str, int]:
    """The counts a reader is told, each comparison counted once (second printings and repeats
    are not counted again):

    * ``comparisons``: every comparison made (agreeing or not);
    * ``disagreements`` = ``documents`` + ``artefacts``;
    * ``documents``: the documents' own disagreements (``documents_certain`` + ``documents_probable``);
    * ``artefacts``: differences that come from the analysis' own choices (origin "analysis"),
      and comparisons that agree or differ only by construction (``by_construction``);
    * ``duplicates``: rows repeating another (a second printing, the same discrepancy found twice).
    """
    first = _first_printings(reg)
    differs = _differs(reg) & first
    constructed = (reg["basis"] == BY_CONSTRUCTION) & first
    analysis = (reg["origin"] == ANALYSIS) & differs & ~constructed
    documents = differs & ~constructed & (reg["origin"] == DOCUMENT)
    return {
        "comparisons": int(first.sum()),
        "disagreements": int((documents | analysis).sum()),
        "documents": int(documents.sum()),
        "documents_certain": int((documents & (reg["certainty"] == CERTAIN)).sum()),
        "documents_probable": int((documents & (reg["certainty"] == PROBABLE)).sum()),
        "artefacts": int(analysis.sum()) + int(constructed.sum()),
        "by_construction": int(constructed.sum()),
        "duplicates": int((~first).sum()),
    }


def as_duplicate(finding: Finding, first: Finding | None) -> Finding:
    """A later printing's ``finding``, marked as a duplicate of the first printing's ``first``
    when both state the same figure and the comparison derives the same value (so the same
    agreement, or the same discrepancy, is printed twice). Otherwise ``finding`` unchanged: a
    figure that differs between printings is a finding of its own."""
    if first is None or first.duplicate_of:
        return finding
    if first.stated == finding.stated and first.derived == finding.derived:
        return replace(finding, duplicate_of=first.id)
    return finding


def printings(df: pd.DataFrame) -> list:
    """The printings of a table (values of its ``printing`` column), first first; ``[None]`` if
    the table is printed once."""
    return sorted(df["printing"].unique()) if "printing" in df.columns else [None]


def located(row, column: str) -> dict:
    """Where the value ``column`` of a row is printed, as Finding keyword arguments: its own line
    where the row records it (``cell_lines``, printed in one place), else the row's lines."""
    row = row._asdict() if hasattr(row, "_asdict") else row
    own = cells.lines_of(row, column)
    if own is not None and len(own.parts) == 1:
        return {"source_id": str(row["source_id"]), "line_start": own.start, "line_end": own.end}
    return {"source_id": str(row["source_id"]), "line_start": int(row["line_start"]), "line_end": int(row["line_end"])}


def optimity_findings(df: pd.DataFrame) -> list[Finding]:
    """Re-add the Optimity avoidability table (each printing) and compare the printings.

    * each item row: usually + sometimes = stated total;
    * each column: sum of the item rows = the stated Total row;
    * each later printing against the first, cell by cell.

    A later printing's row and column checks that repeat the first printing's (same stated
    figure, same derived value) are marked ``duplicate_of`` the first printing's finding.
    """
    findings: list[Finding] = []
    topic = "Optimity avoidability by service"
    value_cols = ["usually_avoidable", "sometimes_avoidable", "total"]
    order = printings(df)
    first_of: dict[tuple, Finding] = {}

    def add(key: tuple, p, f: Finding) -> None:
        if p == order[0]:
            first_of[key] = f
        else:
            f = as_duplicate(f, first_of.get(key))
        findings.append(f)

    for p in order:
        part = df[df["printing"] == p]
        items = part[part["row_kind"] == "item"]
        total_row = part[part["row_kind"] == "total"].iloc[0]
        for _, r in items.iterrows():
            add(("row", int(r["row_order"])), p, Finding(
                id=f"optimity.printing{p}.row{int(r['row_order'])}.total",
                topic=topic,
                what=f"Printing {p}, {r['service']}: total = usually + sometimes avoidable",
                stated=float(r["total"]),
                derived=float(r["usually_avoidable"] + r["sometimes_avoidable"]),
                **located(r, "total"),
                method="usually_avoidable + sometimes_avoidable",
            ))
        for col in value_cols:
            add(("total", col), p, Finding(
                id=f"optimity.printing{p}.total.{col}",
                topic=topic,
                what=f"Printing {p}, Total row, {col.replace('_', ' ')}: sum of the item rows",
                stated=float(total_row[col]),
                derived=float(items[col].sum()),
                **located(total_row, col),
                method=f"sum of {col} over the {len(items)} item rows",
            ))
    a = df[df["printing"] == order[0]].set_index("row_order")
    for p in order[1:]:
        b = df[df["printing"] == p].set_index("row_order")
        for row in a.index:
            for col in value_cols:
                findings.append(Finding(
                    id=f"optimity.printing{p}_vs_printing{order[0]}.row{int(row)}.{col}",
                    topic=topic,
                    what=f"{a.loc[row, 'service']}, {col.replace('_', ' ')}: printing {p} vs printing {order[0]}",
                    stated=float(b.loc[row, col]),
                    derived=float(a.loc[row, col]),
                    source_id=str(b.loc[row, "source_id"]),
                    line_start=int(b.loc[row, "line_start"]),
                    line_end=int(b.loc[row, "line_end"]),
                    method=f"value in printing {p} compared with the same cell in printing {order[0]}",
                ))
    return findings
