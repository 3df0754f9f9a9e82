"""The programme's own records: the decision-making record (Appendix C of the programme paper) and
the involvement and engagement record (Appendix D), for readers, and where they disagree with the
rest of the papers.

The pure functions at the top take the transcribed tables (DataFrames) and return DataFrames; they
read nothing but the source lines a statement quotes (each statement has the lines of the value it is
about: :func:`.links.value_provenance`). :class:`RecordsPage` loads the tables and renders the
decisions and engagement page.

Where the records disagree with the other papers is computed, never listed by hand:

* **weekday** – a record's printed weekday is not the weekday of its printed date in the calendar;
* **date** – another paper dates the same decision differently: a dated statement of the highlight
  report names the record entry's group and shares at least :data:`MIN_SHARED_WORDS` subject words
  with it, and its date is a different day no more than ``within_days`` away;
* **stood down** – the decision record says an activity was stood down (or cancelled, postponed)
  on a date, and the highlight report, issued on or after that date, still describes the same
  activity (its qualifier, e.g. "design", followed by a word for a gathering: sessions, workshops,
  events, meetings) as planned, arranged or scheduled, or lists it in its revised Phase 3
  timeline for a month not yet over.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from .. import data, sources
from . import formats
from .glue import glue_phrases, glue_values
from .links import value_provenance, with_value_provenance
from .render import Html, render
from .table import PROVENANCE, table

#: The two records, as transcribed.
DECISIONS = "paper_decisions"
ENGAGEMENT = "paper_engagement"

#: Subject words a dated statement must share with a record entry to be the same decision.
MIN_SHARED_WORDS = 2
#: Words too common to tie two statements to the same subject.
COMMON_WORDS = frozenset(
    "with from that this have been were their which into will also over when what agreed approved made making "
    "decision programme phase".split()
)
#: What a record says when an activity did not go ahead.
STOOD_DOWN = re.compile(r"\b(stood down|cancelled|postponed)\b", re.I)
#: What a plan says about an activity still to come.
PLANNED = re.compile(r"\b(planned|arranged|scheduled)\b", re.I)
#: Words for a gathering, any of which names the same kind of activity.
GATHERINGS = ("sessions", "workshops", "events", "meetings")

#: Kinds of disagreement, in words, in the order the page lists them.
KIND_WORDS = {
    "weekday": "Printed weekday does not match the date",
    "date": "Another paper gives a different date",
    "stood_down": "Planned in the highlight report, stood down in the decision record",
}


# --- pure functions ------------------------------------------------------------------------------


def calendar_weekday(dates: pd.Series) -> pd.Series:
    """The weekday of each date, in words ("Thursday")."""
    return pd.to_datetime(dates).dt.day_name()


def month_words(dates: pd.Series) -> pd.Series:
    """"December 2017" for each date."""
    return pd.to_datetime(dates).dt.strftime("%B %Y")


def weekday_note(printed: str, date) -> str:
    """"" when the printed weekday is the date's; else the reader's note of the mismatch."""
    actual = pd.Timestamp(date).day_name()
    return "" if printed == actual else f"{formats.date(date)} was a {actual}, not a {printed}"


def date_words(printed_weekdays: pd.Series, dates: pd.Series) -> list[str]:
    """Dates as people write them, with the weekday as printed: "Monday 4 December 2017"; where
    the printed weekday is not the date's, the calendar's follows in brackets."""
    out = []
    for w, d in zip(printed_weekdays, dates):
        actual = pd.Timestamp(d).day_name()
        out.append(f"{w} {formats.date(d)}" + ("" if w == actual else f" (in the calendar, a {actual})"))
    return out


def readable_decisions(decisions: pd.DataFrame) -> pd.DataFrame:
    """The decision record with the columns readers see: month, the weekday check."""
    return decisions.assign(
        date_words=date_words(decisions["weekday_as_printed"], decisions["date"]),
        month=month_words(decisions["date"]),
        weekday_check=[weekday_note(p, d) for p, d in zip(decisions["weekday_as_printed"], decisions["date"])],
    )


def readable_engagement(engagement: pd.DataFrame) -> pd.DataFrame:
    """The engagement record with the columns readers see; an event printed "NA" said in words."""
    return engagement.assign(
        date_words=date_words(engagement["weekday_as_printed"], engagement["date"]),
        month=month_words(engagement["date"]),
        event_words=[f"No event named (printed “{e}”)" if e.strip().upper() == "NA" else e for e in engagement["event"]],
        weekday_check=[weekday_note(p, d) for p, d in zip(engagement["weekday_as_printed"], engagement["date"])],
    )


def plain_text(text) -> str:
    """Text as printed without the extraction's markup: "15 <sup>th</sup> August" reads "15th August"."""
    if formats.missing(text):
        return ""
    words = " ".join(re.sub(r"<[^>]+>", "", str(text)).split())
    return re.sub(r"\b(\d{1,2}) (st|nd|rd|th)\b", r"\1\2", words)


