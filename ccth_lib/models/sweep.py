"""The programme paper's chain, vectorised over scenarios: many parameter sets in one call.

:func:`sweep` evaluates the chain of :mod:`ccth_lib.models.chain` for every row of a table of
parameters at once, with numpy arrays over the scenarios (no Python loop per scenario, no
kernel per scenario), and gives *identical* figures to :func:`ccth_lib.models.findings.run_chain`
for each row: the same figures, the same order of operations, the same rounding rules.

The rounding rules of :mod:`ccth_lib.models.rounding` are exact decimal arithmetic on the
printed values of the factors (``0.45`` is 45/100, not the binary float nearest it). Here each
product is estimated in floating point, whose error is far below one part in 10¹¹, and rounded
from the estimate; wherever the estimate lies so close to a rounding boundary (a half, or a
whole number when truncating) that the error could matter, or the rule is ``none``, that
element alone is recomputed with the exact decimal functions themselves. The result is the
exact rule's result for every element; :mod:`tests.test_sweep` checks it against
``run_chain`` for every derived figure.

Figures are named ``<table>.<row key>.<column>`` after :class:`~ccth_lib.models.findings.ChainResult`
(see :func:`flatten`), e.g. ``localities.North.hospital_at_home`` or
``trajectory.Total.2021/22.nel_avoidance_target``.

Also here (pure, over the same arrays): :func:`tornado` (each assumption swung across its
plausible range, the others held) and :func:`monte_carlo` (every assumption drawn at once).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Callable, Mapping, Sequence

import numpy as np
import pandas as pd
from annotated_types import Ge, Gt, Le, Lt

from .. import vocab
from ..data import figure
from . import findings
from .parameters import ChainParameters, ParameterError, chain_years, rate_parameter
from .rounding import RULES, _dec, product, round_value

#: Rule codes used in the arrays (index into :data:`~ccth_lib.models.rounding.RULES`).
HALF_UP, HALF_EVEN, TRUNCATE, NONE = (RULES.index(r) for r in ("half_up", "half_even", "truncate", "none"))
#: Relative size of the band around a rounding boundary within which the float estimate is not
#: trusted and the exact decimal computation is used. The estimate's own error is below 1e-15.
REL_TOL = 1e-11
LTC_PREFIX = "ltc_share_"

#: The tables of a chain result, and the columns naming a row (the other columns are figures).
TABLE_KEYS = {
    "avoidability": ["avoidability"],
    "ltc": ["ltc_count"],
    "cohort": ["locality"],
    "localities": ["locality"],
    "trajectory": ["locality", "year"],
}
TOTAL = "Total"


# Exact rounding over arrays ------------------------------------------------------------------
def round_array(est: np.ndarray, rule, places, exact: Callable[[np.ndarray], list]) -> np.ndarray:
    """Round, element by element, the decimals that ``est`` estimates, as
    :func:`~ccth_lib.models.rounding.round_value` rounds them.

    ``exact(idx)`` returns the exact decimals (``Decimal``) of the elements ``idx``; it is called
    only for elements near a rounding boundary and for the rule ``none``.
    """
    est = np.asarray(est, dtype=float)
    rule = np.broadcast_to(np.asarray(rule), est.shape)
    places = np.broadcast_to(np.asarray(places), est.shape)
    scale = np.power(10.0, places)
    y = est * scale
    fl = np.floor(y)
    frac = y - fl
    tol = np.abs(y) * REL_TOL + 1e-12
    half = (rule == HALF_UP) | (rule == HALF_EVEN)
    up = np.where(rule == HALF_UP, frac >= 0.5, frac > 0.5)
    q = fl + np.where(half, up, False)
    out = np.where(places > 0, q / scale, q)
    near = np.where(half, np.abs(frac - 0.5) <= tol, (frac <= tol) | (frac >= 1 - tol))
    check = np.nonzero(near | (rule == NONE) | ~np.isfinite(est))[0]
    if check.size:
        values = exact(check)
        out = out.copy()
        out[check] = [round_value(x, RULES[int(r)], int(p)) for x, r, p in zip(values, rule[check], places[check])]
    return out


def _as_printed(values: np.ndarray) -> Callable[[np.ndarray], list]:
    """``exact`` for a value computed in floating point and then rounded as printed (``Decimal(str(x))``)."""
    return lambda idx: [_dec(float(values[i])) for i in idx]


def _product_of(*factors) -> Callable[[np.ndarray], list]:
    """``exact`` for a product of factors (arrays over scenarios, or constants)."""
    def get(f, i):
        return f[i] if isinstance(f, np.ndarray) and f.ndim else f

    def exact(idx):
        return [product(*(float(get(f, i)) if isinstance(f, np.ndarray) else f for f in factors)) for i in idx]

    return exact


def py_round(values: np.ndarray, places: int) -> np.ndarray:
    """Python's ``round(float(x), places)`` of each element (not numpy's, which can differ)."""
    values = np.asarray(values, dtype=float)
    uniq, inverse = np.unique(values, return_inverse=True)
    return np.array([round(float(u), places) for u in uniq])[inverse].reshape(values.shape)


def pandas_sum(columns: Sequence[np.ndarray]) -> np.ndarray:
    """The sum pandas' ``Series.sum`` / ``DataFrame.sum`` gives for a few floats: in order."""
    out = np.zeros_like(np.asarray(columns[0], dtype=float))
    for c in columns:
        out = out + c
    return out


