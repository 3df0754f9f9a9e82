"""The shared vocabulary of the evidence: said once, in ``data/tables/_shared.yaml``.

That file holds what every table descriptor shares: the licence, the named value lists
(vocabularies such as the localities and the programme years) and the named field definitions
that descriptors reference with ``use:`` (see :mod:`ccth_lib.described`). This module reads it
and exposes it to the rest of the package::

    from ccth_lib.vocab import LOCALITIES, YEARS
    LOCALITIES  # ('North', 'Central', 'South')
    YEARS       # ('2019/20', '2020/21', '2021/22', '2022/23', '2023/24')

The financial-year columns (``fy2021_22`` …) are generated here, one per year of ``YEARS``, from
the file's ``financial_year_field`` template, so that the years are written down once.
"""

from __future__ import annotations

import re
from pathlib import Path

from . import paths
from .described import DataValidationError, Library, expand_library_fields, read_yaml, rel, stamp

_LIBRARY: dict[tuple, Library] = {}

_FY_COLUMN = re.compile(r"^fy(\d{4})_(\d{2})$")
_YEAR = re.compile(r"^(\d{4})/(\d{2})$")


def fy_column(year: str) -> str:
    """Column name of a programme year's amounts: ``"2021/22"`` → ``"fy2021_22"``."""
    m = _YEAR.match(year)
    if not m:
        raise ValueError(f"{year!r} is not a financial year of the form YYYY/YY")
    return f"fy{m.group(1)}_{m.group(2)}"


def year_of_column(column: str) -> str:
    """The financial year of a year column: ``"fy2021_22"`` → ``"2021/22"``."""
    m = _FY_COLUMN.match(column)
    if not m:
        raise ValueError(f"{column!r} is not a financial-year column (fyYYYY_YY)")
    return f"{m.group(1)}/{m.group(2)}"


def is_fy_column(column: str) -> bool:
    return bool(_FY_COLUMN.match(column))


def library(path: Path | None = None) -> Library:
    """The shared definitions, validated (cached on the file's size and modification time)."""
    path = Path(path) if path else paths.shared_definitions()
    key = (str(path.resolve()), stamp(path))
    if key[1] is None:
        raise FileNotFoundError(f"{rel(path)}: the shared definitions of the tables are missing")
    if key not in _LIBRARY:
        _LIBRARY[key] = _read(path, key)
    return _LIBRARY[key]


def _read(path: Path, key: tuple) -> Library:
    file = rel(path)
    raw = read_yaml(path)
    expected = {"licenses", "vocab", "financial_year_field", "fields"}
    if not isinstance(raw, dict) or set(raw) != expected:
        found = sorted(raw) if isinstance(raw, dict) else type(raw).__name__
        raise DataValidationError(file, [f"must be a mapping with exactly the keys {sorted(expected)}; found {found}"])
    problems = []
    vocab: dict[str, tuple] = {}
    for name, values in (raw["vocab"] or {}).items():
        if not isinstance(values, list) or not values or len(set(values)) != len(values):
            problems.append(f"vocab.{name}: must be a non-empty list of distinct values")
            continue
        vocab[name] = tuple(str(v) for v in values)
    for name in ("localities", "years"):
        if name not in vocab:
            problems.append(f"vocab.{name} is missing")
    for y in vocab.get("years", ()):
        if not _YEAR.match(y):
            problems.append(f"vocab.years: {y!r} is not of the form YYYY/YY")
    if problems:
        raise DataValidationError(file, problems)
    fields = dict(raw["fields"] or {})
    template = raw["financial_year_field"]
    for year in vocab["years"]:
        name = fy_column(year)
        if name in fields:
            raise DataValidationError(file, [f"fields.{name} clashes with the generated financial-year field"])
        fields[name] = {k: v.format(year=year) if isinstance(v, str) else v for k, v in template.items()}
    return Library(
        licenses=list(raw["licenses"]),
        vocab=vocab,
        fields=expand_library_fields(fields, vocab, file),
        key=key,
        file=file,
    )


def localities() -> tuple[str, ...]:
    """The localities of Shropshire used throughout the programme, in the order printed."""
    return library().vocab["localities"]


def years() -> tuple[str, ...]:
    """The financial years used in the evidence (year columns and values), in order."""
    return library().vocab["years"]


def licenses() -> list[dict]:
    """The licence(s) of the evidence."""
    return [dict(x) for x in library().licenses]


def __getattr__(name: str):
    # read lazily, so that importing ccth_lib never needs the data (CCTH_ROOT is honoured)
    if name == "LOCALITIES":
        return localities()
    if name == "YEARS":
        return years()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
