"""Method and plausibility: where the documents' derivations do not hold, quantified.

Each function takes the inputs a check of ``data/checks/method.yaml`` or
``data/checks/plausibility.yaml`` declares (``inp.value(name)``: a stated figure or cell with its
lines; ``inp.table(name)``; ``inp.params``: the chain's parameters; ``inp.options``) and returns
its comparisons: dicts with ``key``, ``what``, ``stated`` (what the document states or uses),
``derived`` (what its own figures give), ``method`` (the rule, with the numbers), ``location``
(where the stated value is printed), ``locations``, ``inputs``, optionally ``relation`` and
``tolerance``, and ``detail`` (a table for the register page). Pure: no file is read here.
"""

from __future__ import annotations

import itertools
from decimal import Decimal

import pandas as pd

from ..reconcile import Location
from . import chain
from .rounding import product, round_value


def _n(v: float, places: int = 0) -> str:
    return f"{v:,.{places}f}"


def _locs(*values) -> list[Location]:
    return [v.location for v in values]


def _refs(*values) -> list[str]:
    return [v.ref for v in values if v.ref]


def _at(row, table: str, column: str) -> Location:
    cell_lines = row.get("cell_lines") if hasattr(row, "get") else None
    if isinstance(cell_lines, str):
        for part in cell_lines.split(";"):
            name, _, line = part.strip().partition("=")
            if name == column and line.strip().split("-")[0].isdigit():
                a, _, b = line.strip().partition("-")
                return Location(str(row["source_id"]), int(a), int(b or a))
    return Location(str(row["source_id"]), int(row["line_start"]), int(row["line_end"]))


# Method ------------------------------------------------------------------------------------------
def case_management_method(inp) -> list[dict]:
    """The stated case-management method (about 240 per 1,000 registered are the 65+, about 50% of
    them with 1–3 LTCs) against the table's numbers, which take 240 per 1,000 *of the 65+*."""
    per_1000, share, pop, stated = (inp.value(k) for k in ("per_1000", "share_pct", "population_65plus", "case_management"))
    as_written = float(round_value(product(pop.value, share.value, "0.01"), "half_up"))
    as_tabled = float(product(pop.value, per_1000.value, "0.001", share.value, "0.01"))
    registered = float(pop.value) / (float(per_1000.value) / 1000)
    return [{
        "key": "cohort",
        "what": "Numbers for case management (county): the table against its own stated method",
        "stated": float(stated.value), "derived": as_written, "location": stated.location,
        "locations": _locs(per_1000, share, pop), "inputs": _refs(stated, per_1000, share, pop),
        "method": (
            f"the text says the 65+ are about {_n(per_1000.value)} per 1,000 registered and about {_n(share.value)}% of them have 1–3 LTCs: "
            f"{_n(share.value)}% × {_n(pop.value)} (65+) = {_n(as_written)}. The table's {_n(stated.value)} is {_n(pop.value)} × "
            f"{_n(per_1000.value)}/1,000 × {_n(share.value)}% = {_n(as_tabled, 2)}, i.e. it applies the 65+ share of the registered population "
            f"({_n(per_1000.value)} per 1,000, which implies {_n(registered)} registered) to the 65+ a second time"
        ),
    }]


