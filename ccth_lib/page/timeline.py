"""The timeline page: decisions, engagement events, the board papers and the Phase 3 milestones on
one time axis, with where the records disagree with the rest of the papers.

:func:`timeline_entries` is pure (tables in, one frame of dated entries out); :class:`TimelinePage`
loads the tables, computes the disagreements (:mod:`.records`) and renders the page.
"""

from __future__ import annotations

import re

import pandas as pd

from .. import charts, data, sources
from . import formats
from .downloads import download
from .glue import glue_phrases, glue_values
from .links import value_provenance
from .records import DECISIONS, ENGAGEMENT, KIND_WORDS, Records, plain_text
from .render import Html, render
from .table import PROVENANCE, table

#: Kinds of entry, in the order of the chart's legend.
DECISION, ENGAGEMENT_EVENT, BOARD_PAPER, MILESTONE, KEY_DATE = (
    "Decision", "Engagement event", "Board paper", "Phase 3 milestone (revised timeline)", "Other date in the highlight report")
KINDS = (BOARD_PAPER, DECISION, ENGAGEMENT_EVENT, MILESTONE, KEY_DATE)

#: The timeline's columns (provenance last).
COLUMNS = ["kind", "lane", "start", "end", "precision", "when", "who", "what", "finding", "record", "row_order", *PROVENANCE]


