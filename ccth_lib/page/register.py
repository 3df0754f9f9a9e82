"""The reconciliation register page: every comparison of a stated figure with its re-derivation."""

from __future__ import annotations

import pandas as pd

from ..models.register import load_register
from .findings import findings_table, glue_counts
from .glue import glue_phrases
from .render import Html
from .chart_data import chart_data
from .table import table

SHOWS = ("differs", "all")


class RegisterPage:
    def __init__(self, show: str = "differs"):
        if show not in SHOWS:
            raise ValueError(f"parameter show={show!r}: allowed values: {', '.join(SHOWS)}")
        self.show = show
        self.register = load_register()
        reg = self.register
        counted = reg["duplicate_of"].fillna("") == ""
        self.differing = reg[(reg["status"] == "differs") & counted].reset_index(drop=True)
        self.shown = reg if show == "all" else reg[reg["status"] == "differs"].reset_index(drop=True)

    def glue(self) -> None:
        glue_counts(self.register)
        phrase = (
            "Every comparison, in register order."
            if self.show == "all"
            else "The comparisons that differ, in register order (the page's `show` parameter set to `all` lists every comparison)."
        )
        glue_phrases(shown_phrase=phrase)

    def by_topic_table(self) -> Html:
        reg = self.register[self.register["duplicate_of"].fillna("") == ""]
        counts = reg.groupby("topic", sort=False)["status"].value_counts().unstack(fill_value=0)
        frame = pd.DataFrame({
            "topic": counts.index,
            "agree": counts.get("agrees", pd.Series(0, index=counts.index)).to_numpy(),
            "differ": counts.get("differs", pd.Series(0, index=counts.index)).to_numpy(),
            "by_construction": counts.get("agrees by construction", pd.Series(0, index=counts.index)).to_numpy(),
        })
        return table(frame, {"topic": "Topic", "agree": "Agree", "differ": "Differ", "by_construction": "Agree by construction (not counted)"})

    def findings_table(self) -> Html:
        return findings_table(self.shown)

    def differences_table(self) -> Html:
        return chart_data(self.differing, {"what": "Figure", "difference": "Stated − derived"}, "differences.csv", kinds={"difference": "signed"})