def groupby_sum(columns: Sequence[np.ndarray]) -> np.ndarray:
    """The sum pandas' ``groupby(...).sum()`` gives: Kahan-compensated, in order."""
    total = np.zeros_like(np.asarray(columns[0], dtype=float))
    comp = np.zeros_like(total)
    for c in columns:
        y = c - comp
        t = total + y
        comp = t - total - y
        total = t
    return total


# The evidence the chain reads ---------------------------------------------------------------
@dataclass(frozen=True)
class ChainInputs:
    """The evidence the chain reads, as plain numbers (see :func:`~ccth_lib.models.findings.run_chain`)."""

    avoidability: dict[str, float]
    nel_total: float
    nel_1to3: float
    ltc_nel: dict[int, float]
    population: dict[str, float]
    population_total: float
    usual_hah: float
    usual_row: float
    usual_total: float
    trajectory: pd.DataFrame  # locality, year, case_management (localities only, in printed order)


def chain_inputs(ev: Mapping[str, pd.DataFrame]) -> ChainInputs:
    nel_tbl = ev["paper_nel_avoidability"]
    nel = nel_tbl.set_index("avoidability")["admissions"]
    total_label = nel_tbl.loc[nel_tbl["row_kind"] == "total", "avoidability"].iloc[0]
    ltc_in = ev["paper_ltc_targets"].set_index("ltc_count")["nel_admissions"].astype(float)
    pop = findings._items(ev["paper_locality_population"]).set_index("locality")["population_65plus"].astype(float)
    usual = findings._usually_avoidable(ev)
    traj = findings._items(ev["paper_trajectory"])[["locality", "year", "case_management"]].reset_index(drop=True)
    return ChainInputs(
        avoidability={k: float(nel[k]) for k in findings._items(nel_tbl)["avoidability"]},
        nel_total=float(nel[total_label]),
        nel_1to3=figure("paper_nel_1to3_ltc", ev["figures"]).value,
        ltc_nel={int(k): float(v) for k, v in ltc_in.items()},
        population={str(k): float(v) for k, v in pop.items()},
        population_total=float(pop.sum()),
        usual_hah=usual["hah"], usual_row=usual["row"], usual_total=usual["total"],
        trajectory=traj,
    )


