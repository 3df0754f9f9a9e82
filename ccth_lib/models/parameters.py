"""Model parameters: every assumption named, validated, with its default taken from the source.

One parameter model per family of models (:data:`PARAMETER_MODELS`, the one registry of them):

* :class:`ChainParameters`: the assumptions of the programme paper's chain of derivations;
* :class:`FrailtyParameters`: the 65+ populations and rounding of the strategy's frailty projection;
* :class:`FinanceParameters`: which of the strategy's finance tables the finance page charts.

A parameter's name is unique across the models (one name per concept), so a scenario file or a
page sets it by that name alone (:func:`parameter_model` finds its model). The defaults are *not*
typed here: :mod:`ccth_lib.models.defaults` reads them from the transcribed evidence (figures
register and tables), with the provenance of each; ``None`` where the page derives the value. A
value outside its allowed range raises :class:`ParameterError` naming the parameter and the range.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Callable, Iterable, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .. import vocab
from .rounding import Rule


class ParameterError(ValueError):
    """A parameter outside its allowed range; the message names the parameter and the range."""


@dataclass(frozen=True)
class OneOf:
    """A text parameter's allowed values, read from the data when it is validated (never typed).

    ``values`` is called with no argument and returns the allowed values in order; used as
    ``Annotated[str, OneOf(...)]``, so that the field's metadata says what it allows."""

    values: Callable[[], Iterable[str]]

    def allowed(self) -> tuple[str, ...]:
        return tuple(self.values())

    def __get_pydantic_core_schema__(self, source_type, handler):
        from pydantic_core import core_schema

        return core_schema.no_info_after_validator_function(self._check, handler(source_type))

    def _check(self, value: str) -> str:
        allowed = self.allowed()
        if value not in allowed:
            raise ValueError(f"{value!r} is not one of {', '.join(allowed)}")
        return value


class Parameters(BaseModel):
    """What every parameter model shares: frozen, no unknown names, strict validation."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    def with_overrides(self, **overrides: Any) -> Self:
        """A copy with some parameters replaced (``None`` values are ignored), validated."""
        data = self.model_dump() | {k: v for k, v in overrides.items() if v is not None}
        return validated(type(self), **data)


class ChainParameters(Parameters):
    """Assumptions of the admission-avoidance and case-management chain (programme paper, 2018)."""

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


POPULATION_PREFIX = "population_"
_IMPLIED = "None = the 65+ population the strategy's Mild count for the year implies, count ÷ prevalence"


class FrailtyParameters(Parameters):
    """Assumptions of the frailty projection (clinical commissioning strategy 2020–21): people with
    frailty = prevalence × 65+ population. The strategy prints no 65+ population."""

    population_2016: float | None = Field(default=None, gt=0, description=f"65+ population, 2016; {_IMPLIED}")
    population_2026: float | None = Field(default=None, gt=0, description=f"65+ population, 2026 (predicted); {_IMPLIED}")
    population_2036: float | None = Field(default=None, gt=0, description=f"65+ population, 2036 (predicted); {_IMPLIED}")
    rounding_frailty: Rule = Field(description="Rounding of the projected numbers of people with frailty")

    @property
    def populations(self) -> dict[str, float | None]:
        """The 65+ population of each year (``None``: the one the Mild count implies), by year."""
        return {name.removeprefix(POPULATION_PREFIX): getattr(self, name) for name in type(self).model_fields if name.startswith(POPULATION_PREFIX)}


def _chart_tables() -> tuple[str, ...]:
    from .evidence import chart_tables  # the data are read there, when a value is checked

    return chart_tables()


class FinanceParameters(Parameters):
    """What the finance page shows of the strategy's finance tables (its totals are re-added whatever it charts)."""

    chart_table: Annotated[str, OneOf(_chart_tables)] = Field(
        description="The strategy table the finance chart shows (one with financial-year columns)"
    )


#: The parameter models, one per family of models: the one registry of them.
PARAMETER_MODELS: tuple[type[Parameters], ...] = (ChainParameters, FrailtyParameters, FinanceParameters)


def _owners() -> dict[str, type[Parameters]]:
    owners: dict[str, type[Parameters]] = {}
    for model in PARAMETER_MODELS:
        for name in model.model_fields:
            if name in owners:
                raise TypeError(f"parameter {name!r} is in both {owners[name].__name__} and {model.__name__}: one name per concept")
            owners[name] = model
    return owners


_OWNERS = _owners()


def parameter_model(name: str) -> type[Parameters] | None:
    """The parameter model that has a parameter called ``name`` (``None`` if none has)."""
    return _OWNERS.get(name)


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


def validated(model: type[Parameters], **values: Any):
    """Validate a parameter model's values strictly (``true`` is not a rate); errors name the parameter and its range."""
    try:
        return model.model_validate(values, strict=True)
    except ValidationError as exc:
        raise ParameterError(describe_errors(exc)) from None


def make_parameters(**values: Any) -> ChainParameters:
    """The chain's parameters, validated strictly (see :func:`validated`)."""
    return validated(ChainParameters, **values)