def _month_span(first: str, last: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """"2018-10", "2018-11" → the first day of October and the last day of November 2018."""
    start = pd.Timestamp(f"{first}-01")
    return start, pd.Timestamp(f"{last}-01") + pd.offsets.MonthEnd(0)


def _month_words(first: str, last: str) -> str:
    a, b = pd.Timestamp(f"{first}-01"), pd.Timestamp(f"{last}-01")
    return f"{a:%B %Y}" if a == b else (f"{a:%B} to {b:%B %Y}" if a.year == b.year else f"{a:%B %Y} to {b:%B %Y}")


def _day(kind, lane, date, who, what, record, row, column: str = "date") -> dict:
    """An entry dated to a day; its lines are those of the row's value ``column``, its date (see
    :func:`.links.value_provenance`)."""
    d = pd.Timestamp(date)
    return {"kind": kind, "lane": lane, "start": d, "end": d, "precision": "day", "when": formats.date(d), "who": who, "what": what,
            "record": record, "row_order": row.get("row_order"), **value_provenance(row, column)}


def _months(kind, lane, first, last, who, what, record, row, when=None, column: str | None = None) -> dict:
    """An entry dated to months; its lines are those of the row's value ``column`` (the months as
    printed), else the row's."""
    start, end = _month_span(first, last)
    return {"kind": kind, "lane": lane, "start": start, "end": end, "precision": "month", "when": when or _month_words(first, last),
            "who": who, "what": what, "record": record, "row_order": row.get("row_order"),
            **(value_provenance(row, column) if column else {p: row.get(p) for p in PROVENANCE})}


def decision_lane(group: str) -> str:
    return f"Decisions: {group}"


def timeline_entries(tables: dict[str, pd.DataFrame], papers: pd.DataFrame, findings: pd.DataFrame) -> pd.DataFrame:
    """Every dated entry: the board papers (``papers``: the source registry as a frame), both
    records, the revised Phase 3 timeline and the other dates of the highlight report, each with
    its lane, its time span (a day, or the months a month-only date covers), and the findings
    about it (``findings``, from :func:`.records.disagreements`)."""
    rows = []
    for _, p in papers.iterrows():
        row = {"source_id": p["id"]}
        if len(p["date"]) == 7:
            rows.append(_months(BOARD_PAPER, "Board papers", p["date"], p["date"], p["body"], p["title"], "registry", row))
        else:
            rows.append(_day(BOARD_PAPER, "Board papers", p["date"], p["body"], p["title"], "registry", row))
    for _, r in tables[DECISIONS].iterrows():
        rows.append(_day(DECISION, decision_lane(r["group"]), r["date"], r["group"], r["decision_or_action"], DECISIONS, r))
    for _, r in tables[ENGAGEMENT].iterrows():
        who = "No event named (printed “NA”)" if r["event"].strip().upper() == "NA" else r["event"]
        rows.append(_day(ENGAGEMENT_EVENT, "Engagement events", r["date"], who, r["aims_purpose"], ENGAGEMENT, r))
    for _, r in tables["highlight_phase3_timeline"].iterrows():
        rows.append(_months(MILESTONE, "Phase 3: revised timeline", r["month_start"], r["month_end"], "Revised Phase 3 timeline",
                            r["activity"], "highlight_phase3_timeline", r, when=r["period_label"], column="period_label"))
    for _, r in tables["highlight_key_dates"].iterrows():
        what = plain_text(r["event"])
        if formats.missing(r["date"]):
            rows.append(_months(KEY_DATE, "Highlight report: other dates", r["month"], r["month"], r["subject"], what, "highlight_key_dates", r,
                                when=plain_text(r["date_as_printed"]), column="date_as_printed"))
        else:
            rows.append(_day(KEY_DATE, "Highlight report: other dates", r["date"], r["subject"], what, "highlight_key_dates", r))
    out = pd.DataFrame(rows)
    out["finding"] = [_findings_of(findings, rec, order) for rec, order in zip(out["record"], out["row_order"])]
    return out[COLUMNS]


def _findings_of(findings: pd.DataFrame, record: str, row_order) -> str:
    if formats.missing(row_order) or findings.empty:
        return ""
    hit = findings[(findings["record"] == record) & (findings["row_order"] == int(row_order))]
    return "; ".join(f"Finding {n}: {KIND_WORDS[k]}" for n, k in dict.fromkeys(zip(hit["finding"], hit["kind"])))


def lanes_in_order(entries: pd.DataFrame) -> list[str]:
    """The chart's lanes: the board papers, the decision groups in order of their first decision,
    the engagement events, then the highlight report's dates."""
    decisions = entries[entries["kind"] == DECISION].sort_values("start", kind="stable")
    order = ["Board papers", *dict.fromkeys(decisions["lane"]), "Engagement events", "Phase 3: revised timeline", "Highlight report: other dates"]
    return [lane for lane in order if lane in set(entries["lane"])]


def papers_frame() -> pd.DataFrame:
    """The source registry (the board papers and their dates) as a frame."""
    return pd.DataFrame([{"id": s.id, "title": s.title, "body": s.body, "date": s.date} for s in sources.registry().values()])


# --- the timeline page ---------------------------------------------------------------------------

#: Where the page's table of disagreements is (the data table's links land there).
FINDINGS_ANCHOR = "ccth-disagreements"
CHART_TITLE = "Decisions, engagement events, board papers and Phase 3 milestones on one time axis"


def _count_words(n: int, one: str, many: str) -> str:
    return f"{formats.count(n)} {one if n == 1 else many}"


class TimelinePage:
    """The timeline page: the chart, its data, and where the records disagree with the other papers."""

    def __init__(self, gap_months: int = 12, within_days: int = 7):
        if not isinstance(gap_months, int) or isinstance(gap_months, bool) or not 1 <= gap_months <= 60:
            raise ValueError(f"parameter gap_months={gap_months!r}: a whole number of months from 1 to 60")
        self.gap_months, self.within_days = gap_months, within_days
        self.records = Records.load(within_days)
        self.findings = self.records.findings
        self.entries = timeline_entries(self.records.tables, papers_frame(), self.findings)
        self.lanes = lanes_in_order(self.entries)

    # numbers and phrases ---------------------------------------------------------------------

    def _count(self, kind: str) -> int:
        return int((self.entries["kind"] == kind).sum())

    def figures(self) -> dict:
        f = self.findings
        per_kind = f.drop_duplicates("finding")["kind"].value_counts()
        return {
            "n_entries": len(self.entries),
            "n_record_entries": self._count(DECISION) + self._count(ENGAGEMENT_EVENT),
            "n_decisions": self._count(DECISION),
            "n_engagement": self._count(ENGAGEMENT_EVENT),
            "n_papers": self._count(BOARD_PAPER),
            "n_milestones": self._count(MILESTONE),
            "n_key_dates": self._count(KEY_DATE),
            "n_findings": int(f["finding"].nunique()) if len(f) else 0,
            "n_weekday_findings": int(per_kind.get("weekday", 0)),
            "n_date_findings": int(per_kind.get("date", 0)),
            "n_stood_down_findings": int(per_kind.get("stood_down", 0)),
            "n_marked": int((self.entries["finding"] != "").sum()),
            "n_lanes": len(self.lanes),
            "within_days": self.within_days,
        }

    def _breaks(self) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
        segments = charts.time_segments(self.entries["start"], self.entries["end"], self.gap_months)
        return [(a[1], b[0] - pd.Timedelta(days=1)) for a, b in zip(segments, segments[1:])]

    def phrases(self) -> dict:
        e = self.entries
        first, last = e.loc[e["start"].idxmin()], e.loc[e["end"].idxmax()]
        breaks = self._breaks()
        gap = "; ".join(f"from {a:%B %Y} to {b:%B %Y}" for a, b in breaks)
        return {
            "span": f"{first['when']} ({first['what']}) to {last['when']} ({last['what']})",
            "break_text": ("The time axis is continuous." if not breaks else
                           f"No entry falls {gap}, so the time axis leaves that stretch out: a dashed box marks the break."
                           if len(breaks) == 1 else
                           f"No entry falls {gap}, so the time axis leaves those stretches out: dashed boxes mark the breaks."),
            "lanes_list": ", ".join(f"*{lane}*" for lane in self.lanes),
            "gap_months_text": _count_words(self.gap_months, "month", "months"),
        }

    def glue(self) -> None:
        glue_values(**self.figures())
        glue_phrases(**self.phrases())

    # the chart, its data and the disagreements -----------------------------------------------

    def description(self) -> str:
        f = self.figures()
        counts = "; ".join(f"{lane}: {_count_words(int((self.entries['lane'] == lane).sum()), 'entry', 'entries')}" for lane in self.lanes)
        marked = self.entries[self.entries["finding"] != ""].sort_values("start", kind="stable")
        marks = "; ".join(f"{r.when}, {r.who}: {r.finding}" for r in marked.itertuples())
        breaks = " ".join(f"The time axis leaves out {a:%B %Y} to {b:%B %Y}, when no entry falls." for a, b in self._breaks())
        return (
            f"Timeline of {f['n_entries']} dated entries in {f['n_lanes']} lanes, from {self.phrases()['span']}. "
            f"Points are entries dated to a day; bars cover the months of entries dated only to a month. {breaks} "
            f"Entries per lane: {counts}. Ringed entries disagree with another statement: {marks}. "
            "The table below the chart lists every entry."
        )

    def chart(self):
        return charts.timeline_chart(self.entries, self.lanes, title=CHART_TITLE, description=self.description(),
                                     gap_months=self.gap_months)

    def _shown(self) -> pd.DataFrame:
        from .table import Link

        e = self.entries
        first = [self.findings_of_entry(f) for f in e["finding"]]
        return e.assign(
            finding_link=[Link(_findings_words(n), f"#{finding_anchor(n[0])}") if n else "" for n in first],
            entry=[what if kind in (BOARD_PAPER, MILESTONE) else f"{who}: {what}" for kind, who, what in zip(e["kind"], e["who"], e["what"])],
        ).sort_values(["start", "end"], kind="stable")

    def findings_of_entry(self, finding: str) -> list[int]:
        """The numbers of the findings an entry's ``finding`` text names."""
        return [int(n) for n in re.findall(r"Finding (\d+)", finding)]

    def data_table(self) -> Html:
        shown = self._shown()
        shown_table = table(
            shown, {"when": "When", "kind": "Kind", "entry": "Entry", "finding_link": "Disagreement"},
            kinds={"finding_link": "link"}, wide=("entry",), searchable=True, filters=("kind",), sort_keys={"when": "start"},
            search_label="Search the timeline",
        )
        csv = self.entries.assign(start=self.entries["start"].dt.date.astype(str), end=self.entries["end"].dt.date.astype(str))
        return render("timeline_data.html.j2", table=shown_table,
                      download=download(csv, "programme_timeline.csv", "Download the timeline's data (CSV)"))

    def findings_table(self) -> Html:
        """Each finding: its number and kind, then its statements, each linked to its lines."""
        items = []
        for number, group in self.findings.groupby("finding", sort=True):
            group = group.assign(document=[sources.get(sid).short_title for sid in group["source_id"]])
            shown = table(group, {"document": "Document", "statement": "What it says", "says": "When"},
                          link_header="Source lines", with_document=False)
            items.append({"anchor": finding_anchor(number), "title": f"Finding {number}: {group['kind_words'].iloc[0]}", "table": shown})
        return render("timeline_findings.html.j2", anchor=FINDINGS_ANCHOR, findings=items)


def _findings_words(numbers: list[int]) -> str:
    """"Finding 2", "Findings 2 and 4"."""
    if len(numbers) == 1:
        return f"Finding {numbers[0]}"
    return f"Findings {', '.join(str(n) for n in numbers[:-1])} and {numbers[-1]}"


def finding_anchor(number: int) -> str:
    return f"finding-{int(number)}"