# Parameters over scenarios ------------------------------------------------------------------
def scalar_parameters(base: ChainParameters) -> list[str]:
    """The page parameters one number or word can set: every chain parameter but the mappings,
    and one ``ltc_share_<k>`` per LTC count."""
    names = [n for n in ChainParameters.model_fields if n not in ("ltc_target_share", "locality_shares")]
    return names + [f"{LTC_PREFIX}{k}" for k in base.ltc_target_share]


def _bounds(name: str) -> tuple[float | None, float | None, bool, bool]:
    meta = ChainParameters.model_fields[name].metadata
    lo = next((m for m in meta if isinstance(m, (Ge, Gt))), None)
    hi = next((m for m in meta if isinstance(m, (Le, Lt))), None)
    return (getattr(lo, "ge", getattr(lo, "gt", None)) if lo else None, getattr(hi, "le", getattr(hi, "lt", None)) if hi else None,
            isinstance(lo, Gt), isinstance(hi, Lt))


class Params:
    """One array per parameter, over ``n`` scenarios, checked against the parameter model's own
    field constraints (types strictly: no booleans for numbers)."""

    def __init__(self, table: pd.DataFrame, base: ChainParameters):
        self.n = n = len(table)
        known = set(scalar_parameters(base)) | {"locality_shares"}
        unknown = [c for c in table.columns if c not in known]
        if unknown:
            raise ParameterError(f"unknown parameter(s) {', '.join(map(str, unknown))}; parameters: {', '.join(sorted(known))}")

        def column(name: str, default):
            if name not in table.columns:
                return np.full(n, default, dtype=object if isinstance(default, str) else float)
            values = table[name].to_numpy()
            if isinstance(default, str):
                return values.astype(object)
            if pd.api.types.is_bool_dtype(table[name]) or any(isinstance(v, (bool, np.bool_, str)) for v in values[:1000]):
                raise ParameterError(f"parameter {name}: values must be numbers, got {values[:3].tolist()}")
            return values.astype(float)

        self.target_total = column("target_total", base.target_total)
        self.ltc = {k: column(f"{LTC_PREFIX}{k}", v) for k, v in base.ltc_target_share.items()}
        self.stratification = column("stratification_per_1000", base.stratification_per_1000)
        self.share_1to3 = column("share_1to3_ltc", base.share_1to3_ltc)
        self.hah_row_share = column("hah_row_share", base.hah_row_share)
        self.rates = {y: column(rate_parameter(y), getattr(base, rate_parameter(y))) for y in chain_years()}
        self.places = column("percent_places", base.percent_places)
        rules = {}
        for name in ("rounding_counts", "rounding_case_management"):
            raw = column(name, getattr(base, name))
            bad = ~np.isin(raw, RULES)
            if bad.any():
                i = int(np.nonzero(bad)[0][0])
                raise ParameterError(f"parameter {name}={raw[i]!r} (run {i + 1}): allowed values: {', '.join(RULES)}")
            rules[name] = pd.Series(raw).map({r: i for i, r in enumerate(RULES)}).to_numpy(dtype=int)
        self.rule_counts, self.rule_cm = rules["rounding_counts"], rules["rounding_case_management"]
        self._check(base)
        self.places = self.places.astype(int)
        # Locality shares: NaN rows = from the case-management cohort (the chain's None).
        self.localities = list(vocab.localities())
        self.locality_shares = np.full((n, len(self.localities)), np.nan)
        if "locality_shares" in table.columns:
            given = [(i, v) for i, v in enumerate(table["locality_shares"]) if v is not None and v == v]
        else:
            given = []
            if base.locality_shares is not None:  # the base's shares (already validated), in every scenario
                self.locality_shares[:] = [float(base.locality_shares[loc]) for loc in self.localities]
        for i, v in given:  # a mapping per scenario (rarely varied): checked by the parameter model itself
            try:
                ChainParameters.model_validate(base.model_dump() | {"locality_shares": v}, strict=True)
            except Exception as exc:
                raise ParameterError(f"parameter locality_shares (run {i + 1}): {exc}") from None
            if sorted(v) != sorted(self.localities):
                raise ParameterError(f"parameter locality_shares (run {i + 1}): give a share for each of {', '.join(self.localities)}")
            self.locality_shares[i] = [float(v[loc]) for loc in self.localities]

    def _check(self, base: ChainParameters) -> None:
        checks: list[tuple[str, np.ndarray, str]] = [
            ("target_total", self.target_total, "target_total"),
            ("stratification_per_1000", self.stratification, "stratification_per_1000"),
            ("share_1to3_ltc", self.share_1to3, "share_1to3_ltc"),
            ("hah_row_share", self.hah_row_share, "hah_row_share"),
            ("percent_places", self.places, "percent_places"),
        ] + [(rate_parameter(y), a, rate_parameter(y)) for y, a in self.rates.items()]
        for name, values, field_name in checks:
            lo, hi, lo_open, hi_open = _bounds(field_name)
            bad = ~np.isfinite(values)
            if lo is not None:
                bad |= (values <= lo) if lo_open else (values < lo)
            if hi is not None:
                bad |= (values >= hi) if hi_open else (values > hi)
            if field_name == "percent_places":
                bad |= values != np.round(values)
            if bad.any():
                i = int(np.nonzero(bad)[0][0])
                span = f"{lo:g} to {hi:g}" if lo is not None and hi is not None else (f">= {lo:g}" if lo is not None else f"<= {hi:g}")
                whole = "a whole number " if field_name == "percent_places" else ""
                raise ParameterError(f"parameter {name}={float(values[i]):g} (run {i + 1}): allowed: {whole}{span}")
        for k, values in self.ltc.items():
            bad = ~np.isfinite(values) | (values < 0) | (values > 1)
            if bad.any():
                i = int(np.nonzero(bad)[0][0])
                raise ParameterError(f"parameter {LTC_PREFIX}{k}={float(values[i]):g} (run {i + 1}): share for {k} LTC(s), allowed range 0-1")


