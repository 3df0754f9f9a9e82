"""Numbers, dates and booleans as a reader expects them (pages only; CSV downloads keep raw values).

``3000.0`` reads "3,000", ``0.33399999999999996`` as a share reads "33.4%", a derived head count
``102914.3`` reads "102,914", ``True`` reads "Yes". Each function takes one value and returns the
text shown; a missing value is an empty string.
"""

from __future__ import annotations

import datetime as _dt
from decimal import Decimal
from typing import Any, Callable

import pandas as pd

#: Most decimals a page shows for a measured (non-count) number.
MAX_PLACES = 2


def missing(v: Any) -> bool:
    if v is None:
        return True
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def number(v: Any, places: int = MAX_PLACES) -> str:
    """Thousands separators; decimals only where the value has them (at most ``places``)."""
    if missing(v):
        return ""
    d = Decimal(str(float(v))).quantize(Decimal(1).scaleb(-places)) if places else Decimal(round(float(v)))
    text = f"{d:,.{places}f}" if places else f"{d:,.0f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text.replace("-", "−")


def count(v: Any) -> str:
    """A whole number of people, admissions or items (a derived fraction is rounded for reading)."""
    return number(v, 0)


def percent(v: Any, places: int = 1) -> str:
    """A value already in percent units: ``64.2`` → "64.2%"."""
    return "" if missing(v) else f"{number(v, places)}%"


def share(v: Any, places: int = 1) -> str:
    """A fraction 0–1 as a percentage: ``0.334`` → "33.4%"."""
    return "" if missing(v) else percent(100 * float(v), places)


def signed(v: Any) -> str:
    """A difference with its sign: "+2", "−1", "0"."""
    if missing(v):
        return ""
    f = float(v)
    return "0" if f == 0 else ("+" if f > 0 else "−") + number(abs(f))


def money_thousands(v: Any) -> str:
    """£000s as printed: ``8816`` → "£8,816k"."""
    return "" if missing(v) else f"£{number(v)}k"


def yes_no(v: Any) -> str:
    return "" if missing(v) else ("Yes" if bool(v) else "No")


def date(v: Any) -> str:
    """ISO dates and timestamps as "18 October 2018"."""
    if missing(v):
        return ""
    if isinstance(v, str):
        try:
            v = _dt.date.fromisoformat(v)
        except ValueError:
            return v
    return f"{v.day} {v:%B %Y}"


def text(v: Any) -> str:
    if missing(v):
        return ""
    return " ".join(str(v).split())


KINDS: dict[str, Callable[[Any], str]] = {
    "text": text,
    "number": number,
    "count": count,
    "percent": percent,
    "share": share,
    "signed": signed,
    "money_thousands": money_thousands,
    "bool": yes_no,
    "date": date,
}

#: Kinds shown right-aligned in tabular figures.
NUMERIC_KINDS = {"number", "count", "percent", "share", "signed", "money_thousands"}


def kind_of(name: str, series: pd.Series, unit: str | None = None) -> str:
    """The display kind of a column, from its unit, name and dtype."""
    unit = (unit or "").lower()
    if pd.api.types.is_bool_dtype(series):
        return "bool"
    if pd.api.types.is_datetime64_any_dtype(series):
        return "date"
    if not pd.api.types.is_numeric_dtype(series):
        return "text"
    if name.endswith("_pct") or unit in ("percent", "%"):
        return "percent"
    if unit in ("gbp thousands",):
        return "money_thousands"
    if pd.api.types.is_integer_dtype(series):
        return "number"
    return "number"


def format_value(v: Any, kind: str) -> str:
    if kind not in KINDS and kind != "link":
        raise ValueError(f"unknown display kind {kind!r}; known: {', '.join(KINDS)}")
    return KINDS[kind](v)
