"""Model parameters: every assumption named, validated, with its default taken from the source.

:class:`ChainParameters` holds the assumptions of the programme paper's chain of derivations.
Its defaults are *not* typed here: :func:`ccth_lib.models.defaults.chain_defaults` reads them
from the transcribed evidence (figures register and tables), with the provenance of each. A value
outside its allowed range raises :class:`ParameterError` naming the parameter and the range.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .. import vocab
from .rounding import Rule


class ParameterError(ValueError):
    """A parameter outside its allowed range; the message names the parameter and the range."""


class ChainParameters(BaseModel):
    """Assumptions of the admission-avoidance and case-management chain (programme paper, 2018)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    target_total: float = Field(ge=0, description="Admission-avoidance target, admissions per year")
    ltc_target_share: dict[int, float] = Field(
        description="Target share of admission avoidance for people with 1, 2 and 3 LTCs (fractions 0-1)"
    )
    stratification_per_1000: float = Field(
        ge=0, le=1000, description="Patients in scope of risk stratification per 1,000 head"
    )
    share_1to3_ltc: float = Field(ge=0, le=1, description="Share of the stratified patients with 1-3 LTCs")
    hah_row_share: float = Field(
        ge=0, le=1, description="Share of the usually avoidable 'Hospital at Home or Crisis Response/Step up beds' row met by Hospital at Home"
    )
    avoidance_rate_2019_20: float = Field(ge=0, le=1, description="NEL admission-avoidance rate on case management, 2019/20")
    avoidance_rate_2020_21: float = Field(ge=0, le=1, description="NEL admission-avoidance rate on case management, 2020/21")
    avoidance_rate_2021_22: float = Field(ge=0, le=1, description="NEL admission-avoidance rate on case management, 2021/22")
    locality_shares: dict[str, float] | None = Field(
        default=None,
        description="Share of the target per locality (fractions summing to 1); None = from the case-management cohort",
    )
    rounding_counts: Rule = Field(description="Rounding of derived admission counts")
    rounding_case_management: Rule = Field(description="Rounding of derived case-management numbers")
    percent_places: int = Field(ge=0, le=4, description="Decimal places of derived percentages")

    @field_validator("ltc_target_share")
    @classmethod
    def _shares_in_range(cls, v: dict[int, float]) -> dict[int, float]:
        for k, share in v.items():
            if k < 1:
                raise ValueError(f"LTC count {k} must be 1 or more")
            if not 0 <= share <= 1:
                raise ValueError(f"share for {k} LTC(s) is {share}, allowed range 0-1")
        return v

    @field_validator("locality_shares")
    @classmethod
    def _localities_sum_to_one(cls, v):
        if v is None:
            return v
        if any(not 0 <= s <= 1 for s in v.values()):
            raise ValueError(f"each locality share must lie in 0-1, got {v}")
        if abs(sum(v.values()) - 1) > 1e-9:
            raise ValueError(f"locality shares must sum to 1, they sum to {sum(v.values()):.6g}")
        return v

    @property
    def avoidance_rates(self) -> dict[str, float]:
        """The avoidance rate of each year the chain models (:func:`chain_years`), by year label."""
        return {year: getattr(self, rate_parameter(year)) for year in chain_years()}

    def with_overrides(self, **overrides: Any) -> "ChainParameters":
        """A copy with some parameters replaced (``None`` values are ignored), validated."""
        data = self.model_dump() | {k: v for k, v in overrides.items() if v is not None}
        return make_parameters(**data)


RATE_PREFIX = "avoidance_rate_"


def rate_parameter(year: str) -> str:
    """The name of the avoidance-rate parameter of a year: ``"2019/20"`` → ``avoidance_rate_2019_20``."""
    name = RATE_PREFIX + year.replace("/", "_")
    if name not in ChainParameters.model_fields:
        raise ValueError(f"no avoidance-rate parameter for year {year!r}; parameters: "
                         + ", ".join(n for n in ChainParameters.model_fields if n.startswith(RATE_PREFIX)))
    return name


def chain_years() -> tuple[str, ...]:
    """The years the chain models: the programme years (``vocab.YEARS``, defined once in data)
    that have an avoidance-rate parameter, in order."""
    years = vocab.years()
    rated = {n.removeprefix(RATE_PREFIX) for n in ChainParameters.model_fields if n.startswith(RATE_PREFIX)}
    unknown = sorted(rated - {y.replace("/", "_") for y in years})
    if unknown:
        raise ValueError(f"avoidance-rate parameter(s) for year(s) {unknown} not among the programme years {list(years)}")
    return tuple(y for y in years if y.replace("/", "_") in rated)


def __getattr__(name: str):
    # ``parameters.YEARS``: the years the chain models (see chain_years), read lazily from data
    if name == "YEARS":
        return chain_years()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def describe_errors(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        name = ".".join(str(p) for p in err["loc"]) or "parameters"
        ctx = err.get("ctx") or {}
        bounds = []
        for key, word in (("ge", ">="), ("gt", ">"), ("le", "<="), ("lt", "<")):
            if key in ctx:
                bounds.append(f"{word} {ctx[key]}")
        allowed = f" (allowed: {' and '.join(bounds)})" if bounds else ""
        value = err.get("input")
        parts.append(f"parameter {name}={value!r}: {err['msg']}{allowed}")
    return "; ".join(parts)


def make_parameters(**values: Any) -> ChainParameters:
    """Validate parameters strictly (``true`` is not a rate); errors name the parameter and its range."""
    try:
        return ChainParameters.model_validate(values, strict=True)
    except ValidationError as exc:
        raise ParameterError(describe_errors(exc)) from None