def one_ltc_share(inp) -> list[dict]:
    """The share (45%) the paper uses as the share of the cohort with one LTC, against the share its own
    admissions give, and the Hospital at Home share that follows from each."""
    assumed, hah_stated, row, own, usual = (inp.value(k) for k in ("assumed_pct", "hah_share_pct", "shared_row", "hah_row", "usually_total"))
    ltc = inp.table(inp.options.get("ltc_table", "paper_ltc_targets")).sort_values("ltc_count")
    one, total = float(ltc.iloc[0]["nel_admissions"]), float(ltc["nel_admissions"].sum())
    places = inp.params.percent_places
    share = float(Decimal(str(one)) / Decimal(str(total)))
    share_pct = round_value(100 * share, "half_up", places)
    target_share = round_value(100 * float(ltc.iloc[0]["target_aa"]) / float(ltc["target_aa"].sum()), "half_up", places)
    first_row = ltc.iloc[0]
    with_share = chain.hospital_at_home_share(own.value, row.value, usual.value, inp.params.with_overrides(hah_row_share=share))
    return [
        {
            "key": "share",
            "what": f"Share of the 1–3 LTC cohort with one LTC: the {assumed.value:g}% assumed against the paper's own admissions (%)",
            "stated": float(assumed.value), "derived": share_pct, "location": assumed.location,
            "locations": [_at(first_row, "paper_ltc_targets", "nel_admissions")], "inputs": _refs(assumed),
            "method": (
                f"{_n(one)} of the {_n(total)} NEL admissions with 1–3 LTCs have one LTC = {share_pct:g}%; the {assumed.value:g}% is the target rate of "
                f"admission avoidance for people with one LTC (the LTC table), not a share of the cohort (one LTC is {target_share:g}% of the target)"
            ),
        },
        {
            "key": "hah_share",
            "what": f"Hospital at Home share of the services (%): with {assumed.value:g}% against with the admissions' one-LTC share",
            "stated": float(hah_stated.value), "derived": float(with_share["hah_share_pct"]), "location": hah_stated.location,
            "locations": _locs(own, row, usual), "inputs": _refs(hah_stated, own, row, usual),
            "method": (
                f"({_n(own.value)} + {share_pct:g}% × {_n(row.value)} = {_n(with_share['hah_row_aa'])}) / {_n(usual.value)} × 100 = "
                f"{with_share['hah_share_pct']:g}%, against ({_n(own.value)} + {assumed.value:g}% × {_n(row.value)}) / {_n(usual.value)} = {hah_stated.value:g}% as printed"
            ),
        },
    ]


def _trajectory_rates(traj: pd.DataFrame) -> pd.DataFrame:
    items = traj[traj["row_kind"] != "total"]
    g = items.groupby("year", sort=False)[["nel_avoidance_target", "case_management"]].sum()
    g["rate_pct"] = 100 * g["nel_avoidance_target"] / g["case_management"]
    return g


def method_rates_base(inp) -> list[dict]:
    """The method printed under Appendix A sets each year's target at a rate "of these figures",
    the NEL admissions with 1–3 LTCs: each year's rate × those admissions, against the table's
    stated total, and the base the table's totals imply at those rates."""
    base = inp.value("base")
    rates = inp.values("rates")
    traj = inp.table(inp.options.get("trajectory_table", "paper_trajectory"))
    totals = traj[traj["row_kind"] == "total"].reset_index()
    if len(rates) != len(totals):
        raise ValueError(f"{len(rates)} method rates for {len(totals)} years of the table")
    out = []
    for rate, (_, t) in zip(rates, totals.iterrows()):
        derived = float(round_value(product(base.value, rate.value, "0.01"), "half_up"))
        implied = float(t["nel_avoidance_target"]) / (float(rate.value) / 100)
        out.append({
            "key": t["year"].replace("/", "_"),
            "what": f"NEL avoidance target, Total, {t['year']}: the table against the method's rate of the NEL admissions with 1–3 LTCs",
            "stated": float(t["nel_avoidance_target"]), "derived": derived,
            "location": _at(t, "paper_trajectory", "nel_avoidance_target"), "locations": _locs(rate, base),
            "inputs": _refs(rate, base) + [f"paper_trajectory:{int(t['index']) + 1}:nel_avoidance_target"],
            "method": (
                f"{rate.value:g}% × {_n(base.value)} = {_n(derived)}; at {rate.value:g}% the table's {_n(t['nel_avoidance_target'])} "
                f"implies a base of {_n(implied)} admissions"
            ),
        })
    return out


