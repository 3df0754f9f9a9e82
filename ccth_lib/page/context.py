"""The system-context page: the 2017 STP and the January 2018 STP status report.

What the Shropshire Health and Wellbeing Board saw of the Sustainability and Transformation
Partnership (STP) that Care Closer to Home grew within: the partners, the 90-day plans, the
benefits promised, the Shropshire neighbourhood action plans (one card per action, through
``templates/context_actions.html.j2``) and, six months later, the programme status report by
section and workstream (``templates/context_status.html.j2``). Everything shown is read from
``data/tables``; the summaries (counts, status in words) are derived here by pure functions.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .. import data, sources
from . import formats
from .glue import sourced
from .links import data_lines, inline_link, link_of
from .render import Html, render
from .table import table

STP_2017 = "hwbb-2017-07"
STATUS_2018 = "hwbb-2018-01"

ACTIONS = "hwbb2017_action_plan"
POINTS = "hwbb2018_status_report"
SECTIONS = "hwbb2018_status_sections"
#: The figures-register entry "All workstreams are currently focused on 3 key products" (first printing).
KEY_PRODUCTS = "hwbb2017_workstream_key_products_3"

#: The action plan's text columns a card shows, in the order of the printed table.
ACTION_TEXT = ("look_and_feel", "how_we_will_know", "how_we_will_do_it")
#: Its timescale columns, in the order of the printed table.
TIMESCALES = ("timescale_30_days", "timescale_60_days", "timescale_90_days", "timescale_qtr_4", "timescale_future_date")
#: What a timescale cell holding only a tick mark says.
TICK = "X"
#: The status of a section whose first column prints no date.
NO_DATE = "No date printed against it"
#: Timescale columns read as "within 90 days" of the July 2017 plans.
NEAR_TERM = TIMESCALES[:3]


def _titles(name: str) -> dict[str, str]:
    """A table's column titles (the words its schema gives each column)."""
    return {f["name"]: f["title"] for f in data.table_info(name).descriptor["schema"]["fields"]}


def _text(value) -> str:
    return formats.text(value)


def card_link(row) -> dict | None:
    """A card's link to its row's lines: address, text ("lines 268–274"), hover text and, for a
    range, the lines the site's script highlights on arrival (as the table component's links)."""
    link = link_of(row)
    if link is None:
        return None
    return {"href": link.href, "text": link.text(False), "title": link.title, "lines": data_lines(link)}


def fit(content: Html) -> Html:
    """A table of these pages, in a wrapper whose cells wrap long words so that it fits the text column."""
    return render("context_fit.html.j2", content=content)


def _row_link(row, with_document: bool = True) -> str:
    """A row's source link for prose (a ``{glue:md}`` phrase)."""
    return str(inline_link(link_of(row), with_document))


# ---------------------------------------------------------------------------------------------
# The 2017 action plans: one card per row


def timescale_entries(row: dict, titles: dict[str, str]) -> list[str]:
    """A row's timescale cells in words: "Within 60 days" for a tick, "Future date: “Ongoing”" for words."""
    out = []
    for col in TIMESCALES:
        value = _text(row.get(col))
        if not value:
            continue
        out.append(titles[col] if value == TICK else f"{titles[col]}: “{value}”")
    return out


def action_card(row: dict, number: int, titles: dict[str, str]) -> dict:
    """What one card shows: title, note, the three text columns in words, when, and the source link."""
    kind = row["row_kind"]
    if kind == "continuation":
        title = "Further timescale for the action above"
    else:
        title = _text(row.get("key_action")) or _text(row.get("action_id"))
    fields = [{"label": titles[c], "text": _text(row.get(c))} for c in ACTION_TEXT if _text(row.get(c))]
    when = timescale_entries(row, titles)
    unplaced = _text(row.get("timescale_unplaced"))
    return {
        "number": number,
        "kind": kind,
        "title": title,
        "note": _text(row.get("key_action_note")),
        "fields": fields,
        "when": when,
        "unplaced": unplaced,
        # an action row that prints nothing but its number (e.g. 4.1.2)
        "empty": kind == "action" and not (fields or when or unplaced) and title == _text(row.get("action_id")),
        "link": card_link(row),
    }