# The chain over scenarios --------------------------------------------------------------------
@dataclass
class SweepResult:
    """The derived figures of every scenario: one row per scenario, one column per figure
    (named as by :func:`flatten`), and ``error``: why the chain stops for that scenario (as
    ``run_chain`` would raise), else empty; a stopped scenario's figures are NaN."""

    figures: pd.DataFrame

    @property
    def ok(self) -> pd.Series:
        return self.figures["error"] == ""


def sweep(inputs: ChainInputs, table: pd.DataFrame, base: ChainParameters) -> SweepResult:
    """Evaluate the chain for every row of ``table`` (columns: page parameter names, see
    :func:`scalar_parameters`, and optionally ``locality_shares``); a missing column holds the
    value of ``base`` in every scenario."""
    p = Params(table.reset_index(drop=True), base)
    n = p.n
    out: dict[str, np.ndarray] = {}

    def const(v) -> np.ndarray:
        return np.full(n, float(v))

    # 1. NEL admissions by avoidability
    total_adm = sum(inputs.avoidability.values())
    for cat, v in inputs.avoidability.items():
        est = np.full(n, 100 * v / total_adm if total_adm else 0.0)
        out[f"avoidability.{cat}.admissions"] = const(v)
        out[f"avoidability.{cat}.share_pct"] = round_array(est, HALF_UP, p.places, _as_printed(est)) if total_adm else const(0.0)
    out[f"avoidability.{TOTAL}.admissions"] = const(total_adm)
    out[f"avoidability.{TOTAL}.share_pct"] = const(100.0)
    # 2. the target as a share
    for key, denominator in (("share_of_all_nel_pct", inputs.nel_total), ("share_of_1to3_ltc_pct", inputs.nel_1to3)):
        est = 100 * p.target_total / denominator
        out[f"target_shares.{key}"] = round_array(est, HALF_UP, p.places, _as_printed(est))
    # 3. LTC split
    for k, nel in inputs.ltc_nel.items():
        share = p.ltc[k]
        out[f"ltc.{k}.nel_admissions"] = const(nel)
        out[f"ltc.{k}.target_pct"] = py_round(100 * share, 6)
        out[f"ltc.{k}.target_aa"] = round_array(nel * share, p.rule_counts, 0, _product_of(nel, share))
    # 4. case-management cohort
    rate_est = p.stratification * 0.001 * p.share_1to3

    def cohort_exact(pop: float):
        return lambda idx: [product(pop, product(float(p.stratification[i]), "0.001", float(p.share_1to3[i]))) for i in idx]

    cm = {loc: round_array(pop * rate_est, p.rule_cm, 0, cohort_exact(pop)) for loc, pop in inputs.population.items()}
    cm_total = pandas_sum(list(cm.values()))
    safe_total = np.where(cm_total != 0, cm_total, 1.0)
    pct = {}
    for loc, v in cm.items():
        est = 100 * v / safe_total
        pct[loc] = np.where(cm_total != 0, round_array(est, HALF_UP, p.places, _as_printed(est)), 0.0)
        out[f"cohort.{loc}.population_65plus"] = const(inputs.population[loc])
        out[f"cohort.{loc}.case_management"] = v
        out[f"cohort.{loc}.population_pct"] = pct[loc]
    out[f"cohort.{TOTAL}.population_65plus"] = const(inputs.population_total)
    out[f"cohort.{TOTAL}.case_management"] = cm_total
    out[f"cohort.{TOTAL}.population_pct"] = const(100.0)
    # 5. Hospital at Home share and the locality model
    row_aa = round_array(inputs.usual_row * p.hah_row_share, p.rule_counts, 0, _product_of(inputs.usual_row, p.hah_row_share))
    hah = inputs.usual_hah + row_aa
    est = 100 * hah / inputs.usual_total
    hah_pct = round_array(est, HALF_UP, p.places, _as_printed(est))
    est = 100 - hah_pct
    crisis_pct = round_array(est, HALF_UP, p.places, _as_printed(est))
    out |= {"hah.hah_row_aa": row_aa, "hah.hah_admissions": hah, "hah.hah_share_pct": hah_pct, "hah.crisis_share_pct": crisis_pct}
    from_cohort = np.isnan(p.locality_shares[:, 0])
    shares = {}
    for j, loc in enumerate(p.localities):
        shares[loc] = np.where(from_cohort, pct.get(loc, np.zeros(n)) / 100, p.locality_shares[:, j])
    share_sum = pandas_sum([shares[loc] for loc in p.localities])
    error = np.where(from_cohort & (np.abs(share_sum - 1) > 0.0015), "share_sum", "")
    columns = {"share_pct": [], "target_aa": [], "hospital_at_home": [], "crisis_response_step_up": []}
    for loc in p.localities:
        s = shares[loc]
        target = round_array(p.target_total * s, p.rule_counts, 0, _product_of(p.target_total, s))
        values = {
            "share_pct": py_round(100 * s, 6),
            "target_aa": target,
            "hospital_at_home": round_array(target * hah_pct * 0.01, p.rule_counts, 0, _product_of(target, hah_pct, "0.01")),
            "crisis_response_step_up": round_array(target * crisis_pct * 0.01, p.rule_counts, 0, _product_of(target, crisis_pct, "0.01")),
        }
        for col, v in values.items():
            out[f"localities.{loc}.{col}"] = v
            columns[col].append(v)
    out[f"localities.{TOTAL}.share_pct"] = py_round(pandas_sum(columns["share_pct"]), 6)
    for col in ("target_aa", "hospital_at_home", "crisis_response_step_up"):
        out[f"localities.{TOTAL}.{col}"] = pandas_sum(columns[col])
    # 6. trajectory
    by_year: dict[str, list[np.ndarray]] = {}
    cm_year: dict[str, int] = {}
    for r in inputs.trajectory.itertuples(index=False):
        rate = p.rates[r.year]
        target = round_array(r.case_management * rate, p.rule_counts, 0, _product_of(int(r.case_management), rate))
        out[f"trajectory.{r.locality}.{r.year}.case_management"] = const(r.case_management)
        out[f"trajectory.{r.locality}.{r.year}.rate"] = rate
        out[f"trajectory.{r.locality}.{r.year}.nel_avoidance_target"] = target
        by_year.setdefault(r.year, []).append(target)
        cm_year[r.year] = cm_year.get(r.year, 0) + int(r.case_management)
    for year, targets in by_year.items():
        out[f"trajectory.{TOTAL}.{year}.case_management"] = const(cm_year[year])
        out[f"trajectory.{TOTAL}.{year}.rate"] = p.rates[year]
        out[f"trajectory.{TOTAL}.{year}.nel_avoidance_target"] = groupby_sum(targets)
    frame = pd.DataFrame(out)
    stopped = error != ""
    if stopped.any():
        frame.loc[stopped, :] = np.nan
        words = [f"locality population shares must sum to 100%, they sum to {100 * s:.2f}%" for s in share_sum[stopped]]
        error = error.astype(object)
        error[stopped] = words
    frame["error"] = error
    return SweepResult(frame)