def yield_per_case_managed(inp) -> list[dict]:
    """Admissions avoided per case-managed person a year that the main model implies (target ÷
    cohort) against the rates Appendix A assumes."""
    target, cohort = inp.value("target"), inp.value("cohort")
    traj = inp.table(inp.options.get("trajectory_table", "paper_trajectory"))
    rates = _trajectory_rates(traj)
    implied = round_value(100 * float(target.value) / float(cohort.value), "half_up", 1)
    top_year = rates["rate_pct"].idxmax()
    top = traj[(traj["year"] == top_year) & (traj["row_kind"] == "total")].iloc[0]
    listing = ", ".join(f"{y}: {r:.0f}%" for y, r in rates["rate_pct"].items())
    return [{
        "key": "yield",
        "what": "Avoided admissions per case-managed person a year (%): Appendix A's highest rate against the main model's",
        "stated": float(round(rates.loc[top_year, "rate_pct"], 1)), "derived": implied,
        "location": _at(top, "paper_trajectory", "nel_avoidance_target"), "locations": _locs(target, cohort),
        "inputs": _refs(target, cohort),
        "method": (
            f"the main model avoids {_n(target.value)} admissions a year with {_n(cohort.value)} people case-managed = {implied:g}% per person; "
            f"Appendix A's own figures use {listing} (NEL target ÷ case management, localities summed)"
        ),
    }]


def trajectory_target(inp) -> list[dict]:
    """Whether the Appendix A trajectory reaches the annual target by its last year."""
    target, cohort = inp.value("target"), inp.value("cohort")
    traj = inp.table(inp.options.get("trajectory_table", "paper_trajectory"))
    totals = traj[traj["row_kind"] == "total"]
    last = totals.iloc[-1]
    rates = _trajectory_rates(traj)
    top = float(rates["rate_pct"].max())
    at_cohort = float(round_value(float(cohort.value) * top / 100, "half_up"))
    listing = ", ".join(f"{r.year}: {_n(r.nel_avoidance_target)}" for r in totals.itertuples())
    return [{
        "key": "reach",
        "what": f"Appendix A's NEL avoidance target for {last['year']} (its last year) against the annual target",
        "stated": float(last["nel_avoidance_target"]), "derived": float(target.value), "relation": ">=",
        "location": _at(last, "paper_trajectory", "nel_avoidance_target"), "locations": _locs(target, cohort),
        "inputs": _refs(target, cohort) + [f"paper_trajectory:{int(totals.index[-1]) + 1}:nel_avoidance_target"],
        "method": (
            f"Appendix A totals by year: {listing}; the circa {_n(target.value)} target is never reached. Even the main text's {_n(cohort.value)} "
            f"case-managed people at Appendix A's highest rate ({top:.0f}%) give {_n(at_cohort)}"
        ),
    }]


def reproduce_4586(inp) -> list[dict]:
    """Whether 4,586 (Optimity: 385 fewer cases per 5,000 head of the 65+) can be reproduced from
    any population the papers print."""
    stated, rate = inp.value("stated"), inp.value("rate_per_5000")
    per_head = float(rate.value) / 5000
    rows = []
    for p in inp.values("populations"):
        rows.append({"population": p.label, "value": float(p.value), "implied": float(p.value) * per_head,
                     "source_id": p.location.source_id, "line_start": p.location.line_start, "line_end": p.location.line_end})
    detail = pd.DataFrame(rows)
    detail["difference"] = float(stated.value) - detail["implied"]
    best = detail.loc[detail["difference"].abs().idxmin()]
    needed = float(stated.value) / per_head
    return [{
        "key": "population",
        "what": f"{_n(stated.value)} admission avoidances (Optimity) against {_n(rate.value)} per 5,000 of the closest population in the papers",
        "stated": float(stated.value), "derived": float(round_value(best["implied"], "half_up")), "location": stated.location,
        "locations": [rate.location] + [Location(r["source_id"], int(r["line_start"]), int(r["line_end"])) for r in rows],
        "inputs": _refs(stated, rate),
        "method": (
            f"{_n(stated.value)} needs a population of {_n(needed)} ({_n(stated.value)} × 5,000 / {_n(rate.value)}); "
            + "; ".join(f"{r['population']} {_n(r['value'])} gives {_n(r['implied'])}" for r in rows)
            + f". The closest is {best['population']}"
        ),
        "detail": detail.assign(needed=needed),
    }]


