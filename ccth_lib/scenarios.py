"""Scenarios: one file of assumptions that drives every model page, and whole books built from it.

A scenario file (``scenarios/<name>.yml``) has a name, a description and ``overrides``: values of
any model's parameters (:data:`~ccth_lib.models.parameters.PARAMETER_MODELS`: the programme
paper's chain, the strategy's frailty projection and its finance page), each given once for every
page (one ``target_total`` for every page that uses it)::

    name: Higher target
    description: What if the target were raised to 3,500 a year?
    overrides:
      target_total: 3500
      avoidance_rate_2021_22: 0.30
      ltc_target_share: {1: 0.5}      # a mapping may be given in part; the rest is the source's
      population_2036: 170000         # a parameter of the frailty projection

A parameter's name is unique across the models, so the name alone says which model it sets, and
each page is given the overrides it declares (:func:`page_parameters`). Validation reuses each
parameter model's own fields and constraints, in pydantic's strict mode (``true`` is not a rate,
``"3000"`` is not a number). Every problem of a file is reported at once, one line each naming the
file, the key and what it allows (:class:`ScenarioError`): an unknown file key, a missing name or
description, an unknown parameter (with the closest name), a wrong type, a value out of range.

The chain's pages name two parameters differently from the parameter model: the LTC target
shares are three page parameters ``ltc_share_1`` … ``ltc_share_3``. :func:`page_items` and
:func:`model_overrides` are the one place that maps between the two.

Also here:

* the plausible range of each of the chain's assumptions (``scenarios/ranges.yml``):
  :func:`load_ranges`, :func:`resolve_ranges`;
* whole books per scenario: :func:`build_book` copies the book's sources into a scratch folder,
  executes every page that declares a parameter the scenario sets (never touching
  ``notebooks/``), adds a page listing every glued figure that differs from the baseline, marks
  every page with the scenario's name and builds the site into its own folder.
"""

from __future__ import annotations

import difflib
import json
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from types import NoneType, UnionType
from typing import Any, Callable, Iterable, Literal, Mapping, Sequence, Union, get_args, get_origin

import pandas as pd
import yaml
from annotated_types import Ge, Gt, Le, Lt
from pydantic import ValidationError

from . import paths, vocab
from .models.parameters import PARAMETER_MODELS, ChainParameters, OneOf, Parameters, parameter_model

#: The keys a scenario file may have.
FILE_KEYS = ("name", "description", "overrides")
#: Page parameters that hold one entry of a mapping parameter: ``ltc_share_1`` = ``ltc_target_share[1]``.
MAPPING_PAGE_PREFIX = {"ltc_target_share": "ltc_share_"}
#: The ranges file, and what a range end may be.
RANGES_FILE = "ranges.yml"
#: How a parameter's description says what ``None`` means: ``"…; None = <meaning>"``.
NONE_MEANS = "; None = "


class ScenarioError(ValueError):
    """A scenario (or ranges) file that cannot be used; the message names the file, key and range,
    one line per problem."""


def scenarios_dir() -> Path:
    return paths.project_root() / "scenarios"


# Each model's source values ---------------------------------------------------------------------
class Sources(dict):
    """Each parameter model's source values, by model: those given, the others read from the
    evidence (:func:`ccth_lib.models.defaults.model_defaults`) when first needed."""

    def __missing__(self, model: type[Parameters]) -> Parameters:
        from .models import defaults

        self[model] = defaults.model_defaults(model)[0]
        return self[model]


def sources_of(source: Parameters | Mapping[type[Parameters], Parameters] | None = None) -> Sources:
    """:class:`Sources` from what a caller has: nothing, one model's values (the chain's) or a mapping by model."""
    if isinstance(source, Sources):
        return source
    if source is None:
        return Sources()
    if isinstance(source, Parameters):
        return Sources({type(source): source})
    return Sources(source)


# Allowed values, read from the parameter models ------------------------------------------------
def _bounds(metadata: Iterable) -> str:
    words = []
    low = next((m for m in metadata if isinstance(m, (Ge, Gt))), None)
    high = next((m for m in metadata if isinstance(m, (Le, Lt))), None)
    if low is not None and high is not None:
        lo, hi = getattr(low, "ge", getattr(low, "gt", None)), getattr(high, "le", getattr(high, "lt", None))
        inclusive = isinstance(low, Ge) and isinstance(high, Le)
        words.append(f"from {lo:g} to {hi:g}" if inclusive else f"between {lo:g} and {hi:g}")
    elif low is not None:
        words.append(f">= {low.ge:g}" if isinstance(low, Ge) else f"> {low.gt:g}")
    elif high is not None:
        words.append(f"<= {high.le:g}" if isinstance(high, Le) else f"< {high.lt:g}")
    return " ".join(words)