_DATE_IN_TEXT = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)? (January|February|March|April|May|June|July|August|September|October|November|December) (\d{4})\b")


def dates_in_text(text) -> list[pd.Timestamp]:
    """The dates of days written out in a text ("15th August 2018"), in the order written."""
    return [pd.Timestamp(f"{y}-{m} {d}") for d, m, y in _DATE_IN_TEXT.findall(plain_text(text))]


def content_words(text: str) -> set[str]:
    """The subject words of a statement: words of four letters or more, not :data:`COMMON_WORDS`."""
    words = re.findall(r"[a-z]{4,}", re.sub(r"<[^>]+>", " ", str(text)).lower())
    return {w for w in words if w not in COMMON_WORDS}


def group_name(group: str) -> str:
    """A group's name without its bracketed abbreviation: "Clinical Commissioning Committee"."""
    return re.sub(r"\s*\([^)]*\)", "", group).strip()


def _statement(record: str, row: pd.Series, date, text: str, column: str | None = None, **extra) -> dict:
    """One statement of a finding; its lines are those of the row's value ``column`` (the value the
    finding is about, see :func:`.links.value_provenance`), or the row's own (a statement already
    made from one value)."""
    return {
        "record": record,
        "row_order": int(row["row_order"]),
        "date": pd.Timestamp(date) if date is not None and not formats.missing(date) else pd.NaT,
        "statement": plain_text(text),
        **extra,
        **(value_provenance(row, column) if column else {p: row[p] for p in PROVENANCE}),
    }


def weekday_findings(records: dict[str, pd.DataFrame]) -> list[list[dict]]:
    """One finding per record entry whose printed weekday is not its date's weekday."""
    out = []
    for name, df in records.items():
        actual = calendar_weekday(df["date"])
        for (_, row), day in zip(df.iterrows(), actual):
            if row["weekday_as_printed"] != day:
                what = row.get("decision_or_action", row.get("event"))
                out.append([_statement(name, row, row["date"], f"{row['weekday_as_printed']} {formats.date(row['date'])}: {what}",
                                       "date", says=weekday_note(row["weekday_as_printed"], row["date"]))])
    return out


def date_findings(decisions: pd.DataFrame, dated: pd.DataFrame, within_days: int) -> list[list[dict]]:
    """Decision-record entries that another paper dates differently (see the module docstring).

    ``dated`` holds dated statements: ``record``, ``row_order``, ``date``, ``text`` (what is matched),
    ``shown`` (what the page quotes) and provenance.
    """
    out = []
    for _, d in decisions.iterrows():
        name, words = group_name(d["group"]).lower(), content_words(d["decision_or_action"])
        matches = []
        for _, s in dated.iterrows():
            if formats.missing(s["date"]):
                continue
            gap = abs((pd.Timestamp(s["date"]) - pd.Timestamp(d["date"])).days)
            if name in s["text"].lower() and len(words & content_words(s["text"])) >= MIN_SHARED_WORDS and 0 < gap <= within_days:
                matches.append(s)
        if matches:
            first = _statement(DECISIONS, d, d["date"], f"{d['group']}: {d['decision_or_action']}", "date",
                               says=f"The decision record dates this {formats.date(d['date'])}")
            others = [_statement(s["record"], s, s["date"], s["shown"], says=f"Dated {formats.date(s['date'])}") for s in matches]
            out.append([first, *others])
    return out


