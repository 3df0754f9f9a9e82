"""The vision and case-for-change page, and the home page's fragments about the programme.

Everything shown is read from ``data/``: the statements quoted in full (``*_statements``
tables), the figures register, and the transcribed tables. The figures behind the admission
target (c4,000 → 4,586 → 2,689 → circa 3,000) are chosen here by their register id and named
in words; their values, dates and lines come from the data.
"""

from __future__ import annotations

import datetime as _dt
import textwrap
from dataclasses import dataclass

import pandas as pd

from .. import data, sources
from . import formats
from .downloads import download
from .glue import BOOK_TO_PAGES, for_book, sourced, sourced_figure
from .links import SourceLink, inline_link
from .render import Html, render
from .table import Link, table

#: The tables of statements the programme pages quote in full, one per source document.
STATEMENT_TABLES = ("paper_statements", "highlight_statements", "hwbb2017_statements")


def when(value: str) -> str:
    """A registry or table date as people write it: "2017-07-06" → "6 July 2017", "2018-10" → "October 2018"."""
    if not isinstance(value, str):
        return formats.date(value)
    text = value
    if len(text) == 7 and text[4] == "-":
        return _dt.date(int(text[:4]), int(text[5:]), 1).strftime("%B %Y")
    return formats.date(text)


def wrap_label(text: str, width: int) -> str:
    """Words broken into lines of at most ``width`` characters, joined by "\\n" (for chart axes)."""
    return "\n".join(textwrap.wrap(" ".join(str(text).split()), width, break_long_words=False, break_on_hyphens=False))


def statements() -> pd.DataFrame:
    """Every quoted statement, indexed by its topic (topics are unique across the tables)."""
    frames = [data.load_table(name) for name in STATEMENT_TABLES]
    out = pd.concat(frames, ignore_index=True)
    duplicated = out.loc[out["topic"].duplicated(), "topic"].tolist()
    if duplicated:
        raise ValueError(f"statement topic(s) {duplicated} appear in more than one statements table")
    return out.set_index("topic", drop=False)


def link_of_row(row) -> SourceLink:
    return SourceLink(str(row["source_id"]), int(row["line_start"]), int(row["line_end"]), str(row.get("quote", "")))


def quoted(row, *, with_document: bool = True) -> str:
    """A statement as a Markdown phrase: “…” followed by its source link (for ``{glue:md}``)."""
    return f"“{formats.text(row['statement'])}” ({inline_link(link_of_row(row), with_document)})"


def figure_link(figure_id: str, register: pd.DataFrame, *, with_document: bool = True) -> str:
    """The source link of a registered figure, as an inline HTML link for a Markdown phrase."""
    f = data.figure(figure_id, register)
    return inline_link(SourceLink(f.source_id, f.line_start, f.line_end, f.quote), with_document)


@dataclass(frozen=True)
class TargetFigure:
    """One figure behind the admission-avoidance target: its register id and what it is, in words."""

    figure_id: str
    label: str
    printed_prefix: str = ""


#: The figures for the admissions a year to be avoided, in the order the story meets them.
TARGET_FIGURES = (
    TargetFigure("hwbb2017_avoidable_nel_admissions_c4000",
                 "STP case for change: avoidable emergency admissions a year, current estimate", "c"),
    TargetFigure("paper_optimity_admission_avoidances",
                 "Optimity (2017): admissions avoided by shifting hospital use by a five-year age band"),
    TargetFigure("paper_future_fit_target", "Future Fit Outline Business Case: the target for people aged 65 and over"),
    TargetFigure("paper_target_circa_3000",
                 "The programme's target: the Frailty Intervention Team's method extended to everyone aged 65 and over", "circa "),
    TargetFigure("highlight_admission_avoidance_per_annum",
                 "Highlight report: the eventual avoidance expected to offset the costs of new services"),
)


def targets_frame(register: pd.DataFrame, figures: tuple[TargetFigure, ...] = TARGET_FIGURES, *, wrap: int = 44) -> pd.DataFrame:
    """The target figures as rows: words, the value as printed, the document's date, provenance."""
    rows = []
    for spec in figures:
        f = data.figure(spec.figure_id, register)
        src = sources.get(f.source_id)
        rows.append({
            "figure": spec.label,
            "label": wrap_label(spec.label, wrap),
            "admissions": f.value,
            "value_text": f"{spec.printed_prefix}{formats.count(f.value)}",
            "document": src.short_title,
            "document_date": when(src.date),
            "source_id": f.source_id,
            "line_start": f.line_start,
            "line_end": f.line_end,
            "quote": f.quote,
        })
    return pd.DataFrame(rows)


def targets_description(frame: pd.DataFrame) -> str:
    return "Bar chart of the admissions a year to be avoided, as each document states them: " + "; ".join(
        f"{r.figure}: {r.value_text} ({r.document})" for r in frame.itertuples()
    ) + "."