def flatten(result: findings.ChainResult) -> dict[str, float]:
    """Every derived figure of a :func:`~ccth_lib.models.findings.run_chain` result, named as the
    sweep names them: every column of every table but the row's key, and the scalar figures."""
    out: dict[str, float] = {}
    for table, keys in TABLE_KEYS.items():
        df = getattr(result, table)
        for rec in df.to_dict("records"):
            label = ".".join(str(rec[k]) for k in keys)
            for col, v in rec.items():
                if col not in keys:
                    out[f"{table}.{label}.{col}"] = float(v)
    out |= {f"target_shares.{k}": float(v) for k, v in result.target_shares.items()}
    out |= {f"hah.{k}": float(v) for k, v in result.hah.items()}
    return out


def table_of(figures: Mapping[str, Any], table: str) -> pd.DataFrame:
    """One table of one scenario's figures (a row of :attr:`SweepResult.figures`) in long form:
    the row key columns, then one column per figure column."""
    keys = TABLE_KEYS[table]
    rows: dict[tuple, dict] = {}
    for name, v in figures.items():
        if not isinstance(name, str) or not name.startswith(table + "."):
            continue
        parts = name[len(table) + 1:].split(".")
        # the year contains no dot; a key never contains one
        key, col = tuple(parts[: len(keys)]), parts[len(keys)]
        rows.setdefault(key, dict(zip(keys, key)))[col] = v
    return pd.DataFrame(list(rows.values()))


