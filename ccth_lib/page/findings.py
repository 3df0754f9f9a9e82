"""Stated against derived: the findings of a page, and the counts its prose quotes.

A finding compares a figure a document states with the value the code derives. Counts follow
:func:`ccth_lib.reconcile.counts`: a figure printed twice counts once, and a comparison that
agrees by construction is not counted as agreement.
"""

from __future__ import annotations

import pandas as pd

from .. import reconcile
from .glue import glue_values
from .render import Html
from .table import table

STATUS_WORDS = {
    "agrees": "Agrees",
    "differs": "Differs",
    "agrees by construction": "Agrees by construction (not a check)",
    "differs by construction": "Differs although fitted to it (not a check)",
}


def status_text(row) -> str:
    words = STATUS_WORDS.get(row["status"], str(row["status"]))
    dup = row.get("duplicate_of", "") if hasattr(row, "get") else ""
    if isinstance(dup, str) and dup:
        words += " (second printing of the same figure; counted once)"
    return words


def findings_table(register: pd.DataFrame, *, with_method: bool = True) -> Html:
    """Each finding: the figure, stated, derived, difference, result, its source lines, how derived."""
    view = register.assign(result=[status_text(r) for r in register.to_dict("records")])
    columns = {"what": "Figure", "stated": "Stated", "derived": "Derived", "difference": "Difference (stated − derived)", "result": "Result"}
    if with_method:
        columns["method"] = "How derived"
    return table(view, columns, kinds={"stated": "number", "derived": "number", "difference": "signed", "result": "text", "method": "text"}, wide=("what",))


def glue_counts(register: pd.DataFrame, prefix: str = "") -> dict[str, int]:
    """Glue ``<prefix>compared``, ``agree``, ``differ``, ``by_construction``, ``duplicates``."""
    counts = {k: int(v) for k, v in reconcile.counts(register).items()}
    glue_values(**{f"{prefix}{k}": v for k, v in counts.items()})
    return counts
