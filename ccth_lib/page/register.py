"""The reconciliation register page: everything the documents disagree on, each finding once.

The register (:func:`ccth_lib.models.register.build_register`) holds every comparison: the
arithmetic the models re-derive and the checks declared in ``data/checks/``. The page shows the
disagreements, each once with every place it is printed, grouped by kind and document and
filterable; the documents' own disagreements are counted apart from the artefacts of the
analysis' choices.
"""

from __future__ import annotations

import pandas as pd

from .. import checks, reconcile, sources
from ..models.register import build_register, load_evidence
from .chart_data import chart_data
from .findings import glue_counts
from .glue import glue_phrases, glue_values
from .render import Html
from .table import table

SHOWS = ("differs", "all")
SEVERITY_ORDER = {s: i for i, s in enumerate(reconcile.SEVERITIES)}
#: The model checks whose own tables the page shows beside their finding.
APPENDIX_A_HEADINGS = "method.appendix_a_headings"
OPTIMITY_POPULATION = "method.optimity_population"
ANNUAL_AVOIDANCE = "same_quantity.annual_avoidance"
CROSS_DOCUMENT = ("status.change_requests", "status.risk_classification")


def _shown(v) -> str:
    if isinstance(v, float) and v != v:
        return ""
    return checks.shown(v)


def _document(source_id: str) -> str:
    return sources.get(source_id).short_title