def appendix_a_arrangements(inp) -> list[dict]:
    """Appendix A Table 1's rate headings: every assignment of the printed rates to the year
    columns, and how many of the table's locality cells each reproduces (case management × rate)."""
    import re

    spec = inp.options["header"]
    sid = spec["source_id"]
    a, _, b = str(spec["lines"]).partition("-")
    lines = inp.lines[sid][int(a) - 1 : int(b or a)]
    printed = [(n, int(m.group(1))) for n, line in enumerate(lines, start=int(a)) for m in re.finditer(r"(\d+)%\s*NEL", line)]
    rates = [r for _, r in printed]
    traj = inp.table(inp.options.get("trajectory_table", "paper_trajectory"))
    items = traj[traj["row_kind"] != "total"]
    years = list(dict.fromkeys(traj["year"]))
    rule = inp.params.rounding_counts
    rows = []
    for perm in dict.fromkeys(itertools.permutations(rates)):
        by_year = dict(zip(years, perm))
        hits = sum(
            round_value(product(r.case_management, by_year[r.year], "0.01"), rule) == float(r.nel_avoidance_target)
            for r in items.itertuples()
        )
        rows.append({"arrangement": ", ".join(f"{y}: {p}%" for y, p in by_year.items()), "printed_order": list(perm) == rates,
                     "cells": int(hits), "of": len(items)})
    detail = pd.DataFrame(rows).sort_values(["cells", "printed_order"], ascending=False, kind="stable").reset_index(drop=True)
    best = detail.iloc[0]
    fits = detail[detail["cells"] == len(items)]
    first_line, last_line = printed[0][0], printed[-1][0]
    return [{
        "key": "headings",
        "what": "Appendix A Table 1: the rate headings in the order the text prints them, against the rates its cells use",
        "stated": ", ".join(f"{r}%" for r in rates),
        "derived": ", ".join(p.split(": ")[1] for p in best["arrangement"].split(", ")) if len(fits) == 1 else "no single arrangement",
        "location": Location(sid, first_line, last_line),
        "locations": [Location(str(traj.iloc[0]["source_id"]), int(items["line_start"].min()), int(items["line_end"].max()))],
        "method": (
            f"the extracted header keeps no column positions, so each of the {len(detail)} assignments of the printed rates "
            f"({', '.join(f'{r}%' for r in rates)}, lines {first_line}–{last_line}) to the years {', '.join(years)} is consistent with it; "
            + "; ".join(f"{r.arrangement} reproduces {r.cells} of {r.of} locality cells" for r in detail.itertuples())
        ),
        "detail": detail,
    }]


# Plausibility ----------------------------------------------------------------------------------
def registered_population(pop_65plus: float, per_1000: float) -> float:
    """The registered population the 65+ count implies when they are ``per_1000`` per 1,000."""
    if per_1000 <= 0:
        raise ValueError(f"per_1000={per_1000!r} must be positive")
    return float(pop_65plus) / (float(per_1000) / 1000)


def _bound_value(inp, spec: dict) -> tuple[float, str, list, list]:
    if "registered_from" in spec:
        pop, per = (inp.value(k) for k in spec["registered_from"])
        v = registered_population(pop.value, per.value)
        return v, f"{spec['label']} ({_n(pop.value)} aged 65+ ÷ {_n(per.value)}/1,000 = {_n(v)})", _locs(pop, per), _refs(pop, per)
    b = inp.value(spec["input"])
    return float(b.value), f"{spec['label']} ({_n(b.value)})", _locs(b), _refs(b)


