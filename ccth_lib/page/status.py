"""Programme status over time: the work packages, products, requests for change and risks as at
the highlight report of 18 October 2018 and as at the programme paper (October 2018), matched by
reference, with what changed between them; and the corrective actions of both.

The pure functions at the top compare two frames; :class:`StatusPage` loads the tables and renders
the page. Nothing here corrects a source: a status that the text extract does not let us read is
said so in words and never compared.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from .. import data, sources
from . import formats
from .glue import glue_phrases, glue_values
from .records import plain_text
from .render import Html
from .table import PROVENANCE, table

EARLIER, LATER = "highlight-2018-10", "paper-2018-10"

#: What the pages say for a status the text extract does not let us read.
NOT_READABLE = "Cannot be read (the tick marks were lost in the text extract)"


# --- pure functions ------------------------------------------------------------------------------


def comparable(text, ignore_markup: bool = True) -> str:
    """Text as compared: with ``ignore_markup``, the extraction's markup ("1 <sup>st</sup>"),
    spacing and a final full stop do not count as a change of wording."""
    if formats.missing(text):
        return ""
    if not ignore_markup:
        return str(text)
    return plain_text(text).rstrip(".").strip()


def status_words(status) -> str:
    """A printed status in sentence case ("In Progress" → "In progress"); the rest as printed."""
    if formats.missing(status) or not str(status).strip():
        return ""
    s = " ".join(str(status).split())
    return s[0].upper() + s[1:].lower() if s.lower().startswith("in progress") and s[:11] != "In progress" else s


@dataclass(frozen=True)
class Kind:
    """One kind of item compared: its key, name, status and note columns (the same names in both frames)."""

    name: str
    key: str
    label: str
    status: str | None
    note: str | None
    note_word: str = "note"
    #: the column compared for a change of status, where it differs from the status shown
    compare_status: str | None = None


def change_of(earlier: pd.Series | None, later: pd.Series | None, kind: Kind, ignore_markup: bool) -> str:
    """What changed for one item between the two documents, in words."""
    if earlier is None:
        return "Added in the programme paper"
    if later is None:
        return "Not in the programme paper"
    changes, unreadable = [], False
    if kind.status:
        column = kind.compare_status or kind.status
        a, b = earlier[column], later[column]
        if NOT_READABLE in (a, b):
            unreadable = True
        elif a.casefold() != b.casefold():
            changes.append("status changed")
    if comparable(earlier[kind.label], ignore_markup) != comparable(later[kind.label], ignore_markup):
        changes.append("name changed")
    if kind.note and comparable(earlier[kind.note], ignore_markup) != comparable(later[kind.note], ignore_markup):
        changes.append(f"{kind.note_word} changed")
    if unreadable:
        words = "; ".join([*changes, "status cannot be compared"]) if changes else "Wording unchanged; status cannot be compared"
    else:
        words = "; ".join(changes) if changes else "unchanged"
    return words[0].upper() + words[1:]


def compare(earlier: pd.DataFrame, later: pd.DataFrame, kind: Kind, labels: tuple[str, str], ignore_markup: bool = True) -> pd.DataFrame:
    """Both documents' rows, matched by ``kind.key``: one row per item and document (the earlier
    document first), each with the item's ``change`` and ``document`` label; items in the earlier
    document's order, then items only in the later one."""
    a = earlier.assign(_match=[comparable(k) for k in earlier[kind.key]])
    b = later.assign(_match=[comparable(k) for k in later[kind.key]])
    for frame, doc in ((a, labels[0]), (b, labels[1])):
        dupes = frame["_match"][frame["_match"].duplicated()].tolist()
        if dupes:
            raise ValueError(f"{kind.name}: {doc} has the reference(s) {dupes} more than once")
    keys = list(dict.fromkeys([*a["_match"], *b["_match"]]))
    by_a, by_b = a.set_index("_match", drop=False), b.set_index("_match", drop=False)
    rows = []
    for order, k in enumerate(keys, start=1):
        ra = by_a.loc[k] if k in by_a.index else None
        rb = by_b.loc[k] if k in by_b.index else None
        change = change_of(ra, rb, kind, ignore_markup)
        for r, doc in ((ra, labels[0]), (rb, labels[1])):
            if r is not None:
                rows.append({"item": order, "document": doc, "change": change, **{c: r[c] for c in frame_columns(kind)}})
    return pd.DataFrame(rows)


def frame_columns(kind: Kind) -> list[str]:
    return [c for c in dict.fromkeys([kind.key, kind.label, kind.status, kind.compare_status, kind.note]) if c] + list(PROVENANCE)