def _field(name: str):
    """The parameter model field a page parameter sets, and the mapping entry (or ``None``)."""
    field_name, key = (name, None) if parameter_model(name) is not None else page_parameter_field(name)
    if field_name is None:
        raise KeyError(f"{name!r} is not a model parameter")
    return parameter_model(field_name).model_fields[field_name], field_name, key


def describe(name: str) -> tuple[str, str | None]:
    """A model parameter's description in words, and what ``None`` means for it (``None`` if
    nothing): both from its field's description, ``"words; None = meaning"``."""
    f, _, _ = _field(name)
    words, _, meaning = (f.description or name).partition(NONE_MEANS)
    return words, meaning or None


def _optional(ann) -> tuple[Any, bool]:
    """``X | None`` → ``(X, True)``; any other annotation → ``(ann, False)``."""
    if get_origin(ann) in (Union, UnionType):
        args = [a for a in get_args(ann) if a is not NoneType]
        if len(args) == 1 and len(get_args(ann)) == 2:
            return args[0], True
    return ann, False


def allowed(name: str) -> str:
    """What a model parameter (or page parameter such as ``ltc_share_1``) accepts, in words, from
    the parameter model's field: its type, its bounds, its choices and its description."""
    f, field_name, key = _field(name)
    if key is not None:
        return f"a number from 0 to 1 (one entry of {field_name}: {f.description})"
    ann, nullable = _optional(f.annotation)
    one_of = next((m for m in f.metadata if isinstance(m, OneOf)), None)
    if one_of is not None:
        text = "one of " + ", ".join(one_of.allowed())
    elif _literal_args(ann):
        text = "one of " + ", ".join(str(a) for a in _literal_args(ann))
    elif ann is float:
        text = f"a number {_bounds(f.metadata)}".strip()
    elif ann is int:
        text = f"a whole number {_bounds(f.metadata)}".strip()
    else:
        return f"a mapping: {f.description}"
    meaning = describe(field_name)[1]
    return f"{text}, or null: {meaning}" if nullable and meaning else text


def _literal_args(ann) -> tuple:
    return get_args(ann) if get_origin(ann) is Literal else ()


# Page parameters <-> model parameters (the one place they are mapped) --------------------------
def page_parameter_field(name: str) -> tuple[str | None, int | None]:
    """The model parameter a page parameter sets: ``"target_total"`` → ``("target_total", None)``,
    ``"ltc_share_2"`` → ``("ltc_target_share", 2)``, ``"population_2036"`` → ``("population_2036",
    None)``; ``(None, None)`` if it is no model's parameter."""
    if isinstance(name, str) and parameter_model(name) is not None and name not in MAPPING_PAGE_PREFIX:
        return name, None
    for field_name, prefix in MAPPING_PAGE_PREFIX.items():
        if isinstance(name, str) and name.startswith(prefix) and name.removeprefix(prefix).isdigit():
            return field_name, int(name.removeprefix(prefix))
    return None, None


def page_items(key: str, value: Any) -> list[tuple[str, Any]]:
    """The page parameters (name, value) that carry one scenario override."""
    prefix = MAPPING_PAGE_PREFIX.get(key)
    if prefix is None:
        return [(key, value)]
    return [(f"{prefix}{k}", v) for k, v in value.items()]


def page_parameters(overrides: Mapping[str, Any], declared: Iterable[str]) -> dict[str, Any]:
    """A scenario's overrides as the parameters of one page: those the page declares, by its names."""
    declared = set(declared)
    return {name: value for key, v in overrides.items() for name, value in page_items(key, v) if name in declared}


def model_overrides(page_values: Mapping[str, Any]) -> dict[str, Any]:
    """Page parameter values (``ccth run -p``) as model-parameter overrides; ``None`` values and
    parameters of no model are left out. Mapping entries are gathered into a partial mapping
    (:func:`validate_overrides` merges it into the source's)."""
    out: dict[str, Any] = {}
    for name, value in page_values.items():
        field_name, key = page_parameter_field(name)
        if field_name is None or value is None:
            continue
        if key is None:
            out[field_name] = value
        else:
            out.setdefault(field_name, {})[key] = value
    return out