def implied_population(inp) -> list[dict]:
    """The population a stated count and prevalence imply (count ÷ prevalence), against the
    populations it must fit within (or exceed)."""
    count, prevalence = inp.value("count"), inp.value("prevalence_pct")
    implied = float(count.value) / (float(prevalence.value) / 100)
    out = []
    for spec in inp.options["bounds"]:
        bound, words, locs, refs = _bound_value(inp, spec)
        out.append({
            "key": spec["key"], "what": f"{inp.options['what']}: implied by {_n(count.value)} at {prevalence.value:g}%, against {spec['label']}",
            "stated": float(round_value(implied, "half_up")), "derived": float(round_value(bound, "half_up")), "relation": spec["relation"],
            "location": count.location, "locations": [prevalence.location, *locs], "inputs": _refs(count, prevalence) + refs,
            "method": f"{_n(count.value)} ÷ {prevalence.value:g}% = {_n(implied)}; it must be {'at most' if spec['relation'] == '<=' else 'at least'} {words}",
        })
    return out


def weighted_average(inp) -> list[dict]:
    """An area's stated rate against the population-weighted average of its parts' rates (the
    simple average shown beside it)."""
    area = inp.value("area")
    parts = [(inp.value(p["value"]), p) for p in inp.options["parts"]]
    weights = []
    total_w = None
    for v, p in parts:
        if "weight" in p:
            w, words, locs, refs = _bound_value(inp, p["weight"])
        else:
            weights.append(None)
            continue
        weights.append((w, words, locs, refs))
    if "total" in inp.options:
        total_w, total_words, total_locs, total_refs = _bound_value(inp, inp.options["total"])
    # a part without its own weight takes the rest of the total
    known = sum(w[0] for w in weights if w)
    weights = [w if w else (total_w - known, f"the rest of {total_words}: {_n(total_w - known)}", total_locs, total_refs) for w in weights]
    weighted = sum(float(v.value) * w[0] for (v, _), w in zip(parts, weights)) / sum(w[0] for w in weights)
    simple = sum(float(v.value) for v, _ in parts) / len(parts)
    return [{
        "key": "weighted",
        "what": f"{inp.options['what']}: the area's stated figure against the population-weighted average of its parts",
        "stated": float(area.value), "derived": float(round_value(weighted, "half_up", 1)), "tolerance": float(inp.options.get("tolerance", 0.5)),
        "location": area.location, "locations": [v.location for v, _ in parts] + [l for w in weights for l in w[2]],
        "inputs": _refs(area, *(v for v, _ in parts)) + [r for w in weights for r in w[3]],
        "method": (
            "weighted by population: " + " + ".join(f"{v.value:g} × {_n(w[0])}" for (v, _), w in zip(parts, weights))
            + f", ÷ {_n(sum(w[0] for w in weights))} = {weighted:.1f}; the simple average of the parts is {simple:.1f}. Weights: "
            + "; ".join(f"{p['label']}: {w[1]}" for (_, p), w in zip(parts, weights))
        ),
    }]


def per_unit(inp) -> list[dict]:
    """A population shared among a stated number of units, against the size a stated range allows."""
    pop, count, bound = inp.value("population"), inp.value("count"), inp.value("bound")
    size = float(pop.value) / float(count.value)
    rel = inp.options.get("relation", "<=")
    return [{
        "key": "size", "what": inp.options["what"], "stated": float(round_value(size, "half_up")), "derived": float(bound.value), "relation": rel,
        "location": count.location, "locations": _locs(pop, bound), "inputs": _refs(pop, count, bound),
        "method": f"{_n(pop.value)} ÷ {_n(count.value)} = {_n(size)}, against {'at most' if rel == '<=' else 'at least'} {_n(bound.value)} ({bound.label})",
    }]


