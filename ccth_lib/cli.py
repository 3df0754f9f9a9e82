"""The ``ccth`` command: validate the evidence, execute notebooks, build the data package."""

from __future__ import annotations

from typing import Optional

import typer

app = typer.Typer(help="Shropshire Care Closer to Home evidence record: data, notebooks and book.", no_args_is_help=True)


@app.callback()
def main() -> None:
    """Shropshire Care Closer to Home evidence record."""


@app.command()
def validate(tables: Optional[list[str]] = typer.Argument(None, help="Table names (default: every table)")) -> None:
    """Validate tables against their schemas and their sources (checksums, quotes, numbers)."""
    from . import data, sources

    sources.verify_all()
    names = tables or data.list_tables()
    failed = 0
    for name in names:
        try:
            df = data.load_table(name)
        except (data.DataValidationError, KeyError, FileNotFoundError) as exc:
            failed += 1
            typer.secho(f"FAIL {name}: {exc}", fg=typer.colors.RED, err=True)
        else:
            typer.echo(f"ok   {name} ({len(df)} rows)")
    if failed:
        typer.secho(f"{failed} of {len(names)} table(s) failed validation", fg=typer.colors.RED, err=True)
        raise typer.Exit(1)
    typer.echo(f"all {len(names)} table(s) valid")


if __name__ == "__main__":  # pragma: no cover
    app()