class VisionPage:
    """The parts of the vision and case-for-change page, and the home page's fragments."""

    chart_title = "Admissions a year to be avoided: the figures behind the target"

    def __init__(self):
        self.register = data.figures()
        self.said = statements()
        self.targets = targets_frame(self.register)

    # -- numbers and phrases -------------------------------------------------------------------

    def figures(self) -> dict:
        """The page's numbers: those the documents print linked to their lines, counts plain."""
        f = lambda fid, kind="count": sourced_figure(fid, kind, register=self.register)  # noqa: E731
        avoid = data.load_table("paper_nel_avoidability").set_index("avoidability")
        cell = lambda row: sourced(int(avoid.loc[row, "admissions"]), "count", avoid.loc[row], "admissions")  # noqa: E731
        return {
            "stp_money_m": f("hwbb2017_stp_resources_used_differently_74m", "number"),
            "stp_avoidable_admissions": f("hwbb2017_avoidable_nel_admissions_c4000"),
            "optimity_per_5000": f("paper_optimity_reduction_per_5000"),
            "optimity_avoidances": f("paper_optimity_admission_avoidances"),
            "future_fit_target": f("paper_future_fit_target"),
            "target": f("paper_target_circa_3000"),
            "target_restated": f("paper_target_circa_3000_patients"),
            "highlight_avoidances": f("highlight_admission_avoidance_per_annum"),
            "nel_total": cell("Total NEL Admissions"),
            "nel_total_restated": f("paper_nel_total_restated"),
            "nel_usually_avoidable": cell("Usually avoidable"),
            "nel_sometimes_avoidable": cell("Sometimes avoidable"),
            "target_share_pct": f("paper_target_share_of_nel_pct", "percent"),
            "nel_1to3_ltc": f("paper_nel_1to3_ltc"),
            "target_share_1to3_pct": f("paper_target_share_of_1to3_pct", "percent"),
            "n_criteria": len(data.load_table("paper_vision_objectives")),
            "n_target_figures": len(self.targets),
            "n_documents": len(sources.registry()),
        }

    def phrases(self) -> dict:
        s, link = self.said.loc, (lambda fid: figure_link(fid, self.register))
        return {
            "review_quote": quoted(s["community_services_review"]),
            "out_of_hospital_quote": quoted(s["out_of_hospital_care"]),
            "observation_quote": quoted(s["optimity_deloitte_observation"]),
            "stp_joined_up_quote": quoted(s["services_joined_up"]),
            "stp_growth_quote": quoted(s["growth_unsustainable"]),
            "stp_money_link": link("hwbb2017_stp_resources_used_differently_74m"),
            "stp_admissions_link": link("hwbb2017_avoidable_nel_admissions_c4000"),
            "optimity_link": link("paper_optimity_admission_avoidances"),
            "optimity_unit": data.figure("paper_optimity_reduction_per_5000", self.register).unit,
            "optimity_rate_link": link("paper_optimity_reduction_per_5000"),
            "future_fit_link": link("paper_future_fit_target"),
            "target_link": link("paper_target_circa_3000"),
            "target_share_link": link("paper_target_share_of_nel_pct"),
            "target_1to3_link": link("paper_target_share_of_1to3_pct"),
            "highlight_avoidances_link": link("highlight_admission_avoidance_per_annum"),
        }

    # -- what the page shows ---------------------------------------------------------------------

    def vision(self, base: str = "") -> Html:
        """The vision statement as a block quotation with its source link (``base``: the link's folder)."""
        row = self.said.loc["vision"]
        link = link_of_row(row)
        return render("vision_quote.html.j2", statement=formats.text(row["statement"]), href=base + link.href,
                      title=link.title, text=link.text(True))

    def criteria_table(self) -> Html:
        return table(data.load_table("paper_vision_objectives"), {"criterion": "The future delivery models are to be"},
                     table_name="paper_vision_objectives", link_header="Source lines", with_document=False, wide=("criterion",))

    def challenges_table(self) -> Html:
        challenges = data.load_table("hwbb2017_current_challenges")
        return table(challenges, {"challenge_group": "Seen from", "challenge": "Challenge"}, table_name="hwbb2017_current_challenges",
                     link_header="Source lines", with_document=False, wide=("challenge",))

    def avoidability_table(self) -> Html:
        return table(data.load_table("paper_nel_avoidability"), {"avoidability": "Emergency admissions of people aged 65+, August 2016 – July 2017",
                     "admissions": "Admissions"}, table_name="paper_nel_avoidability", link_header="Source lines", with_document=False)

    def targets_chart(self):
        from .. import charts

        return charts.admission_targets_chart(self.targets, title=self.chart_title, description=targets_description(self.targets))

    def targets_table(self) -> Html:
        """The chart's figures with their dates and source lines, and a CSV download."""
        columns = {"figure": "Figure", "value_text": "As printed", "document": "Document"}
        shown = table(self.targets, columns, link_header="Lines", with_document=False)
        csv = self.targets[["figure", "admissions", "value_text", "document", "document_date", "source_id", "line_start", "line_end", "quote"]]
        return render("chart_data.html.j2", caption="The chart's figures, each linked to its lines:", table=shown,
                      download=download(csv, "admission_target_figures.csv", "Download the chart's data (CSV)"))

    # -- the home page's fragments (glued into book/index.md) -----------------------------------

    def home(self) -> dict:
        registry = list(sources.registry().values())
        dated = sorted(registry, key=lambda s: s.date)
        docs = pd.DataFrame([
            {"document": Link(s.short_title, f"{BOOK_TO_PAGES}{s.page}.html"), "kind": s.kind.capitalize(), "body": s.body}
            for s in dated
        ])
        return {
            "home_vision": self.vision(BOOK_TO_PAGES),
            "home_documents": table(docs, {"document": "Document (its evidence page)", "kind": "Kind", "body": "Issued by"},
                                    kinds={"document": "link"}, links=False),
            "home_first_date": render("vision_when.html.j2", text=when(dated[0].date)),
            "home_last_date": render("vision_when.html.j2", text=when(dated[-1].date)),
            **for_book(self.figures(), "target"),
        }