class RegisterPage:
    def __init__(self, show: str = "differs"):
        if show not in SHOWS:
            raise ValueError(f"parameter show={show!r}: allowed values: {', '.join(SHOWS)}")
        self.show = show
        self.evidence = load_evidence()
        self.declarations = checks.load_checks()
        self.reviewed = checks.load_reviewed()
        self.register = build_register(self.evidence, self.declarations)
        self.kinds = {k: self.declarations.kinds[k] for k in reconcile.KINDS if k in self.declarations.kinds}
        found = reconcile.disagreements(self.register)
        constructed = found["basis"] == reconcile.BY_CONSTRUCTION
        self.documents = self._view(found[(found["origin"] == reconcile.DOCUMENT) & ~constructed])
        self.artefacts = self._view(pd.concat([
            found[(found["origin"] == reconcile.ANALYSIS) | constructed],
            self.register[(self.register["basis"] == reconcile.BY_CONSTRUCTION) & (self.register["status"] == "agrees by construction")],
        ], ignore_index=True))
        self.comparisons = self._view(self.register)
        self.headline = reconcile.headline(self.register)

    def _view(self, df: pd.DataFrame) -> pd.DataFrame:
        """Findings in words: kind and document titles, values as people read them, the reviewer's
        note (or the check's explanation), sorted by kind, document and severity."""
        if df.empty:
            return df.assign(kind_title=[], document=[], stated_shown=[], derived_shown=[], note=[], certainty_shown=[], severity_shown=[],
                             values=[], assessment=[])
        out = df.assign(
            kind_title=[self.kinds[k].title for k in df["kind"]],
            document=[_document(s) for s in df["source_id"]],
            stated_shown=[_shown(v) for v in df["stated"]],
            derived_shown=[_shown(v) for v in df["derived"]],
            note=[self.reviewed.get(i) or e for i, e in zip(df["id"], df["explanation"])],
            certainty_shown=[c.capitalize() for c in df["certainty"]],
            severity_shown=[s.capitalize() for s in df["severity"]],
            values=[f"{_shown(a)} against {_shown(b)}" for a, b in zip(df["stated"], df["derived"])],
            assessment=[f"{s.capitalize()}, {c}" for s, c in zip(df["severity"], df["certainty"])],
            kind_order=[reconcile.KINDS.index(k) for k in df["kind"]],
            doc_order=[list(sources.registry()).index(s) for s in df["source_id"]],
            severity_order=[SEVERITY_ORDER[s] for s in df["severity"]],
        )
        return out.sort_values(["kind_order", "doc_order", "severity_order"], kind="stable").reset_index(drop=True)

    # Numbers the prose quotes ------------------------------------------------------------------
    def glue(self) -> None:
        h = self.headline
        model = self.register[self.register["kind"] == reconcile.MODEL]
        glue_counts(model)  # compared, agree, differ, by_construction, duplicates: the models' arithmetic
        glue_values(
            comparisons=h["comparisons"], document_findings=h["documents"], documents_certain=h["documents_certain"],
            documents_probable=h["documents_probable"], artefacts=h["artefacts"], repeats=h["duplicates"],
            n_checks=len(self.declarations.checks), n_kinds=len(self.kinds),
            high=int((self.documents["severity"] == "high").sum()),
        )
        phrase = (
            "Every comparison the register makes, agreeing or not."
            if self.show == "all"
            else "The documents' disagreements, each once (the page's `show` parameter set to `all` lists every comparison, agreeing or not)."
        )
        glue_phrases(shown_phrase=phrase)

    # Tables ---------------------------------------------------------------------------------------
    def kinds_table(self) -> Html:
        """Per kind of disagreement: what it is, and how many the documents hold."""
        d = self.documents
        rows = []
        for k, info in self.kinds.items():
            part = d[d["kind"] == k]
            rows.append({"kind": info.title, "description": info.description, "findings": len(part),
                         "certain": int((part["certainty"] == "certain").sum()), "probable": int((part["certainty"] == "probable").sum())})
        return table(pd.DataFrame(rows), {"kind": "Kind", "description": "What is compared", "findings": "Disagreements",
                                          "certain": "Certain", "probable": "Probable"}, wide=("description",))

    def by_kind_and_document(self) -> pd.DataFrame:
        """The chart's data: the documents' disagreements per kind and document."""
        d = self.documents
        rows = []
        for k, info in self.kinds.items():
            for sid, src in sources.registry().items():
                n = int(((d["kind"] == k) & (d["source_id"] == sid)).sum())
                if n:
                    rows.append({"kind": info.title, "document": src.short_title, "findings": n})
        return pd.DataFrame(rows, columns=["kind", "document", "findings"])

    def chart_table(self) -> Html:
        return chart_data(self.by_kind_and_document(), {"kind": "Kind", "document": "Document", "findings": "Disagreements"},
                          "register_by_kind_and_document.csv")

    def findings_table(self) -> Html:
        """The disagreements (or every comparison), filterable by kind, document, severity and
        certainty; each row links to the lines that state its value."""
        frame = self.comparisons if self.show == "all" else self.documents
        columns = {
            "kind_title": "Kind", "document": "Document", "what": "Finding", "values": "Stated, against recomputed or stated elsewhere",
            "assessment": "Severity, certainty", "note": "Explanation",
        }
        if self.show == "all":
            columns["status"] = "Result"
        return table(frame, columns, kinds={"values": "text", "note": "text", "assessment": "text"},
                     wide=("what", "note"), searchable=True, filters=("kind_title", "document", "assessment"),
                     search_label="Search the findings", link_header="Stated at")

    def locations(self) -> pd.DataFrame:
        """Every place each disagreement is printed (the first is where its stated value is)."""
        rows = []
        for r in self.documents.itertuples():
            for n, loc in enumerate(reconcile.parse_locations(r.locations), start=1):
                rows.append({"id": r.id, "what": r.what, "place": n, "source_id": loc.source_id, "line_start": loc.line_start, "line_end": loc.line_end})
        return pd.DataFrame(rows, columns=["id", "what", "place", "source_id", "line_start", "line_end"])

    def locations_table(self) -> Html:
        """The other places each disagreement is printed (its first is linked in the findings table),
        one row per place, each linking to its lines."""
        frame = self.locations()
        frame = frame[frame["place"] > 1].reset_index(drop=True)
        return table(frame, {"id": "Finding", "place": "Place"}, kinds={"place": "count"}, link_header="Printed at", unlinked=("place",))

    def method_table(self) -> Html:
        """How each disagreement was found: the rule, with the numbers."""
        return table(self.documents, {"id": "Finding", "method": "How it was found (rule and numbers)"}, wide=("method",),
                     searchable=True, search_label="Search the rules", link_header="Stated at")

    def artefacts_table(self) -> Html:
        return table(self.artefacts, {"what": "Comparison", "stated_shown": "Stated", "derived_shown": "Recomputed", "difference": "Difference",
                                      "note": "Why it is the analysis' own"},
                     kinds={"difference": "signed", "stated_shown": "text", "derived_shown": "text", "note": "text"}, wide=("what", "note"),
                     unlinked=("difference",))

    def quantities(self, check_id: str = ANNUAL_AVOIDANCE) -> pd.DataFrame:
        return checks.members(self.declarations, self.evidence, check_id)

    def quantities_table(self, check_id: str = ANNUAL_AVOIDANCE) -> Html:
        """The same quantity side by side: each value, what it is, its document and date, its lines."""
        frame = self.quantities(check_id).assign(date_shown=lambda d: [_shown(v) for v in d["date"]])
        return table(frame, {"what": "What the figure is", "value": "Value", "document": "Document", "date_shown": "Document dated"},
                     kinds={"value": "count", "date_shown": "text"}, wide=("what",), link_header="Printed at")

    def _detail(self, check_id: str) -> pd.DataFrame:
        return checks.details(self.declarations, self.evidence)[check_id]

    def arrangements_table(self) -> Html:
        """Appendix A: every assignment of the printed rate headings to the years, and the cells each reproduces."""
        frame = self._detail(APPENDIX_A_HEADINGS).assign(printed=lambda d: ["Yes" if p else "" for p in d["printed_order"]])
        return table(frame, {"arrangement": "Rates by year", "printed": "Order printed in the text", "cells": "Locality cells reproduced",
                             "of": "Of"}, kinds={"cells": "count", "of": "count", "printed": "text"})

    def arrangements(self) -> pd.DataFrame:
        return self._detail(APPENDIX_A_HEADINGS)

    def optimity_population_table(self) -> Html:
        frame = self._detail(OPTIMITY_POPULATION)
        return table(frame, {"population": "Population in the papers", "value": "People", "implied": "Avoidances it gives",
                             "difference": "Stated − this"}, kinds={"value": "count", "implied": "count", "difference": "signed"},
                     link_header="Printed at", unlinked=("implied", "difference"))

    def cross_document_table(self) -> Html:
        """Requests for change and risks whose status the programme paper leaves undetermined, with
        the status the highlight report gives the same row: cross-document evidence, not a finding."""
        frames = []
        for cid in CROSS_DOCUMENT:
            check = next(c for c in self.declarations.checks if c.id == cid)
            f = checks.cross_document_evidence(check, self.evidence)
            frames.append(f.assign(what=check.title))
        frame = pd.concat(frames, ignore_index=True)
        frame = frame.assign(
            other=[f"{_shown(s).capitalize()} (highlight report, {'line ' + str(a) if a == b else f'lines {a}–{b}'})" if s else ""
                   for s, a, b in zip(frame["other_status"], frame["other_line_start"].fillna(0).astype(int), frame["other_line_end"].fillna(0).astype(int))],
            status_shown=[_shown(s) for s in frame["status"]],
        )
        return table(frame, {"what": "Table", "item": "Row of the programme paper", "status_shown": "Its status in the programme paper",
                             "other": "Status the highlight report gives the same row", "evidence": "Kind of evidence"},
                     kinds={"status_shown": "text", "other": "text"}, wide=("item",), link_header="Programme paper lines")

    def checks_table(self) -> Html:
        """Every declared check: its kind, what it compares, its type and the lines it concerns."""
        rows = []
        for c in self.declarations.checks:
            where = "; ".join(f"{_document(w.source_id)}, " + (f"line {w.line_start}" if w.line_start == w.line_end else f"lines {w.line_start}–{w.line_end}")
                              for w in c.where)
            n = int((self.register["check"] == c.id).sum())
            rows.append({"id": c.id, "kind": self.kinds[c.kind].title, "title": c.title, "comparisons": n, "where": where})
        return table(pd.DataFrame(rows), {"id": "Check", "kind": "Kind", "title": "What it checks", "comparisons": "Comparisons",
                                          "where": "Lines it concerns"}, wide=("title", "where"), searchable=True,
                     filters=("kind",), search_label="Search the checks")

    def download(self) -> Html:
        from .downloads import download

        # The findings (every comparison that does not agree, the analysis' artefacts included); the
        # whole register of agreeing comparisons too is `ccth reconcile --all -o register.csv`, which
        # would make this page too heavy to embed.
        internal = ["inputs", "relation", "check", "tolerance", "basis", "topic"]  # the register's plumbing, not findings
        found = self.register[self.register["status"] != "agrees"].drop(columns=internal)
        return download(found, "reconciliation_register_findings.csv", "Download every finding (CSV)")

    def chart_description(self) -> str:
        data = self.by_kind_and_document()
        parts = []
        for kind, part in data.groupby("kind", sort=False):
            parts.append(f"{kind}: " + ", ".join(f"{r.document} {r.findings}" for r in part.itertuples()))
        return (
            f"Horizontal stacked bar chart of the {len(self.documents)} places where the documents disagree, by kind of "
            "disagreement and by the document that prints the stated value. " + "; ".join(parts) + "."
        )