# Validation -------------------------------------------------------------------------------------
def _suggest(key: str, names: Sequence[str]) -> str:
    close = difflib.get_close_matches(key, names, n=1)
    return f" (did you mean {close[0]}?)" if close else ""


def parameter_names() -> list[str]:
    """Every model's parameters, model by model."""
    return [name for model in PARAMETER_MODELS for name in model.model_fields]


def _check_overrides(overrides: Any, sources: Sources, where: str) -> tuple[list[str], dict[str, Any], dict[type, Parameters]]:
    """Every problem of the overrides (one line each), the overrides typed, and each model they set, validated."""
    if overrides is None:
        overrides = {}
    if not isinstance(overrides, Mapping):
        return [f"{where}: overrides must be a mapping of parameter names to values, got {type(overrides).__name__}"], {}, {}
    names = parameter_names()
    order = {key: i for i, key in enumerate(overrides)}
    problems: list[tuple[int, str]] = []  # (the key's place in the file, the problem): listed in the file's order
    merged: dict[type, dict[str, Any]] = {}
    for key, value in overrides.items():
        model = parameter_model(key) if isinstance(key, str) else None
        if model is None:
            problems.append((order[key], f"{where}: key {key!r} is not a model parameter{_suggest(str(key), names)}; "
                                         f"parameters: {', '.join(names)}"))
            continue
        if key in MAPPING_PAGE_PREFIX and isinstance(value, Mapping):
            current = getattr(sources[model], key)
            if isinstance(current, Mapping):
                unknown = [k for k in value if k not in current]
                if unknown:
                    problems.append((order[key], f"{where}: {key} has no entry {unknown[0]!r}; allowed entries: {', '.join(map(str, current))}, "
                                                 f"each {allowed(MAPPING_PAGE_PREFIX[key] + str(next(iter(current))))}"))
                    continue
                value = dict(current) | dict(value)
        if key == "locality_shares" and isinstance(value, Mapping):
            want = list(vocab.localities())
            if sorted(map(str, value)) != sorted(want):
                problems.append((order[key], f"{where}: locality_shares = {dict(value)!r} must give a share for each of {', '.join(want)} "
                                             f"(allowed: {allowed('locality_shares')}, or null for the case-management cohort)"))
                continue
        merged.setdefault(model, {})[key] = value
    by_model: dict[type, Parameters] = {}
    for model, given in merged.items():
        try:
            by_model[model] = model.model_validate(sources[model].model_dump() | given, strict=True)
        except ValidationError as exc:
            for err in exc.errors():
                key = str(err["loc"][0]) if err["loc"] else None
                msg = err["msg"].removeprefix("Value error, ")
                if key not in model.model_fields:  # a check of the model as a whole
                    problems.append((min(order[k] for k in given), f"{where}: {', '.join(given)}: {msg}"))
                    continue
                entry = ".".join(str(p) for p in err["loc"][1:])
                shown = overrides[key] if key in overrides else err.get("input")
                what = f"{key}[{entry}]" if entry else key
                words = allowed(key)
                problems.append((order.get(key, len(order)),
                                 f"{where}: parameter {what}={shown!r}: {msg}" + ("" if words in msg else f" (allowed: {words})")))
    typed = {k: getattr(by_model[m], k) for m, given in merged.items() if m in by_model for k in given}
    return list(dict.fromkeys(text for _, text in sorted(problems, key=lambda p: p[0]))), typed, by_model


def validate_overrides(overrides: Any, source: Parameters | Mapping | None, where: str) -> tuple[dict[str, Any], dict[type, Parameters]]:
    """Check overrides strictly against the parameter models; return them typed, and each model
    they set with its parameters (the source's values, ``source``, and the overrides).

    ``where`` names the file (or command) in the error. Every problem is listed, one line each,
    naming its key and what it allows.
    """
    problems, typed, by_model = _check_overrides(overrides, sources_of(source), where)
    if problems:
        raise ScenarioError("\n".join(problems))
    return typed, by_model


def check_page_values(page_values: Mapping[str, Any], source: Parameters | Mapping | None, where: str) -> None:
    """Strictly validate the model parameters among a page's parameter values (``ccth run -p``).

    An entry of a mapping parameter (``ltc_share_2``) is named as the page names it."""
    problems, entries = [], set()
    for name, value in page_values.items():
        field_name, key = page_parameter_field(name)
        if key is not None and value is not None:
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
                problems.append(f"{where}: parameter {name}={value!r}: not a share (allowed: {allowed(name)})")
                entries.add(name)
    checked = model_overrides({k: v for k, v in page_values.items() if k not in entries})
    problems += _check_overrides(checked, sources_of(source), where)[0]
    if problems:
        raise ScenarioError("\n".join(problems))