def rate_per_100k(inp) -> list[dict]:
    """A stated rate per 100,000 a year against the rate a stated count over a stated period gives."""
    rate, count, pop = inp.value("rate"), inp.value("count"), inp.value("population")
    years = float(inp.options["years"])
    derived = float(count.value) / years / float(pop.value) * 100000
    return [{
        "key": "rate", "what": inp.options["what"], "stated": float(rate.value), "derived": float(round_value(derived, "half_up", 1)),
        "tolerance": float(inp.options.get("tolerance", 0)), "location": rate.location, "locations": _locs(count, pop),
        "inputs": _refs(rate, count, pop),
        "method": f"{_n(count.value)} deaths ÷ {years:g} years ÷ {_n(pop.value)} × 100,000 = {derived:.1f} a year ({inp.options.get('note', '')})".replace(" ()", ""),
    }]


def signs(inp) -> list[dict]:
    """The amounts of a table the document calls investment, counted by sign."""
    table = inp.options["table"]
    df = inp.table(table)
    cols = [c for c in df.columns if c.startswith("fy")]
    values = df[cols].stack().astype(float)
    negative = int((values < 0).sum())
    first = df.iloc[0]
    return [{
        "key": "sign", "what": inp.options["what"], "stated": float(negative), "derived": 0.0,
        "location": Location(str(first["source_id"]), int(df["line_start"].min()), int(df["line_end"].max())),
        "inputs": [f"{table}:{i + 1}:{c}" for i in range(len(df)) for c in cols],
        "method": f"{negative} of the table's {len(values)} amounts are printed negative (" + ", ".join(_n(v) for v in values if v < 0) + f"); {inp.options['expected']}",
    }]


def rounding_consistency(inp) -> list[dict]:
    """The paper's derived counts against the rounding rule most of them follow: every stated
    count the chain re-derives (:func:`~ccth_lib.models.findings.rounding_cases`) whose unrounded
    value the rules round differently, each against the rule that reproduces the most of them."""
    from . import findings
    from .evidence import CHAIN_TABLES
    from .rounding import TIE_BREAK, choose_rule

    ev = {n: inp.table(n) for n in CHAIN_TABLES} | {"figures": inp.table("figures").set_index("id", drop=False)}
    cases = findings.rounding_cases(ev, inp.params)
    telling = cases[cases[list(TIE_BREAK)].nunique(axis=1) > 1]
    if telling.empty:
        return []
    fits = {rule: int((telling[rule] == telling["stated"]).sum()) for rule in TIE_BREAK}
    rule = choose_rule(fits)
    shown = ", ".join(f"{r} {fits[r]}" for r in TIE_BREAK)
    out = []
    for c in telling.itertuples():
        loc = Location(str(c.source_id), int(c.line_start), int(c.line_end))
        out.append({
            "key": f"{c.parameter.removeprefix('rounding_')} {c.label}",
            "what": f"{c.figures}, {c.label}: the stated count against the paper's rounding",
            "stated": float(c.stated), "derived": float(getattr(c, rule)), "location": loc,
            "method": f"{c.calculation} = {c.raw:,.3f}, rounded {rule.replace('_', ' ')} (the rule {fits[rule]} of the paper's "
                      f"{len(telling)} counts that the rules round differently follow; {shown})",
        })
    return out


FUNCTIONS = {
    "case_management_method": case_management_method,
    "one_ltc_share": one_ltc_share,
    "method_rates_base": method_rates_base,
    "yield_per_case_managed": yield_per_case_managed,
    "trajectory_target": trajectory_target,
    "reproduce_4586": reproduce_4586,
    "appendix_a_arrangements": appendix_a_arrangements,
    "implied_population": implied_population,
    "weighted_average": weighted_average,
    "per_unit": per_unit,
    "rate_per_100k": rate_per_100k,
    "signs": signs,
    "rounding_consistency": rounding_consistency,
}