# Main targets -----------------------------------------------------------------------------------
def main_targets() -> dict[str, str]:
    """The figures the sensitivity and uncertainty pages follow: figure name → words."""
    last = chain_years()[-1]
    out = {f"localities.{TOTAL}.target_aa": "Avoided admissions a year, all localities"}
    for loc in vocab.localities():
        out[f"localities.{loc}.hospital_at_home"] = f"Hospital at Home, {loc}"
    for loc in vocab.localities():
        out[f"localities.{loc}.crisis_response_step_up"] = f"Crisis Response/Step up beds, {loc}"
    out[f"trajectory.{TOTAL}.{last}.nel_avoidance_target"] = f"NEL avoidance target {last}, county"
    return out


# Tornado: one assumption at a time ------------------------------------------------------------
def _value_of(base: ChainParameters, name: str):
    if name.startswith(LTC_PREFIX):
        return base.ltc_target_share[int(name.removeprefix(LTC_PREFIX))]
    return getattr(base, name)


def tornado(inputs: ChainInputs, base: ChainParameters, ranges: pd.DataFrame, targets: Mapping[str, str]) -> pd.DataFrame:
    """Each target's value as each assumption takes each value of its range, the others held at
    ``base``; one row per (target, assumption) with the lowest and highest values reached.

    ``ranges``: rows with ``parameter``, ``kind`` (continuous/discrete/fixed) and ``values``.
    Columns: target, figure, parameter, kind, base, low_value, high_value (the range's ends, or
    the alternatives giving the lowest and highest results), at_low, at_high (the target at
    those), lowest, highest, swing (highest − lowest), low_change_pct and high_change_pct (the
    change from base at the low and high end, % of base).
    """
    varied = ranges[ranges["kind"] != "fixed"].reset_index(drop=True)
    rows, meta = [{}], [("base", None)]
    for r in varied.itertuples():
        for v in r.values:
            rows.append({r.parameter: v})
            meta.append((r.parameter, v))
    table = pd.DataFrame(rows)
    # a column that is missing in a row holds the base value
    for col in table.columns:
        table[col] = table[col].where(table[col].notna(), _value_of(base, col))
        if col.startswith("rounding"):
            table[col] = table[col].astype(object)
    res = sweep(inputs, table, base).figures
    out = []
    for fig, words in targets.items():
        b = float(res.loc[0, fig])
        for r in varied.itertuples():
            idx = [i for i, (name, _) in enumerate(meta) if name == r.parameter]
            vals = [meta[i][1] for i in idx]
            results = [float(res.loc[i, fig]) for i in idx]
            if r.kind == "continuous":
                lo_v, hi_v, at_lo, at_hi = vals[0], vals[-1], results[0], results[-1]
            else:
                order = sorted(range(len(vals)), key=lambda j: results[j])
                lo_v, hi_v, at_lo, at_hi = vals[order[0]], vals[order[-1]], results[order[0]], results[order[-1]]
            lowest, highest = min(results + [b]), max(results + [b])
            out.append({
                "target": words, "figure": fig, "parameter": r.parameter, "kind": r.kind, "base": b,
                "low_value": lo_v, "high_value": hi_v, "at_low": at_lo, "at_high": at_hi,
                "lowest": lowest, "highest": highest, "swing": highest - lowest,
                "low_change_pct": 100 * (at_lo - b) / b if b else np.nan,
                "high_change_pct": 100 * (at_hi - b) / b if b else np.nan,
            })
    return pd.DataFrame(out)