def action_plans(df: pd.DataFrame, titles: dict[str, str]) -> list[dict]:
    """The rows as printed: plans (in order), each with its outcomes (in order), each with its cards.

    ``df`` is the loaded table (index = CSV row position), so each card keeps its CSV row number.
    """
    plans: list[dict] = []
    for index, row in zip(df.index, df.to_dict("records")):
        if not plans or plans[-1]["title"] != row["plan"]:
            plans.append({"title": row["plan"], "outcomes": [], "n_actions": 0, "n_rows": 0})
        plan = plans[-1]
        if not plan["outcomes"] or plan["outcomes"][-1]["title"] != row["outcome_group"]:
            plan["outcomes"].append({"title": row["outcome_group"], "cards": []})
        plan["outcomes"][-1]["cards"].append(action_card(row, int(index) + 1, titles))
        plan["n_rows"] += 1
        plan["n_actions"] += row["row_kind"] == "action"
    return plans


def timing_counts(df: pd.DataFrame) -> dict[str, int]:
    """How the plan's actions were timed: a mark within 90 days; only later marks; none placed."""
    actions = df[df["row_kind"] == "action"]
    filled = actions[list(TIMESCALES)].notna() & actions[list(TIMESCALES)].apply(lambda s: s.map(_text) != "")
    near = filled[list(NEAR_TERM)].any(axis=1)
    later_only = filled.any(axis=1) & ~near
    return {
        "actions_within_90_days": int(near.sum()),
        "actions_later_only": int(later_only.sum()),
        "actions_no_timescale": int((~filled.any(axis=1)).sum()),
        "actions_unplaced": int(actions["timescale_unplaced"].map(_text).astype(bool).sum()),
    }


# ---------------------------------------------------------------------------------------------
# The January 2018 status report: one summary row and one card per section and workstream


@dataclass(frozen=True)
class Part:
    """A section or workstream of the status report and the key points printed under it."""

    index: int
    row: dict
    points: pd.DataFrame


def status_parts(sections: pd.DataFrame, points: pd.DataFrame) -> list[Part]:
    """Every section and workstream row of ``sections`` with its key points.

    A section's points are all the points printed in it (its workstreams' included); a
    workstream's are those printed under its heading.
    """
    out = []
    for index, row in zip(sections.index, sections.to_dict("records")):
        if row["row_kind"] == "heading":
            continue
        in_section = points[points["section_number"] == row["section_number"]]
        mine = in_section if row["row_kind"] == "section" else in_section[in_section["workstream"] == row["title"]]
        out.append(Part(int(index), row, mine))
    return out


def status_words(part: Part, parts: list[Part]) -> str:
    """The status of a section or workstream in words, from what the report prints.

    The report's RAG colours were lost in the text extraction, so the status is what is
    printed: where the update is (another section, awaited, missing) and when it was made.
    """
    row = part.row
    note = _text(row.get("update_note"))
    date = formats.date(row.get("last_updated"))
    if note == "Below":
        target = next((p.row for p in parts if p.row["row_kind"] == "section" and p.row["title"] in row["title"]), None)
        return f"Reported below, under {target['section_number']} {target['title']}" if target else "Reported below"
    workstreams = [p for p in parts if p.row["row_kind"] == "workstream" and p.row["section_number"] == row["section_number"]]
    if row["row_kind"] == "section" and workstreams:
        awaiting = [p for p in workstreams if status_words(p, parts) == "Awaiting update"]
        base = f"Updated {date}" if date else NO_DATE
        if awaiting:
            names = ", ".join(p.row["title"] for p in awaiting)
            base += f"; awaiting an update from {names}"
        return base
    if note == "Awaiting update":
        return "Awaiting update"
    if part.points.empty:
        return "No key points printed"
    return f"Updated {date}" if date else NO_DATE


def status_label(row: dict) -> str:
    """How a section or workstream is named on the page: "3.1 Telford Neighbourhood"."""
    return f"{row['section_number']} {row['title']}" if row["row_kind"] == "section" else f"{row['section_number']} · {row['title']}"


def status_point(index: int, row: dict) -> dict:
    return {
        "number": index + 1,
        "text": _text(row["point"]),
        "level": int(row["point_level"]),
        "workstream": _text(row.get("workstream")),
        "subheading": _text(row.get("subheading")),
        "link": card_link(row),
    }


