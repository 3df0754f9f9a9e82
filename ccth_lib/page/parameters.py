""""Parameters used": each assumption of a model page, its value, who set it and its source."""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import pandas as pd

from . import formats
from .render import Html
from .table import table


def value_text(name: str, value: Any) -> str:
    """A parameter's value for readers: shares and rates as percentages, rules in words."""
    if value is None:
        return "from the case-management cohort" if name == "locality_shares" else "as the source states"
    if isinstance(value, Mapping):
        return ", ".join(f"{k} LTC{'s' if str(k) != '1' else ''}: {formats.share(v)}" if isinstance(k, int) else f"{k}: {formats.share(v)}"
                         for k, v in value.items())
    if name == "chart_table":  # a table, by its title
        from .. import data

        return data.table_info(value).title
    if isinstance(value, str):
        return value.replace("_", " ")
    if isinstance(value, bool):
        return formats.yes_no(value)
    if name.startswith(("avoidance_rate", "share_", "hah_row_share")) and isinstance(value, float) and value <= 1:
        return formats.share(value)
    if name == "percent_places":
        return f"{value} decimal place{'s' if value != 1 else ''}"
    return formats.number(value)


def _basis(p) -> str:
    """Where a value comes from: the source's words (quoted) and any note, or the analysis' reasoning."""
    note = getattr(p, "note", None) or ""
    if getattr(p, "source_id", None):
        quote = getattr(p, "quote", None) or ""
        return " ".join(part for part in (f"“{quote}”" if quote else "", note) if part)
    return " ".join(part for part in (getattr(p, "citation", "") or "", note) if part)


def parameters_frame(params, provenance: Sequence, overrides: Mapping[str, Any], descriptions: Mapping[str, str]) -> pd.DataFrame:
    """One row per parameter: words, name, value, who set it, and its provenance (with lines)."""
    rows = []
    for p in provenance:
        value = getattr(params, p.parameter)
        overridden = overrides.get(p.parameter) is not None
        rows.append({
            "assumption": descriptions.get(p.parameter, p.parameter),
            "parameter": p.parameter,
            "value": value_text(p.parameter, value),
            "set_by": "this run" if overridden else ("the source" if getattr(p, "source_id", None) else "this analysis"),
            "basis": _basis(p),
            "source_id": getattr(p, "source_id", None),
            "line_start": getattr(p, "line_start", None),
            "line_end": getattr(p, "line_end", None),
            "quote": getattr(p, "quote", None) or "",
        })
    return pd.DataFrame(rows)


def parameters_table(frame: pd.DataFrame) -> Html:
    return table(
        frame,
        {"assumption": "Assumption", "parameter": "Parameter name", "value": "Value", "set_by": "Set by", "basis": "Where the value comes from"},
        kinds={"value": "text"},
        wide=("basis",),
    )
