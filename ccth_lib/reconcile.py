"""Reconciliation: where a figure the source states can be re-derived, compare the two.

A :class:`Finding` records one comparison: what was compared, the stated value (with its source
lines), the value derived by the code, and the difference. Nothing here corrects a source: a
difference is reported in the reconciliation register, never papered over.

All functions are pure: they take loaded DataFrames and return findings.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import pandas as pd


@dataclass(frozen=True)
class Finding:
    id: str
    topic: str
    what: str
    stated: float
    derived: float
    source_id: str
    lines: str
    method: str
    tolerance: float = 0.0

    @property
    def difference(self) -> float:
        """Stated minus derived."""
        return round(self.stated - self.derived, 10)

    @property
    def agrees(self) -> bool:
        return abs(self.difference) <= self.tolerance

    @property
    def status(self) -> str:
        return "agrees" if self.agrees else "differs"

    def as_row(self) -> dict:
        return asdict(self) | {"difference": self.difference, "status": self.status}


REGISTER_COLUMNS = [
    "id", "topic", "what", "stated", "derived", "difference", "status", "source_id", "lines", "method", "tolerance",
]


def register(findings: list[Finding]) -> pd.DataFrame:
    """Findings as a DataFrame in register order (ids must be unique)."""
    ids = [f.id for f in findings]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise ValueError(f"duplicate finding ids: {dupes}")
    return pd.DataFrame([f.as_row() for f in findings], columns=REGISTER_COLUMNS)


def _lines(row) -> str:
    return f"{int(row['line_start'])}-{int(row['line_end'])}"


def optimity_findings(df: pd.DataFrame) -> list[Finding]:
    """Re-add the Optimity avoidability table (both printings) and compare the copies.

    * each service row: usually + sometimes = stated total;
    * each column: sum of the service rows = the stated Total row;
    * copy 2 against copy 1, cell by cell.
    """
    findings: list[Finding] = []
    topic = "Optimity avoidability by service"
    value_cols = ["usually_avoidable", "sometimes_avoidable", "total"]
    for copy, part in df.groupby("copy", sort=True):
        services = part[part["row_kind"] == "service"]
        total_row = part[part["row_kind"] == "total"].iloc[0]
        for _, r in services.iterrows():
            findings.append(
                Finding(
                    id=f"optimity.copy{copy}.row{int(r['row_order'])}.total",
                    topic=topic,
                    what=f"Copy {copy}, {r['service']}: total = usually + sometimes avoidable",
                    stated=float(r["total"]),
                    derived=float(r["usually_avoidable"] + r["sometimes_avoidable"]),
                    source_id=str(r["source_id"]),
                    lines=_lines(r),
                    method="usually_avoidable + sometimes_avoidable",
                )
            )
        for col in value_cols:
            findings.append(
                Finding(
                    id=f"optimity.copy{copy}.total.{col}",
                    topic=topic,
                    what=f"Copy {copy}, Total row, {col.replace('_', ' ')}: sum of the service rows",
                    stated=float(total_row[col]),
                    derived=float(services[col].sum()),
                    source_id=str(total_row["source_id"]),
                    lines=_lines(total_row),
                    method=f"sum of {col} over the {len(services)} service rows",
                )
            )
    copies = sorted(df["copy"].unique())
    if len(copies) == 2:
        a = df[df["copy"] == copies[0]].set_index("row_order")
        b = df[df["copy"] == copies[1]].set_index("row_order")
        for order in a.index:
            for col in value_cols:
                findings.append(
                    Finding(
                        id=f"optimity.copy2_vs_copy1.row{int(order)}.{col}",
                        topic=topic,
                        what=f"{a.loc[order, 'service']}, {col.replace('_', ' ')}: second printing vs first",
                        stated=float(b.loc[order, col]),
                        derived=float(a.loc[order, col]),
                        source_id=str(b.loc[order, "source_id"]),
                        lines=_lines(b.loc[order]),
                        method="value in copy 2 compared with the same cell in copy 1",
                    )
                )
    return findings