def status_groups(parts: list[Part], sections: pd.DataFrame) -> list[dict]:
    """The status report as printed: its numbered headings, each with its section cards."""
    groups: list[dict] = []
    by_part = {p.index: p for p in parts}
    for index, row in zip(sections.index, sections.to_dict("records")):
        if row["row_kind"] == "heading":
            groups.append({"title": f"{row['section_number']} {row['title']}", "cards": []})
            continue
        if row["row_kind"] != "section":
            continue
        part = by_part[int(index)]
        blocks: list[dict] = []
        for i, p in zip(part.points.index, part.points.to_dict("records")):
            key = (_text(p.get("workstream")), _text(p.get("subheading")))
            if not blocks or blocks[-1]["key"] != key:
                blocks.append({"key": key, "workstream": key[0], "subheading": key[1], "points": []})
            blocks[-1]["points"].append(status_point(int(i), p))
        workstreams = [
            {"label": w.row["title"], "status": status_words(w, parts), "leads": _text(w.row.get("leads")), "n_points": len(w.points), "link": card_link(w.row)}
            for w in parts
            if w.row["row_kind"] == "workstream" and w.row["section_number"] == row["section_number"]
        ]
        groups[-1]["cards"].append({
            "number": int(index) + 1,
            "label": status_label(row),
            "status": status_words(part, parts),
            "leads": _text(row.get("leads")),
            "n_points": len(part.points),
            "workstreams": workstreams,
            "blocks": blocks,
            "link": card_link(row),
        })
    return [g for g in groups if g["cards"]]


# ---------------------------------------------------------------------------------------------
# The page


