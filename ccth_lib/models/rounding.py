"""Rounding rules, explicit and exact (decimal arithmetic, so 1566.45 stays 1566.45).

The programme paper never says how it rounded. The rules it used are worked out from its own
numbers (see :func:`rules_reproducing`) and are parameters of every model: the default of each is
the rule that reproduces the most stated figures (:func:`choose_rule`), ties broken in the order
:data:`TIE_BREAK`.
"""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from typing import Iterable, Literal, Mapping

Rule = Literal["half_up", "half_even", "truncate", "none"]
RULES: tuple[str, ...] = ("half_up", "half_even", "truncate", "none")
#: Order in which tied rules are preferred when choosing a default from the evidence: rounding
#: half up first (what a spreadsheet's ROUND does, and what a reader assumes of a printed
#: figure), then half to even (which differs from it only on exact halves), then truncation
#: (which biases every figure down, so is chosen only when the numbers show it).
TIE_BREAK: tuple[str, ...] = ("half_up", "half_even", "truncate")
_MODES = {"half_up": ROUND_HALF_UP, "half_even": ROUND_HALF_EVEN, "truncate": ROUND_DOWN}


def _dec(x) -> Decimal:
    return x if isinstance(x, Decimal) else Decimal(str(x))


def round_value(x, rule: Rule = "half_up", places: int = 0) -> float:
    """Round ``x`` to ``places`` decimals by ``rule`` (``none`` leaves it unrounded)."""
    if rule not in RULES:
        raise ValueError(f"rounding rule {rule!r} is not one of {', '.join(RULES)}")
    if rule == "none":
        return float(x)
    q = Decimal(1).scaleb(-places)
    out = _dec(x).quantize(q, rounding=_MODES[rule])
    return float(out) if places else float(int(out))


def product(*factors) -> Decimal:
    """Exact product of the factors (as decimals of their printed values)."""
    out = Decimal(1)
    for f in factors:
        out *= _dec(f)
    return out


def rules_reproducing(raw: Iterable, stated: Iterable, places: int = 0) -> dict[str, int]:
    """For each rule, how many of the ``stated`` values it reproduces from the ``raw`` values."""
    pairs = list(zip(raw, stated))
    return {
        rule: sum(1 for r, s in pairs if round_value(r, rule, places) == float(s))
        for rule in RULES
        if rule != "none"
    }


def choose_rule(counts: Mapping[str, int]) -> str:
    """The rule reproducing the most stated figures; among equals, the first in :data:`TIE_BREAK`."""
    candidates = [r for r in TIE_BREAK if r in counts]
    unknown = sorted(set(counts) - set(TIE_BREAK))
    if unknown or not candidates:
        raise ValueError(f"counts must be given for rules among {', '.join(TIE_BREAK)}; got {sorted(counts)}")
    best = max(counts[r] for r in candidates)
    return next(r for r in candidates if counts[r] == best)
