"""The ``ccth`` command: validate the evidence, execute notebooks, build the data package."""

from __future__ import annotations

from pathlib import Path
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


def _resolve_pages(names: list[str] | None):
    """Pages by name (a notebook's stem, or a path to it); all pages if none are named."""
    from . import notebooks

    everything = notebooks.pages()
    if not names:
        return everything
    by_name = {p.name: p for p in everything}
    out = []
    for name in names:
        key = Path(name).stem
        if key not in by_name:
            typer.secho(f"no page {name!r}; pages: {', '.join(by_name)}", fg=typer.colors.RED, err=True)
            raise typer.Exit(2)
        out.append(by_name[key])
    return out


@app.command()
def execute(
    names: Optional[list[str]] = typer.Argument(None, help="Page names, e.g. model_trajectory or evidence_paper (default: all)"),
    force: bool = typer.Option(False, "--force", help="Execute even pages whose inputs are unchanged"),
) -> None:
    """Execute stale pages in place with papermill, recording their input digest.

    The evidence pages are executed from one template (notebooks/_evidence.ipynb), once per
    source in data/sources/registry.csv.
    """
    from tqdm import tqdm

    from . import notebooks

    chosen = _resolve_pages(names)
    shared = notebooks.inputs_digest()
    todo = [p for p in chosen if force or notebooks.staleness(p, shared).stale]
    if not todo:
        typer.echo(f"all {len(chosen)} page(s) up to date")
        return
    for p in tqdm(todo, desc="executing pages", unit="page"):
        tqdm.write(f"executing {p.name}" + (f" (from {p.template.name}, {p.parameters})" if p.generated else ""))
        notebooks.execute_page(p)
    typer.echo(f"executed {len(todo)} of {len(chosen)} page(s)")


@app.command("check-fresh")
def check_fresh() -> None:
    """Fail if any notebook's recorded input digest differs from its current inputs."""
    from . import notebooks

    stale = notebooks.stale_notebooks()
    for p in stale:
        typer.secho(f"stale: {p.name} (its code, parameters, data/ or ccth_lib/ changed since it was executed)", err=True)
    if stale:
        typer.secho("run `ccth execute` (or `make book`)", err=True)
        raise typer.Exit(1)
    typer.echo("all notebooks up to date")


def _parse_value(text: str):
    import yaml

    return yaml.safe_load(text)


@app.command()
def run(
    name: str = typer.Argument(..., help="Notebook name or path"),
    output: Path = typer.Option(..., "-o", "--output", help="Where to write the executed notebook"),
    param: Optional[list[str]] = typer.Option(None, "-p", "--param", help="NAME=VALUE (repeatable); VALUE is YAML"),
) -> None:
    """Run one notebook with new parameters (papermill) into OUTPUT, leaving the book's copy alone."""
    from . import notebooks

    (pg,) = _resolve_pages([name])
    path = pg.template
    params = {}
    for item in param or []:
        if "=" not in item:
            typer.secho(f"parameter {item!r} must be NAME=VALUE", fg=typer.colors.RED, err=True)
            raise typer.Exit(2)
        key, value = item.split("=", 1)
        params[key.strip()] = _parse_value(value)
    if output.resolve() in (path.resolve(), pg.path.resolve()):
        typer.secho("OUTPUT must differ from the book's notebook; use `ccth execute` for that", fg=typer.colors.RED, err=True)
        raise typer.Exit(2)
    import papermill as pm

    try:
        notebooks.execute(path, output, pg.parameters | params, title=pg.title)
    except notebooks.UnknownParameter as exc:
        typer.secho(str(exc), fg=typer.colors.RED, err=True)
        raise typer.Exit(2)
    except pm.PapermillExecutionError as exc:
        typer.secho(f"{path.name}: the run stopped with {exc.ename}: {exc.evalue}; nothing was written", fg=typer.colors.RED, err=True)
        raise typer.Exit(1)
    typer.echo(f"wrote {output}")


@app.command()
def datapackage(check: bool = typer.Option(False, "--check", help="Only check that data/datapackage.json is current and valid")) -> None:
    """Write data/datapackage.json (Frictionless Data Package) from the table descriptors."""
    from . import datapackage as dp

    if check:
        current = dp.path().is_file() and dp.path().read_text(encoding="utf-8") == dp.render()
        if not current:
            typer.secho("data/datapackage.json is out of date: run `ccth datapackage`", fg=typer.colors.RED, err=True)
            raise typer.Exit(1)
    else:
        typer.echo(f"wrote {dp.write()}")
    errors = dp.validate()
    for e in errors:
        typer.secho(e, fg=typer.colors.RED, err=True)
    if errors:
        raise typer.Exit(1)
    typer.echo("data package valid")


@app.command()
def reconcile(
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="Write the whole register as CSV here"),
    all_findings: bool = typer.Option(False, "--all", help="Print every finding, not only those that differ"),
) -> None:
    """Print the reconciliation register: where the sources disagree with themselves."""
    from .models.register import load_register

    reg = load_register()
    shown = reg if all_findings else reg[reg["status"] == "differs"]
    for r in shown.itertuples():
        typer.echo(f"{r.status:8} {r.id}: stated {r.stated:g}, derived {r.derived:g} (difference {r.difference:+g}); {r.source_id} lines {r.line_start}-{r.line_end}")
    from .reconcile import counts

    c = counts(reg)
    typer.echo(f"{c['compared']} figures compared, {c['differ']} differ ({c['duplicates']} second printings and {c['by_construction']} comparisons by construction not counted)")
    if output:
        reg.to_csv(output, index=False)
        typer.echo(f"wrote {output}")


if __name__ == "__main__":  # pragma: no cover
    app()