class ContextPage:
    """The 2017 STP and the January 2018 status report, as the system-context page shows them."""

    def __init__(self) -> None:
        self.partners = data.load_table("hwbb2017_stp_partners")
        self.ninety_day = data.load_table("hwbb2017_ninety_day_programmes")
        self.benefits = data.load_table("hwbb2017_stp_benefits")
        self.actions = data.load_table(ACTIONS)
        self.sections = data.load_table(SECTIONS)
        self.points = data.load_table(POINTS)
        self.rag_key = data.load_table("hwbb2018_rag_key")
        self.parts = status_parts(self.sections, self.points)

    # numbers and phrases for the prose

    def _key_products(self):
        """The number of key products, as the update prints it (linked to its line)."""
        row = data.figures().loc[KEY_PRODUCTS]
        return sourced(int(row["value"]), "count", row, "value")

    def figures(self) -> dict:
        """The page's numbers: the key products the update prints (linked to its line); the rest
        are counts of the tables' rows, printed in no document (plain)."""
        soon = self.partners["membership"] == "soon to join"
        places = self.ninety_day[self.ninety_day["plan_group"] == self.ninety_day["plan_group"].iloc[0]]["place_or_area"]
        statuses = [status_words(p, self.parts) for p in self.parts]
        rows = [p.row for p in self.parts]
        return {
            "n_partners": len(self.partners),
            "n_partners_members": int((~soon).sum()),
            "n_ninety_day_programmes": len(self.ninety_day),
            "n_ninety_day_places": int(places.nunique()),
            "n_ninety_day_other_areas": int(self.ninety_day["place_or_area"].nunique() - places.nunique()),
            "n_shropshire_programmes": int((self.ninety_day["place_or_area"] == "Shropshire").sum()),
            "n_key_products": self._key_products(),
            "n_benefits": len(self.benefits),
            "n_action_plans": int(self.actions["plan"].nunique()),
            "n_actions": int((self.actions["row_kind"] == "action").sum()),
            "n_action_rows": len(self.actions),
            "n_other_action_rows": int((self.actions["row_kind"] != "action").sum()),
            **timing_counts(self.actions),
            "n_status_sections": sum(r["row_kind"] == "section" for r in rows),
            "n_status_workstreams": sum(r["row_kind"] == "workstream" for r in rows),
            "n_status_split_sections": len({r["section_number"] for r in rows if r["row_kind"] == "workstream"}),
            "n_status_points": len(self.points),
            "n_status_awaiting": sum(s == "Awaiting update" for s in statuses),
            "n_status_no_points": sum(s == "No key points printed" for s in statuses),
            "n_rag_categories": len(self.rag_key),
        }

    def phrases(self) -> dict:
        stp, status = sources.get(STP_2017), sources.get(STATUS_2018)
        soon = self.partners[self.partners["membership"] == "soon to join"]
        shropshire = self.ninety_day[self.ninety_day["place_or_area"] == "Shropshire"]
        frailty = self.ninety_day[self.ninety_day["place_or_area"].str.startswith("Frailty")]
        named = self.sections[self.sections["row_kind"] == "section"]
        oohp = named[named["title"].str.contains("Out of Hospital", regex=False)].iloc[0]
        frail = named[named["title"] == "Frailty"].iloc[0]
        model = self._model_elements(oohp["section_number"])
        dates = self.sections["last_updated"].dropna()
        return {
            "status_first_update": formats.date(dates.min()),
            "status_last_update": formats.date(dates.max()),
            "stp_board_date": formats.date(stp.date),
            "status_board_date": formats.date(status.date),
            "stp_document": stp.title,
            "status_document": status.title,
            "partners_soon": "; ".join(f"*{_text(r['organisation'])}* ({_row_link(r, False)})" for r in soon.to_dict("records")),
            "shropshire_programmes": "; ".join(f"*{_text(r['programme'])}* ({_row_link(r, False)})" for r in shropshire.to_dict("records")),
            "frailty_area": f"*{_text(frailty['place_or_area'].iloc[0])}*",
            "frailty_programmes": "; ".join(f"*{_text(r['programme'])}* ({_row_link(r, False)})" for r in frailty.to_dict("records")),
            "oohp_section": f"*{status_label(oohp)}* ({_row_link(oohp, False)})",
            "oohp_model": model,
            "oohp_case_management": self._point_containing(oohp["section_number"], "case-management"),
            "frailty_section": f"*{status_label(frail)}* ({_row_link(frail, False)})",
        }

    def _point_containing(self, section_number: str, words: str) -> str:
        """The first key point of a section that contains ``words``, in italics, with its link."""
        pts = self.points[(self.points["section_number"] == section_number) & self.points["point"].str.contains(words, regex=False)]
        r = pts.iloc[0].to_dict()
        return f"*{_text(r['point'])}* ({_row_link(r, False)})"

    def _model_elements(self, section_number: str) -> str:
        """The elements the Shropshire out-of-hospital model "is based on" (the list under that point)."""
        pts = self.points[self.points["section_number"] == section_number].reset_index()
        lead = pts.index[pts["point"].str.contains("model is based on", regex=False)][0]
        items = []
        for r in pts.iloc[lead + 1:].to_dict("records"):
            if int(r["point_level"]) != 2:
                break
            items.append(f"*{_text(r['point'])}*")
        first = pts.iloc[lead].to_dict()
        return ", ".join(items) + f" ({_row_link(first, False)})"

    # tables

    def partners_table(self) -> Html:
        t = _titles("hwbb2017_stp_partners")
        return fit(table(self.partners, {"organisation": t["organisation"], "membership": t["membership"]}, table_name="hwbb2017_stp_partners",
                     link_header="Lines (July 2017 papers)", with_document=False))

    def ninety_day_table(self) -> Html:
        return fit(table(self.ninety_day, {"place_or_area": "Place or area", "programme": "Programme of work"}, table_name="hwbb2017_ninety_day_programmes",
                     link_header="Lines (July 2017 papers)", with_document=False))

    def benefits_table(self) -> Html:
        return fit(table(self.benefits, {"item_number": "No.", "benefit": "The STP programme will deliver sustainable benefits by"}, table_name="hwbb2017_stp_benefits",
                     kinds={"item_number": "text"}, link_header="Lines (July 2017 papers)", with_document=False))

    def status_table(self) -> Html:
        frame = pd.DataFrame(
            [{"label": status_label(p.row), "leads": _text(p.row.get("leads")), "status": status_words(p, self.parts), "n_points": len(p.points),
              **{k: p.row[k] for k in ("source_id", "line_start", "line_end", "quote")}} for p in self.parts],
            index=[p.index for p in self.parts],
        )
        return fit(table(frame, {"label": "Section or workstream", "leads": "Lead(s)", "status": "Update status", "n_points": "Key points"},
                     kinds={"n_points": "count"}, table_name=SECTIONS, link_header="Lines (January 2018 report)", with_document=False))

    def rag_key_table(self) -> Html:
        t = _titles("hwbb2018_rag_key")
        return fit(table(self.rag_key, {"label": t["label"], "explanation": t["explanation"]}, table_name="hwbb2018_rag_key",
                     link_header="Lines (January 2018 report)", with_document=False))

    # cards

    def action_cards(self) -> Html:
        return render("context_actions.html.j2", table_name=ACTIONS, plans=action_plans(self.actions, _titles(ACTIONS)))

    def status_cards(self) -> Html:
        return render("context_status.html.j2", table_name=POINTS, sections_table=SECTIONS, groups=status_groups(self.parts, self.sections))