def stood_down_findings(decisions: pd.DataFrame, statements: pd.DataFrame, report_date) -> list[list[dict]]:
    """Activities the decision record stood down that the highlight report still plans.

    ``statements`` holds the report's statements: ``record``, ``row_order``, ``text``, ``planned``
    (True where the statement is a plan by what it is, e.g. a row of the revised timeline),
    ``until`` (the last day such a plan covers, or NaT), ``when`` (its months in words) and
    provenance. The page quotes the sentences that match.
    """
    out = []
    report = pd.Timestamp(report_date)
    for _, d in decisions.iterrows():
        m = STOOD_DOWN.search(d["decision_or_action"])
        if not m or report < pd.Timestamp(d["date"]):
            continue
        subject = d["decision_or_action"][: m.start()].split()
        if len(subject) < 2:
            continue
        qualifier = re.escape(subject[-2])
        same = re.compile(rf"\b{qualifier}\s+(?:{'|'.join(g[:-1] for g in GATHERINGS)})s?\b", re.I)
        others = []
        for _, s in statements.iterrows():
            sentences = re.split(r"(?<=[.;])\s+", s["text"])
            if bool(s["planned"]):
                current = formats.missing(s["until"]) or pd.Timestamp(s["until"]) >= pd.Timestamp(d["date"])
                hits = sentences if current and any(same.search(x) for x in sentences) else []
                says = f"Listed for {s['when']} in the report of {formats.date(report)}"
            else:
                hits = [x for x in sentences if same.search(x) and PLANNED.search(x)]
                says = f"Still described as planned in the report of {formats.date(report)}"
            if hits:
                others.append(_statement(s["record"], s, None, " ".join(hits), says=says))
        if others:
            first = _statement(DECISIONS, d, d["date"], f"{d['group']}: {d['decision_or_action']}", "decision_or_action",
                               says=f"Stood down on {formats.date(d['date'])}")
            out.append([first, *others])
    return out


def findings_frame(groups_by_kind: dict[str, list[list[dict]]]) -> pd.DataFrame:
    """All findings as one frame: one row per statement, numbered per finding, in kind order."""
    rows, number = [], 0
    for kind in KIND_WORDS:
        for group in groups_by_kind.get(kind, []):
            number += 1
            for i, st in enumerate(group):
                rows.append({"finding": number, "kind": kind, "kind_words": KIND_WORDS[kind], "part": i + 1} | st)
    columns = ["finding", "kind", "kind_words", "part", "record", "row_order", "date", "statement", "says", *PROVENANCE]
    return pd.DataFrame(rows, columns=columns)


# --- the statements of the highlight report the findings compare with ----------------------------


def dated_statements(key_dates: pd.DataFrame, corrective: pd.DataFrame, written: dict[str, tuple[pd.DataFrame, tuple[str, str]]]) -> pd.DataFrame:
    """Statements of the other papers that carry the date of a day: the highlight report's dated
    key dates and actions, and each date written out in a text column of the tables ``written``
    names (table name → (frame, (subject column, text column))), e.g. the programme paper's
    product notes, matched with the row's subject (the product's name). Each statement has the
    lines of the value that carries its date (the date, or the text that writes it)."""
    found = []
    for name, (df, (subject, column)) in written.items():
        for _, row in df.iterrows():
            for day in dates_in_text(row[column]):
                found.append({"record": name, "row_order": row["row_order"], "date": day,
                              "text": plain_text(f"{row[subject]}: {row[column]}"), "shown": plain_text(row[column]),
                              **value_provenance(row, column)})
    parts = [
        with_value_provenance(key_dates, "date").assign(record="highlight_key_dates", text=key_dates["subject"] + ": " + key_dates["event"],
                                                        shown=key_dates["event"]),
        with_value_provenance(corrective, "action_date").rename(columns={"action_date": "date"}).assign(
            record="highlight_corrective_actions", text=corrective["action"], shown=corrective["action"]),
    ]
    cols = ["record", "row_order", "date", "text", "shown", *PROVENANCE]
    frame = pd.concat([p[cols] for p in parts] + [pd.DataFrame(found, columns=cols)], ignore_index=True)
    return frame[frame["date"].notna()].reset_index(drop=True)