@dataclass(frozen=True)
class Scenario:
    """A validated scenario: its file, name, description and overrides (typed, any model's, by
    parameter name), and the parameters of each model it sets (the chain's always)."""

    path: Path
    name: str
    description: str
    overrides: dict[str, Any]
    by_model: dict[type, Parameters] = field(repr=False)

    @property
    def slug(self) -> str:
        """The file's stem: names the scenario's output folder."""
        return self.path.stem

    @property
    def params(self) -> ChainParameters:
        """The chain's parameters with the scenario's values (the base of a sweep)."""
        return self.by_model[ChainParameters]

    def page_parameters(self, declared: Iterable[str]) -> dict[str, Any]:
        return page_parameters(self.overrides, declared)


def _where(path: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(paths.project_root()))
    except (ValueError, paths.ProjectNotFound):
        return str(path)


def load(path: str | Path, source: Parameters | Mapping | None = None) -> Scenario:
    """Read and validate a scenario file (see the module docstring): every problem at once.

    ``source``: the models' source values (the chain's, or a mapping by model); the others are
    read from the evidence when the scenario sets them."""
    path = Path(path)
    where = _where(path)
    if not path.is_file():
        raise ScenarioError(f"{where}: no such scenario file")
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ScenarioError(f"{where}: not valid YAML: {exc}") from None
    if not isinstance(doc, Mapping):
        raise ScenarioError(f"{where}: a scenario is a mapping with keys {', '.join(FILE_KEYS)}")
    problems = []
    for key in doc:
        if key not in FILE_KEYS:
            hint = (f"; {key} is a model parameter: put it under overrides" if isinstance(key, str) and parameter_model(key)
                    else f"{_suggest(str(key), FILE_KEYS)}; a scenario has {', '.join(FILE_KEYS)} (model parameters go under overrides)")
            problems.append(f"{where}: key {key!r} is not a scenario key{hint}")
    for key in ("name", "description"):
        if not isinstance(doc.get(key), str) or not doc[key].strip():
            problems.append(f"{where}: {key} must be a non-empty text, got {doc.get(key)!r}")
    sources = sources_of(source)
    found, overrides, by_model = _check_overrides(doc.get("overrides"), sources, where)
    problems += found
    if problems:
        raise ScenarioError("\n".join(problems))
    by_model.setdefault(ChainParameters, sources[ChainParameters])
    return Scenario(path.resolve(), doc["name"].strip(), " ".join(doc["description"].split()), overrides, by_model)


def scenario_files() -> list[Path]:
    """The scenario files in ``scenarios/`` (not the ranges file)."""
    return sorted(p for p in scenarios_dir().glob("*.yml") if p.name != RANGES_FILE)


# Plausible ranges ------------------------------------------------------------------------------
RANGE_KEYS = ("label", "low", "high", "values", "rationale")


def ranges_path() -> Path:
    return scenarios_dir() / RANGES_FILE


def load_ranges(path: str | Path | None = None) -> dict[str, dict]:
    """The ranges file as written: assumption (a page parameter name) → its entry."""
    path = Path(path) if path else ranges_path()
    where = _where(path)
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ScenarioError(f"{where}: cannot read the ranges: {exc}") from None
    if not isinstance(doc, Mapping):
        raise ScenarioError(f"{where}: the ranges are a mapping of assumption names to entries")
    for name, entry in doc.items():
        field_name = page_parameter_field(str(name))[0]
        if field_name is None or parameter_model(field_name) is not ChainParameters:
            raise ScenarioError(f"{where}: {name!r} is not a model parameter of the chain (page parameter names, e.g. ltc_share_1)")
        if not isinstance(entry, Mapping) or "rationale" not in entry:
            raise ScenarioError(f"{where}: {name}: an entry needs a rationale (and low/high, values, or neither)")
        unknown = [k for k in entry if k not in RANGE_KEYS]
        if unknown:
            raise ScenarioError(f"{where}: {name}: unknown key {unknown[0]!r}; keys: {', '.join(RANGE_KEYS)}")
        if ("low" in entry) != ("high" in entry) or ("values" in entry and "low" in entry):
            raise ScenarioError(f"{where}: {name}: give both low and high (a continuous range) or values (alternatives), not both")
    return dict(doc)