def summary(compared: dict[str, pd.DataFrame], labels: tuple[str, str]) -> pd.DataFrame:
    """Per kind of item: how many each document lists and how many changed in each way."""
    out = []
    for name, df in compared.items():
        items = df.drop_duplicates("item")["change"]
        out.append({
            "what": name,
            "earlier": int((df["document"] == labels[0]).sum()),
            "later": int((df["document"] == labels[1]).sum()),
            "unchanged": int(items.str.startswith("Unchanged").sum()),
            "status_changed": int(items.str.contains("status changed", case=False).sum()),
            "note_changed": int(items.str.contains(r"(?:note|mitigation|name) changed", case=False).sum()),
            "added": int((items == "Added in the programme paper").sum()),
            "gone": int((items == "Not in the programme paper").sum()),
            "not_comparable": int(items.str.contains("cannot be compared").sum()),
        })
    return pd.DataFrame(out)


# --- statuses in words, per table ----------------------------------------------------------------


def change_request_outcome(row: pd.Series) -> str:
    """A request for change's outcome (pending, approved, rejected) as ticked, or :data:`NOT_READABLE`."""
    if "raised" in row.index:
        return next((w for w in ("pending", "approved", "rejected") if bool(row[w])), "")
    return NOT_READABLE if row["status"] == "not determinable" else str(row["status"]).lower()


def change_request_status(row: pd.Series) -> str:
    """A request for change's outcome in words, from the highlight report's ticks or the paper's status."""
    outcome = change_request_outcome(row)
    if "raised" in row.index:
        words = {"pending": "Raised, decision pending", "approved": "Raised and approved", "rejected": "Raised and rejected"}.get(outcome, "Raised")
    else:
        words = outcome if outcome == NOT_READABLE else status_words(row["status"])
    footnote = row.get("footnote", row.get("status_footnote"))
    return f"{words}, with the footnote “{footnote}”" if not formats.missing(footnote) and str(footnote).strip() else words


def risk_status(value) -> str:
    return NOT_READABLE if value == "not determinable" else {"actual": "Actual (already happening)", "potential": "Potential"}.get(value, str(value))


# --- the page ------------------------------------------------------------------------------------


KINDS = {
    "Work packages": Kind("Work packages", "work_package_ref", "work_package_name", "status", "notes"),
    "Products": Kind("Products", "product_ref", "product_name", "status", "notes"),
    "Requests for change": Kind("Requests for change", "change_description", "change_description", "status", None, compare_status="outcome"),
    "Risks and issues": Kind("Risks and issues", "risk_or_issue", "risk_or_issue", "status", "mitigation", "mitigation"),
}


def status_tables() -> dict[str, tuple[pd.DataFrame, pd.DataFrame]]:
    """Each kind's earlier (highlight report) and later (programme paper) table, statuses in words."""
    wp_a, wp_b = data.load_table("highlight_work_packages_this_period"), data.load_table("paper_project_plan")
    pr_a, pr_b = data.load_table("highlight_products"), data.load_table("paper_products")
    cr_a, cr_b = data.load_table("highlight_change_requests"), data.load_table("paper_change_requests")
    rk_a, rk_b = data.load_table("highlight_issues_risks"), data.load_table("paper_risks_issues")
    return {
        "Work packages": (wp_a.assign(status=wp_a["status"].map(status_words)), wp_b.assign(status=wp_b["status"].map(status_words))),
        "Products": (pr_a.assign(status=pr_a["status"].map(status_words)), pr_b.assign(status=pr_b["status"].map(status_words))),
        "Requests for change": tuple(df.assign(status=[change_request_status(r) for _, r in df.iterrows()],
                                               outcome=[change_request_outcome(r) for _, r in df.iterrows()]) for df in (cr_a, cr_b)),
        "Risks and issues": (rk_a.assign(status=rk_a["classification"].map(risk_status)),
                             rk_b.assign(status=rk_b["potential_or_actual"].map(risk_status))),
    }