def highlight_plan_statements(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The highlight report's statements about what happens next, each with whether it is a plan
    by what it is (the revised Phase 3 timeline) and the last day it covers. Each statement has the
    lines of the text it is read from."""
    phase3 = with_value_provenance(tables["highlight_phase3_timeline"], "activity")
    until = (pd.to_datetime(phase3["month_end"] + "-01") + pd.offsets.MonthEnd(0))
    parts = [
        phase3.assign(record="highlight_phase3_timeline", text=phase3["activity"], planned=True, until=until, when=phase3["period_label"]),
    ]
    for name, column in (("highlight_phase_status", "summary"), ("highlight_work_packages_this_period", "notes"),
                         ("highlight_work_packages_next_period", "notes"), ("highlight_corrective_actions", "action"),
                         ("highlight_key_dates", "event")):
        df = with_value_provenance(tables[name], column)
        parts.append(df.assign(record=name, text=df[column].fillna(""), planned=False, until=pd.NaT, when=""))
    risks = tables["highlight_issues_risks"]
    parts.append(risks.assign(record="highlight_issues_risks", text=risks["risk_or_issue"] + ". " + risks["mitigation"].fillna(""),
                              planned=False, until=pd.NaT, when=""))
    cols = ["record", "row_order", "text", "planned", "until", "when", *PROVENANCE]
    return pd.concat([p[cols] for p in parts], ignore_index=True)


#: The highlight-report tables the findings read.
HIGHLIGHT_TABLES = ("highlight_key_dates", "highlight_corrective_actions", "highlight_phase3_timeline", "highlight_phase_status",
                    "highlight_work_packages_this_period", "highlight_work_packages_next_period", "highlight_issues_risks")
#: Text columns of the programme paper's own tables whose written dates are compared with the decision record.
PAPER_TEXT_DATES = {"paper_products": ("product_name", "notes"), "paper_risks_issues": ("risk_or_issue", "mitigation")}


def disagreements(tables: dict[str, pd.DataFrame], report_date, within_days: int = 7) -> pd.DataFrame:
    """Every disagreement between the two records and the rest of the papers (see the module docstring)."""
    decisions = tables[DECISIONS]
    return findings_frame({
        "weekday": weekday_findings({DECISIONS: decisions, ENGAGEMENT: tables[ENGAGEMENT]}),
        "date": date_findings(decisions, dated_statements(tables["highlight_key_dates"], tables["highlight_corrective_actions"],
                                                          {n: (tables[n], c) for n, c in PAPER_TEXT_DATES.items()}), within_days),
        "stood_down": stood_down_findings(decisions, highlight_plan_statements(tables), report_date),
    })


# --- loading -------------------------------------------------------------------------------------


def load_tables() -> dict[str, pd.DataFrame]:
    """The two records and the highlight-report tables the findings compare them with."""
    return {name: data.load_table(name) for name in (DECISIONS, ENGAGEMENT, *HIGHLIGHT_TABLES, *PAPER_TEXT_DATES)}


def highlight_date() -> pd.Timestamp:
    """The date of the highlight report, from the source registry."""
    return pd.Timestamp(sources.get("highlight-2018-10").date)


@dataclass(frozen=True)
class Records:
    """The records and their disagreements with the other papers (what the pages show)."""

    tables: dict
    findings: pd.DataFrame

    @classmethod
    def load(cls, within_days: int = 7) -> "Records":
        if not isinstance(within_days, int) or isinstance(within_days, bool) or not 0 < within_days <= 31:
            raise ValueError(f"parameter within_days={within_days!r}: a whole number of days from 1 to 31")
        tables = load_tables()
        return cls(tables, disagreements(tables, highlight_date(), within_days))

    @property
    def decisions(self) -> pd.DataFrame:
        return self.tables[DECISIONS]

    @property
    def engagement(self) -> pd.DataFrame:
        return self.tables[ENGAGEMENT]


# --- the decisions and engagement page -----------------------------------------------------------


def _entries(n: int) -> str:
    return f"{formats.count(n)} {'entry is' if n == 1 else 'entries are'}"


def _weekday_words(df: pd.DataFrame) -> str:
    wrong = int((df["weekday_check"] != "").sum())
    if not wrong:
        return "Every printed weekday is the weekday of its date."
    return f"{_entries(wrong)} printed with a weekday that is not the weekday of the date; the table gives the calendar's in brackets."


def _span(dates: pd.Series) -> str:
    return f"{formats.date(dates.min())} to {formats.date(dates.max())}"


class RecordsPage:
    """The decisions and engagement page: both records as tables readers can search, sort and filter."""

    def __init__(self, searchable: bool = True):
        if not isinstance(searchable, bool):
            raise ValueError(f"parameter searchable={searchable!r}: True or False")
        self.searchable = searchable
        self.records = Records.load()
        self.decisions = readable_decisions(self.records.decisions)
        self.engagement = readable_engagement(self.records.engagement)

    def figures(self) -> dict:
        d, e, f = self.decisions, self.engagement, self.records.findings
        return {
            "n_decisions": len(d),
            "n_engagement": len(e),
            "n_entries": len(d) + len(e),
            "n_groups": d["group"].nunique(),
            "n_weekday_mismatches": int((d["weekday_check"] != "").sum() + (e["weekday_check"] != "").sum()),
            "n_engagement_weekday_mismatches": int((e["weekday_check"] != "").sum()),
            "n_findings": int(f["finding"].nunique()) if len(f) else 0,
        }

    def phrases(self) -> dict:
        d, e = self.decisions, self.engagement
        out_of_order = [r for r, prev in zip(d.itertuples(), d["date"].shift()) if not formats.missing(prev) and r.date < prev]
        first = out_of_order[0] if out_of_order else None
        counts = d["group"].value_counts()
        groups = ", ".join(f"{g} ({formats.count(counts[g])})" for g in dict.fromkeys(d["group"]))
        na = int((e["event"].str.strip().str.upper() == "NA").sum())
        return {
            "using_tables": (
                "**Using the tables.** Type in a search box to keep the rows that contain every word you type (a month and year, "
                "such as June 2018, keeps that month). Choose a group or an event to keep only its rows. Select a column heading "
                "to sort by it; select it again to reverse the order. Dates sort by time. Each row's *Source lines* link opens the "
                "lines of the programme paper it was transcribed from; hover over the link to read the quote. Without JavaScript "
                "the tables show every row in the order printed."
                if self.searchable else
                "**Using the tables.** Each lists every entry in the order printed. Each row's *Source lines* link opens the lines "
                "of the programme paper it was transcribed from; hover over the link to read the quote."
            ),
            "decision_weekdays": _weekday_words(d),
            "engagement_weekdays": _weekday_words(e),
            "na_note": (f"{_entries(na)} printed with the event “NA”; the table says “No event named” and keeps the print in brackets."
                        if na else "Every entry names its event."),
            "decisions_span": _span(d["date"]),
            "engagement_span": _span(e["date"]),
            "groups_list": groups,
            "order_note": (
                f"The record is printed in date order except near its start: {formats.date(first.date)} is printed after "
                f"{formats.date(d['date'].iloc[first.Index - 1])}."
                if first is not None else "The record is printed in date order."
            ),
        }

    def glue(self) -> None:
        glue_values(**self.figures())
        glue_phrases(**self.phrases())

    def decisions_table(self) -> Html:
        return table(
            self.decisions,
            {"date_words": "Date (weekday as printed)", "group": "Group", "decision_or_action": "Decision or action"},
            table_name=DECISIONS, link_header="Source lines", with_document=False,
            searchable=self.searchable, filters=("group",) if self.searchable else (),
            sort_keys={"date_words": "date"} if self.searchable else None, search_label="Search the decisions",
        )

    def engagement_table(self) -> Html:
        return table(
            self.engagement,
            {"date_words": "Date (weekday as printed)", "event_words": "Event", "aims_purpose": "Aims and purpose of the session"},
            table_name=ENGAGEMENT, link_header="Source lines", with_document=False,
            searchable=self.searchable, filters=("event_words",) if self.searchable else (),
            sort_keys={"date_words": "date"} if self.searchable else None, search_label="Search the engagement events",
        )

    def downloads(self) -> Html:
        """The two records as CSV, from the copy of data/tables shipped with the site."""
        items = [{"href": f"../tables/{name}.csv", "text": f"{data.table_info(name).title} (CSV)", "note": None}
                 for name in (DECISIONS, ENGAGEMENT)]
        return render("link_list.html.j2", items=items)