def source_value(source: Parameters | Mapping | None, name: str) -> Any:
    """A page parameter's value in ``source`` (``ltc_share_1`` → ``ltc_target_share[1]``): one
    model's parameters, or the models' (:func:`sources_of`)."""
    field_name, key = page_parameter_field(name)
    model = parameter_model(field_name)
    holder = source if isinstance(source, model) else sources_of(source)[model]
    value = getattr(holder, field_name)
    return value[key] if key is not None else value


def _fraction(pct) -> float:
    return float(Decimal(str(float(pct))) / 100)


def _end(spec: Any, name: str, source: ChainParameters, ev: Mapping[str, pd.DataFrame], where: str) -> tuple[Any, dict | None, str]:
    """One end of a range: (value, provenance or None, how it was set in words)."""
    from . import data

    base = source_value(source, name)
    as_fraction = isinstance(base, float) and 0 <= base <= 1 and page_parameter_field(name)[0] != "target_total"
    if spec == "source":
        return base, None, "the source's value"
    if isinstance(spec, bool) or spec is None:
        raise ScenarioError(f"{where}: {name}: a range end cannot be {spec!r}")
    if isinstance(spec, (int, float, str)):
        return spec, None, "this analysis' judgement"
    if isinstance(spec, Mapping) and set(spec) == {"figure"}:
        f = data.figure(spec["figure"], ev["figures"])
        value = _fraction(f.value) if as_fraction and f.unit == "percent" else f.value
        return value, {"source_id": f.source_id, "line_start": f.line_start, "line_end": f.line_end, "quote": f.quote}, f.measure
    if isinstance(spec, Mapping) and set(spec) == {"relative"}:
        value = float(Decimal(str(base)) * (1 + Decimal(str(spec["relative"]))))
        return value, None, f"the source's value {float(spec['relative']):+.0%}"
    if isinstance(spec, Mapping) and {"table", "column", "where"} <= set(spec):
        df = ev[spec["table"]]
        rows = df
        for col, val in spec["where"].items():
            rows = rows[rows[col] == val]
        if len(rows) != 1:
            raise ScenarioError(f"{where}: {name}: {spec['table']} has {len(rows)} rows where {spec['where']}")
        r = rows.iloc[0]
        info = data.table_info(spec["table"]).descriptor
        column = next((f for f in info["schema"]["fields"] if f.get("name") == spec["column"]), {})
        raw = float(r[spec["column"]])
        value = _fraction(raw) if as_fraction and column.get("unit") == "percent" else raw
        prov = {k: r[k] for k in ("source_id", "line_start", "line_end", "quote")}
        row_words = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in spec["where"].items())
        return value, prov, f"{info.get('title', spec['table'])}: {column.get('title', spec['column'])} ({row_words})"
    raise ScenarioError(f"{where}: {name}: a range end is 'source', a number, {{figure: ID}}, {{relative: X}} "
                        f"or {{table: T, column: C, where: {{...}}}}; got {spec!r}")