# Monte Carlo: every assumption at once ---------------------------------------------------------
def draw(base: ChainParameters, ranges: pd.DataFrame, draws: int, seed: int) -> pd.DataFrame:
    """``draws`` scenarios: each continuous assumption drawn from a triangular distribution over
    its range with its mode at the base value (the range widened to include the base), in the
    order of ``ranges``, from ``numpy.random.default_rng(seed)``; the others at the base."""
    rng = np.random.default_rng(seed)
    cols = {}
    for r in ranges[ranges["kind"] == "continuous"].itertuples():
        mode = float(_value_of(base, r.parameter))
        lo, hi = min(float(r.low), mode), max(float(r.high), mode)
        cols[r.parameter] = np.full(draws, mode) if lo == hi else rng.triangular(lo, mode, hi, size=draws)
    return pd.DataFrame(cols)


QUANTILES = {"p10": 0.1, "p50": 0.5, "p90": 0.9}


def quantiles(figures: pd.DataFrame, names: Sequence[str]) -> pd.DataFrame:
    """P10, P50 and P90 of each figure over the scenarios that ran (values that occurred:
    the inverted empirical distribution, so a count stays a whole number)."""
    ok = figures[figures["error"] == ""]
    rows = []
    for name in names:
        values = ok[name].to_numpy(dtype=float)
        q = np.quantile(values, list(QUANTILES.values()), method="inverted_cdf")
        rows.append({"figure": name, **dict(zip(QUANTILES, map(float, q)))})
    return pd.DataFrame(rows)


def monte_carlo(inputs: ChainInputs, base: ChainParameters, ranges: pd.DataFrame, draws: int, seed: int) -> SweepResult:
    """The chain for ``draws`` scenarios drawn by :func:`draw`."""
    return sweep(inputs, draw(base, ranges, draws, seed), base)