class StatusPage:
    """Programme status over time: the two documents compared, item by item."""

    def __init__(self, ignore_markup: bool = True):
        if not isinstance(ignore_markup, bool):
            raise ValueError(f"parameter ignore_markup={ignore_markup!r}: True or False")
        self.ignore_markup = ignore_markup
        self.titles = (sources.get(EARLIER).short_title, sources.get(LATER).short_title)
        #: the documents as the tables name them ("Highlight report", "Programme paper")
        self.labels = (sources.get(EARLIER).kind.capitalize(), sources.get(LATER).kind.capitalize())
        self.compared = {name: compare(a, b, KINDS[name], self.labels, ignore_markup) for name, (a, b) in status_tables().items()}
        self.summary = summary(self.compared, self.labels)

    def figures(self) -> dict:
        s = self.summary.set_index("what")
        out = {}
        for name, key in (("Work packages", "wp"), ("Products", "products"), ("Requests for change", "requests"), ("Risks and issues", "risks")):
            for col in ("earlier", "later", "unchanged", "status_changed", "note_changed", "added", "gone", "not_comparable"):
                out[f"{key}_{col}"] = int(s.loc[name, col])
        return out

    def phrases(self) -> dict:
        wp = self.compared["Work packages"]
        later = wp[wp["document"] == self.labels[1]]
        by_status = later.groupby("status", sort=False).size()
        changed = wp[wp["change"] != "Unchanged"].drop_duplicates("item")
        doc = data.load_table("highlight_document").set_index("field")["value_date"]
        return {
            "period_covered": f"{formats.date(doc['period_covered_start'])} to {formats.date(doc['period_covered_end'])}",
            "earlier_label": self.titles[0],
            "later_label": self.titles[1],
            "earlier_short": self.labels[0],
            "later_short": self.labels[1],
            "wp_statuses": "; ".join(f"{s}: {formats.count(n)}" for s, n in by_status.items()),
            "wp_changed_list": ", ".join(f"{int(r.work_package_ref)} ({r.work_package_name})" for r in changed.itertuples()) or "none",
            "compare_rule": ("Wording is compared without the text extract's markup (such as a superscript “st” in “1st”), "
                             "spacing or a final full stop." if self.ignore_markup else "Wording is compared exactly as transcribed, markup included."),
        }

    def glue(self) -> None:
        glue_values(**self.figures())
        glue_phrases(**self.phrases())

    def summary_table(self) -> Html:
        """The counts, one row per measure and one column per kind of item (so it fits the text column)."""
        measures = {
            "earlier": f"In the {self.labels[0].lower()}", "later": f"In the {self.labels[1].lower()}", "unchanged": "Unchanged",
            "status_changed": "Status changed", "note_changed": "Wording changed (name, note or mitigation)", "added": "Added",
            "gone": "No longer listed", "not_comparable": "Status cannot be compared",
        }
        by_kind = self.summary.set_index("what")
        frame = pd.DataFrame([{"measure": words, **{kind: int(by_kind.loc[kind, m]) for kind in by_kind.index}} for m, words in measures.items()])
        return table(frame, {"measure": "Items"} | {kind: kind for kind in by_kind.index}, kinds={kind: "count" for kind in by_kind.index})

    def _compared_table(self, name: str, columns: dict, wide: tuple, search_label: str) -> Html:
        """The item, what changed and the document first (so they stay in view), then status and notes."""
        df = self.compared[name]
        first, *rest = columns.items()
        shown = dict([first]) | {"change": "What changed", "document": "As at"} | dict(rest)
        return table(df, shown, wide=wide, searchable=True,
                     filters=("change", "document"), search_label=search_label, kinds={k: "text" for k in columns},
                     link_header="Source lines", with_document=False)

    def _named(self, name: str, ref: str, label: str) -> None:
        """Give the kind's rows one ``item_name`` column: the reference and the name ("2. Model Design")."""
        df = self.compared[name]
        sep = ". " if pd.api.types.is_numeric_dtype(df[ref]) else " "
        self.compared[name] = df.assign(item_name=[f"{formats.text(r)}{sep}{n}" for r, n in zip(df[ref], df[label])])

    def work_packages_table(self) -> Html:
        self._named("Work packages", "work_package_ref", "work_package_name")
        return self._compared_table("Work packages", {"item_name": "Work package", "status": "Status", "notes": "Notes"}, ("notes",),
                                    "Search the work packages")

    def products_table(self) -> Html:
        self._named("Products", "product_ref", "product_name")
        return self._compared_table("Products", {"item_name": "Product", "status": "Status", "notes": "Notes"}, ("notes",),
                                    "Search the products")

    def change_requests_table(self) -> Html:
        return self._compared_table("Requests for change", {"change_description": "Request for change", "status": "Status"},
                                    (), "Search the requests for change")

    def risks_table(self) -> Html:
        return self._compared_table("Risks and issues", {"risk_or_issue": "Risk or issue", "status": "Potential or actual",
                                                         "mitigation": "Mitigation"}, ("mitigation",), "Search the risks and issues")

    def corrective_actions_table(self) -> Html:
        hl, pp = data.load_table("highlight_corrective_actions"), data.load_table("paper_corrective_actions")
        kinds = {"undertaken": "Undertaken", "planned": "Planned for the next period"}
        frame = pd.concat([
            hl.assign(document=self.labels[0], when=hl["kind"].map(kinds)),
            pp.assign(document=self.labels[1], when=kinds["undertaken"], action_date=pd.NaT),
        ], ignore_index=True)
        return table(frame, {"document": "Document", "when": "Undertaken or planned", "action": "Corrective action", "action_date": "Date given"},
                     kinds={"action_date": "date"}, wide=("action",), link_header="Source lines", with_document=False)