def resolve_ranges(ranges: Mapping[str, dict], ev: Mapping[str, pd.DataFrame], source: ChainParameters,
                   where: str = "scenarios/ranges.yml") -> pd.DataFrame:
    """Each assumption's range as values, with the provenance of its ends (pure, given the evidence).

    Columns: parameter (page name), field (chain parameter), label (short words), kind (``continuous``, ``discrete``
    or ``fixed``), source_value, low, high, values (the discrete alternatives, or the two ends),
    rationale, how (the ends in words), source_id / line_start / line_end / quote (the lines the
    ends are read from, when they come from the evidence and from one source).
    """
    rows = []
    for name, entry in ranges.items():
        field_name, _ = page_parameter_field(name)
        base = source_value(source, name)
        label = entry.get("label") or ChainParameters.model_fields[field_name].description
        row = {"parameter": name, "field": field_name, "label": label, "source_value": base,
               "rationale": " ".join(str(entry["rationale"]).split()),
               "low": None, "high": None, "values": None, "how": "", "source_id": None, "line_start": None, "line_end": None, "quote": ""}
        provs: list[dict] = []
        if "low" in entry:
            (lo, p_lo, how_lo), (hi, p_hi, how_hi) = (_end(entry[k], name, source, ev, where) for k in ("low", "high"))
            if not isinstance(lo, (int, float)) or not isinstance(hi, (int, float)) or lo > hi:
                raise ScenarioError(f"{where}: {name}: low ({lo!r}) must be a number no greater than high ({hi!r})")
            row |= {"kind": "continuous", "low": float(lo), "high": float(hi), "values": [float(lo), float(hi)],
                    "how": f"low: {how_lo}; high: {how_hi}"}
            provs = [p for p in (p_lo, p_hi) if p]
        elif "values" in entry:
            vals = [(_end(v, name, source, ev, where)) for v in entry["values"]]
            row |= {"kind": "discrete", "values": [v for v, _, _ in vals], "how": "alternatives"}
            provs = [p for _, p, _ in vals if p]
        else:
            row |= {"kind": "fixed", "how": "not varied"}
        if provs and len({p["source_id"] for p in provs}) == 1:
            row |= {"source_id": provs[0]["source_id"], "line_start": int(min(p["line_start"] for p in provs)),
                    "line_end": int(max(p["line_end"] for p in provs)), "quote": " … ".join(dict.fromkeys(str(p["quote"]) for p in provs))}
        rows.append(row)
    df = pd.DataFrame(rows)
    # Every value the ranges give must itself be an allowed value of the parameter.
    for r in df.itertuples():
        for v in r.values or []:
            try:
                validate_overrides(model_overrides({r.parameter: v}), source, f"{where} ({r.parameter})")
            except ScenarioError as exc:
                raise ScenarioError(str(exc)) from None
    return df


# Whole books per scenario ---------------------------------------------------------------------
#: What is not copied from the project into a scenario book's scratch folder (the rest is: the
#: book's configuration, pages, notebooks, static files and data).
NOT_BOOK_SOURCES = (".git", ".venv", "_build", "node_modules", "tests", "benchmarks", ".ci", "ccth_lib", "scenarios",
                    "__pycache__", ".pytest_cache", ".hypothesis", ".ipynb_checkpoints", "*.egg-info")
DIFF_PAGE = "book/scenario_diff"
#: Written into a scenario site, so that `ccth book` replaces only a folder it built itself.
MARKER = ".ccth-scenario-site"


def default_output(scenario: Scenario) -> Path:
    return paths.project_root() / "_build" / "scenarios" / scenario.slug


@dataclass
class BookResult:
    scenario: Scenario
    output: Path
    executed: list[str]
    diff: pd.DataFrame
    seconds: float
    timings: dict[str, float]


def page_title(path: Path) -> str:
    """A notebook's title: the text of its first heading."""
    import nbformat

    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return Path(path).stem


def scenario_pages(scenario: Scenario, folder: Path) -> list:
    """Every page that declares a parameter the scenario sets, as a page executed into ``folder``
    (a :class:`ccth_lib.notebooks.Page` whose path is there) with the scenario's values."""
    from . import notebooks

    out = []
    for pg in notebooks.pages():
        given = scenario.page_parameters(notebooks.declared_parameters(pg.template))
        if given:
            out.append(notebooks.Page(pg.name, Path(folder) / pg.path.name, pg.template, pg.parameters | given, pg.title))
    return out


def _check_output(output: Path, root: Path) -> None:
    if output.exists() and (not output.is_dir() or (any(output.iterdir()) and not (output / MARKER).is_file())):
        raise ScenarioError(f"{output} exists and is not a scenario site built by `ccth book`; choose another -o")
    if output == root or root.is_relative_to(output) or any(output.is_relative_to(root / d) for d in ("notebooks", "book", "data", "_static")):
        raise ScenarioError(f"{output}: a scenario site must not be written over the project's sources")


def _copy_sources(root: Path, dest: Path) -> None:
    import fnmatch

    def skip(name: str) -> bool:
        return any(fnmatch.fnmatch(name, pattern) for pattern in NOT_BOOK_SOURCES)

    ignore = shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints", ".pytest_cache", ".hypothesis")
    for src in sorted(root.iterdir()):
        if skip(src.name):
            continue
        if src.is_dir():
            shutil.copytree(src, dest / src.name, ignore=ignore, symlinks=True)
        else:
            shutil.copy2(src, dest / src.name)


def _configure(src: Path, scenario: Scenario) -> None:
    """The scratch copy's configuration: the scenario's name in the title, its banner on every
    page (a Sphinx template, filled from ``html_context``) and its diff page first in the contents."""
    from .page import scenario as scenario_page

    config = yaml.safe_load((src / "_config.yml").read_text(encoding="utf-8"))
    config["title"] = f"{config.get('title', '')} (scenario: {scenario.name})"
    sphinx = config.setdefault("sphinx", {}).setdefault("config", {})
    templates = list(sphinx.get("templates_path") or [])
    if "_templates" not in templates:
        templates.append("_templates")
    sphinx["templates_path"] = templates
    sphinx["html_context"] = dict(sphinx.get("html_context") or {}) | {"ccth_scenario": {
        "name": scenario.name, "description": scenario.description, "file": scenario.path.name, "diff_page": DIFF_PAGE,
    }}
    (src / "_config.yml").write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True), encoding="utf-8")
    banner = src / "_templates" / "sections" / "announcement.html"
    banner.parent.mkdir(parents=True, exist_ok=True)
    banner.write_text(scenario_page.banner_template(), encoding="utf-8")
    toc = yaml.safe_load((src / "_toc.yml").read_text(encoding="utf-8"))
    toc.setdefault("parts", []).insert(0, {"caption": "Scenario", "chapters": [{"file": DIFF_PAGE}]})
    (src / "_toc.yml").write_text(yaml.safe_dump(toc, sort_keys=False, allow_unicode=True), encoding="utf-8")


def _hide_injected(path: Path) -> None:
    import nbformat

    from . import notebooks

    nbformat.write(notebooks.hide_injected(nbformat.read(path, as_version=4)), path)


def build_book(scenario: Scenario, output: Path | None = None, *, jobs: int | None = None,
               progress: Callable[[str], None] | None = None) -> BookResult:
    """Build the whole site with ``scenario`` injected into every parameterised page, into
    ``output`` (default ``_build/scenarios/<file stem>``); see the module docstring.

    The project's own notebooks and site are never written: the book's sources are copied into a
    scratch folder, the pages are executed there, and the built site is moved into ``output``
    only once it has built. A page that fails to execute, or a build that fails, stops with a
    :class:`ScenarioError` and leaves ``output`` as it was.
    """
    from . import notebooks
    from .page import scenario as scenario_page

    say = progress or (lambda message: None)
    t0 = time.perf_counter()
    timings: dict[str, float] = {}
    root = paths.project_root()
    output = Path(output).resolve() if output else default_output(scenario)
    _check_output(output, root)
    with tempfile.TemporaryDirectory(prefix=f"ccth-scenario-{scenario.slug}-") as tmp:
        src = Path(tmp) / "book"
        src.mkdir()
        _copy_sources(root, src)
        timings["copy the sources"] = time.perf_counter() - t0
        todo = scenario_pages(scenario, src / "notebooks")
        say(f"executing {len(todo)} page(s) with the scenario's values: {', '.join(pg.name for pg in todo)}")
        t = time.perf_counter()
        failed = []
        for done in notebooks.execute_pages(todo, jobs):
            say(f"  {'ok  ' if done.ok else 'FAIL'} {done.page.name} ({done.seconds:.1f} s)" + (f": {done.error}" if done.error else ""))
            if not done.ok:
                failed.append(f"{done.page.name}: {done.error}")
        if failed:
            raise ScenarioError("the scenario stopped these pages, so nothing was built:\n" + "\n".join(failed))
        timings["execute the pages"] = time.perf_counter() - t
        for pg in todo:
            _hide_injected(pg.path)
        diff = figure_diff([(pg.name, page_title(pg.path), root / "notebooks" / pg.path.name, pg.path) for pg in todo])
        (src / (DIFF_PAGE + ".md")).write_text(scenario_page.diff_page(
            scenario.name, scenario.description, scenario.path.name, scenario_frame(scenario),
            [(pg.name, page_title(pg.path)) for pg in todo], diff), encoding="utf-8")
        _configure(src, scenario)
        say("building the site")
        t = time.perf_counter()
        out = Path(tmp) / "out"
        proc = subprocess.run(
            [str(Path(sys.executable).with_name("jupyter-book")), "build", str(src), "--path-output", str(out),
             "--warningiserror", "--keep-going"],
            capture_output=True, text=True,
        )
        if proc.returncode != 0:
            raise ScenarioError(f"the scenario site did not build (jupyter-book exit {proc.returncode}); nothing was written:\n"
                                f"{proc.stdout[-4000:]}\n{proc.stderr[-2000:]}")
        timings["build the site"] = time.perf_counter() - t
        if output.exists():
            shutil.rmtree(output)
        output.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(out / "_build" / "html"), str(output))
        (output / MARKER).write_text(json.dumps({"scenario": scenario.name, "file": str(scenario.path)}) + "\n", encoding="utf-8")
    return BookResult(scenario, output, [pg.name for pg in todo], diff, time.perf_counter() - t0, timings)


def scenario_frame(scenario: Scenario, source: Parameters | Mapping | None = None) -> pd.DataFrame:
    """The scenario's overrides, one row per page parameter: the assumption, its name, the
    sources' value and the scenario's, in words. ``source``: the models' source values (read from
    the evidence where not given)."""
    from .page.parameters import value_text

    sources = sources_of(source)

    def words(key: str, name: str, value: Any) -> str:
        meaning = describe(key)[1]
        if value is None and meaning:
            return meaning
        # value_text reads a value by its parameter's name; an LTC entry reads as the share it is
        return value_text(key if key not in MAPPING_PAGE_PREFIX else "share_", value)

    rows = []
    for key, value in scenario.overrides.items():
        for name, v in page_items(key, value):
            rows.append({"parameter": name, "assumption": describe(key)[0],
                         "source": words(key, name, source_value(sources, name)), "scenario": words(key, name, v)})
    return pd.DataFrame(rows, columns=["assumption", "parameter", "source", "scenario"])


# The figures that differ ----------------------------------------------------------------------
DIFF_COLUMNS = ["figure", "name", "baseline", "scenario", "change", "page", "page_title"]


def _records_figures(name: str, records: list) -> dict[str, Any]:
    """A glued JSON table as figures: one per numeric cell, named by the row's text cells."""
    out = {}
    for i, rec in enumerate(records):
        if not isinstance(rec, Mapping):
            continue
        keys = [str(v) for v in rec.values() if isinstance(v, str)]
        first = next(iter(rec))
        label = ", ".join(keys) if keys else f"{first.replace('_', ' ')} {rec[first]}"
        for col, v in rec.items():
            if isinstance(v, (int, float)) and not isinstance(v, bool) and (keys or col != first):
                out[f"{name} › {label} › {col}"] = v
    return out


def figures_of(glued: Mapping[str, Any]) -> dict[str, Any]:
    """A page's glued values as figures: numbers as they are, JSON tables cell by cell."""
    out: dict[str, Any] = {}
    for name, value in glued.items():
        if isinstance(value, bool):
            continue
        if isinstance(value, (int, float)):
            out[name] = value
        elif isinstance(value, str) and value[:1] in "[{":
            try:
                parsed = json.loads(value)
            except ValueError:
                continue
            if isinstance(parsed, list):
                out |= _records_figures(name, parsed)
    return out


def words(name: str) -> str:
    """A glued name for readers: ``target_total_2021_22`` → "Target total 2021/22"."""
    import re

    parts = []
    for part in name.split(" › "):
        text = re.sub(r"(20\d\d)_(\d\d)", r"\1/\2", part).replace("_", " ").strip()
        text = re.sub(r"\b(\w+)\b", lambda m: WORDS.get(m.group(1), m.group(1)), text)
        parts.append(text[:1].upper() + text[1:])
    return ": ".join(parts)


#: How the abbreviations of glued names read.
WORDS = {"pct": "(%)", "aa": "avoided admissions", "nel": "NEL", "ltc": "LTC", "ltcs": "LTCs", "1to3": "1-3", "hah": "Hospital at Home",
         "p10": "P10", "p50": "P50", "p90": "P90", "crisis": "crisis"}


def figure_diff(pages: Sequence[tuple[str, str, Path, Path]]) -> pd.DataFrame:
    """Every glued figure whose value differs between a page's baseline and scenario notebooks.

    ``pages``: (page name, page title, baseline notebook, scenario notebook). A figure present on
    one side only is listed with the other side blank.
    """
    from . import notebooks

    rows = []
    for name, title, base_nb, new_nb in pages:
        base = figures_of(notebooks.glued(base_nb)) if Path(base_nb).is_file() else {}
        new = figures_of(notebooks.glued(new_nb))
        for fig in list(dict.fromkeys([*base, *new])):
            b, s = base.get(fig), new.get(fig)
            if b == s:
                continue
            change = s - b if isinstance(b, (int, float)) and isinstance(s, (int, float)) else None
            rows.append({"figure": words(fig), "name": fig, "baseline": b, "scenario": s, "change": change, "page": name, "page_title": title})
    return pd.DataFrame(rows, columns=DIFF_COLUMNS)
