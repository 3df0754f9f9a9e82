"""The ``ccth`` command: validate the evidence, execute notebooks, build the data package."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Optional

import typer
from typer.core import TyperCommand

app = typer.Typer(help="Shropshire Care Closer to Home evidence record: data, notebooks and book.", no_args_is_help=True)


@app.callback()
def main() -> None:
    """Shropshire Care Closer to Home evidence record."""


def _fail(message: str) -> None:
    typer.secho(message, fg=typer.colors.RED, err=True)


@app.command()
def validate(tables: Optional[list[str]] = typer.Argument(None, help="Table names (default: every table)")) -> None:
    """Validate tables against their schemas and their sources (checksums, quotes, numbers).

    Every table is checked even when others fail, and every problem is listed, one message each
    (file, line and column); a table that quotes a changed source is checked against its schema.
    Tables validated before with the same content are not validated again (a content cache).
    """
    from . import data, sources, vocab

    try:
        sources.registry()
        vocab.library()
    except (data.DataValidationError, FileNotFoundError) as exc:
        _fail(f"FAIL {exc}")
        _fail("validation stopped: every table depends on this file")
        raise typer.Exit(1)
    changed = sources.source_problems()
    for message in changed.values():
        _fail(f"FAIL {message}")
    names = tables or data.list_tables()
    failed = 0
    for name in names:
        note = ""
        try:
            try:
                rows = data.validate_table(name)
            except sources.SourceError:
                if not changed:
                    raise
                rows = data.validate_table(name, check_provenance=False)
                note = "; its quotes and numbers were not checked, its source text having changed"
        except (data.DataValidationError, sources.SourceError, KeyError, FileNotFoundError) as exc:
            failed += 1
            _fail(f"FAIL {name}: {exc.args[0] if isinstance(exc, KeyError) else exc}")
        except Exception as exc:  # noqa: BLE001 - one table's surprise must not hide the others' problems
            failed += 1
            _fail(f"FAIL {name}: {type(exc).__name__}: {exc}")
        else:
            typer.echo(f"ok   {name} ({rows} rows{note})")
    if failed or changed:
        what = [f"{failed} of {len(names)} table(s)"] if failed else []
        what += [f"{len(changed)} source text(s)"] if changed else []
        _fail(f"validation failed: {' and '.join(what)} (listed above)")
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
    jobs: int = typer.Option(0, "-j", "--jobs", help="Pages executed at once (default: one per core)"),
) -> None:
    """Execute stale pages in place with papermill, in parallel, recording the files each reads.

    A page is stale when its code, its parameters or any file it read when last executed has
    changed (see `ccth check-fresh`). The evidence pages are executed from one template
    (notebooks/_evidence.ipynb), once per source in data/sources/registry.csv. A page that fails
    is left as it was, and the command fails after the others have run.
    """
    from tqdm import tqdm

    from . import kernels, notebooks

    chosen = _resolve_pages(names)
    waves = notebooks.execution_plan(chosen, force=force)
    todo = [pw for wave in waves for pw in wave]
    if not todo:
        typer.echo(f"all {len(chosen)} page(s) up to date")
        return
    workers = max(1, min(jobs or notebooks.default_jobs(), max(len(w) for w in waves)))
    typer.echo(f"executing {len(todo)} of {len(chosen)} page(s), {workers} at a time")
    for p, why in todo:
        typer.echo(f"  {p.name}: {_reasons(why)}")
    failed = []
    cpu = 0.0
    t0 = time.perf_counter()
    with kernels.warm_kernels(), tqdm(total=len(todo), desc="executing pages", unit="page", disable=None) as bar:
        for wave in waves:  # one kernel server for every wave
            for done in notebooks.execute_pages([p for p, _ in wave], workers):
                cpu += done.cpu
                if done.ok:
                    bar.write(f"executed {done.page.name} ({done.seconds:.1f} s)")
                else:
                    failed.append(done)
                    bar.write(typer.style(f"FAIL {done.page.name}: {done.error}", fg=typer.colors.RED))
                bar.update()
            if failed:
                break  # the pages of the next waves read the notebooks of this one
    if failed:
        _fail(f"{len(failed)} of {len(todo)} page(s) failed and were left as they were: {', '.join(d.page.name for d in failed)}")
        raise typer.Exit(1)
    typer.echo(f"executed {len(todo)} of {len(chosen)} page(s) in {time.perf_counter() - t0:.1f} s ({cpu:.1f} s of CPU)")


def _reasons(reasons, shown: int = 4) -> str:
    more = len(reasons) - shown
    return "; ".join(reasons[:shown]) + (f"; and {more} more" if more > 0 else "")


@app.command("check-fresh")
def check_fresh() -> None:
    """Fail if any page is stale, naming what changed (its code, parameters, or a file it reads)."""
    from . import notebooks

    stale = notebooks.stale_pages()
    for s in stale:
        _fail(f"stale: {s.name}: {_reasons(s.reasons)}")
    if stale:
        _fail("run `ccth execute` (or `make book`)")
        raise typer.Exit(1)
    typer.echo("all notebooks up to date")


# === Scenarios: run, list, book, sweep ===
def _parse_value(text: str):
    import yaml

    return yaml.safe_load(text)


class _PagesHelp(TyperCommand):
    """A command whose --help ends with every page and the parameters it declares."""

    def format_help(self, ctx, formatter) -> None:
        self.epilog = _pages_epilog()
        super().format_help(ctx, formatter)


def _pages_epilog() -> str:
    try:
        from . import notebooks

        lines = [f"{pg.name}: {', '.join(notebooks.declared_parameters(pg.template)) or '(no parameters)'}"
                 for pg in notebooks.pages()]
    except Exception as exc:  # noqa: BLE001 - help must print even outside a project
        return f"(the pages could not be listed: {exc})"
    return "Pages and their parameters (`ccth list` adds defaults and allowed values):\n\n" + "\n\n".join(lines)


def _source_parameters():
    from .models import defaults

    return defaults.chain_defaults()[0]


def _load_scenario(path: Path, source=None):
    from . import scenarios

    try:
        return scenarios.load(path, source)
    except scenarios.ScenarioError as exc:
        _fail(str(exc))
        raise typer.Exit(2)


RUN_SUFFIXES = (".ipynb", ".html")


@app.command(cls=_PagesHelp)
def run(
    name: str = typer.Argument(..., help="Page name, e.g. model_trajectory (listed below, and by `ccth list`)"),
    param: Optional[list[str]] = typer.Option(None, "-p", "--param", help="NAME=VALUE (repeatable); VALUE is YAML; wins over --scenario"),
    scenario: Optional[Path] = typer.Option(None, "--scenario", help="A scenario file (scenarios/*.yml): its values for the parameters this page declares"),
    output: Optional[Path] = typer.Option(None, "-o", "--output",
                                          help="OUT.html (the page as one HTML file, charts working offline) or OUT.ipynb "
                                               "(the executed notebook); default _build/runs/PAGE.html"),
    progress: bool = typer.Option(True, "--progress/--no-progress", help="Show the progress bar"),
) -> None:
    """Run one page with new parameters into OUT, leaving the book's copy alone.

    The models' parameters are checked against the parameter models first (types strictly: `true`
    is not a rate): a misspelt name or a value outside its range stops before anything runs.
    """
    from . import notebooks, paths, scenarios

    (pg,) = _resolve_pages([name])
    output = output or paths.project_root() / "_build" / "runs" / f"{pg.name}{'-' + scenario.stem if scenario else ''}.html"
    if output.suffix.lower() not in RUN_SUFFIXES:
        _fail(f"OUTPUT {output} must end in .html (the page, charts included) or .ipynb (the executed notebook)")
        raise typer.Exit(2)
    given: dict = {}
    for item in param or []:
        if "=" not in item:
            _fail(f"parameter {item!r} must be NAME=VALUE")
            raise typer.Exit(2)
        key, value = item.split("=", 1)
        given[key.strip()] = _parse_value(value)
    declared = notebooks.declared_parameters(pg.template)
    unknown = sorted(set(given) - set(declared))
    if unknown:
        _fail(f"{pg.name}: unknown parameter(s) {', '.join(unknown)}; its parameters: {', '.join(declared) or 'none'} (`ccth list {pg.name}`)")
        raise typer.Exit(2)
    source = None
    if scenario or any(scenarios.page_parameter_field(k)[0] for k in given):
        source = _source_parameters()
    values = (_load_scenario(scenario, source).page_parameters(declared) if scenario else {}) | given
    try:
        if source is not None:
            scenarios.check_page_values(values, source, "ccth run" + (f" --scenario {scenario}" if scenario else ""))
    except scenarios.ScenarioError as exc:
        _fail(str(exc) + "; nothing was written")
        raise typer.Exit(1)
    if output.resolve() in (pg.template.resolve(), pg.path.resolve()):
        _fail("OUTPUT must differ from the book's notebook; use `ccth execute` for that")
        raise typer.Exit(2)
    import tempfile

    import papermill as pm

    meta = {"scenario": scenario.name} if scenario else {}
    with tempfile.TemporaryDirectory() as tmp:
        executed = Path(tmp) / f"{pg.name}.ipynb" if output.suffix.lower() == ".html" else output
        try:
            notebooks.run_page(pg, executed, values, progress=progress, metadata=meta)
        except notebooks.UnknownParameter as exc:
            _fail(str(exc))
            raise typer.Exit(2)
        except pm.PapermillExecutionError as exc:
            _fail(f"{pg.template.name}: the run stopped with {exc.ename}: {exc.evalue}; nothing was written")
            raise typer.Exit(1)
        if output.suffix.lower() == ".html":
            _write_html(executed, output, pg, values, scenario)
    typer.echo(f"wrote {output}")


def _vendor_scripts() -> list[str]:
    """The site's Vega scripts (installed by `make vendor`), in the order they must run."""
    from . import charts, paths

    root = paths.project_root()
    for folder in (root / "_vendor" / "site" / charts.VENDOR_PATH, root / charts.VENDOR_PATH):
        if all((folder / name).is_file() for name in charts.VENDOR_SCRIPTS):
            return [(folder / name).read_text(encoding="utf-8") for name in charts.VENDOR_SCRIPTS]
    _fail("the Vega scripts are not installed (run `make vendor`): an HTML page without them would show no chart")
    raise typer.Exit(1)


def _write_html(executed: Path, output: Path, pg, values: dict, scenario: Optional[Path]) -> None:
    from . import paths
    from .page.scenario import standalone_html

    css = paths.project_root() / "_static" / "ccth.css"
    note = (f"A run of the page “{pg.name}” of the SCCtH evidence & decision record with new parameters: its figures are not the "
            "book's own." if values else f"A run of the page “{pg.name}” of the SCCtH evidence & decision record, with the sources' values.")
    if scenario:
        note += f" Scenario file: {scenario.name}."
    html = standalone_html(executed, stylesheet=css.read_text(encoding="utf-8") if css.is_file() else "", scripts=_vendor_scripts(),
                           note=note, parameters=[(k, v) for k, v in values.items()])
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(html, encoding="utf-8")


@app.command("list")
def list_pages(names: Optional[list[str]] = typer.Argument(None, help="Page names (default: every page)")) -> None:
    """Print each page and its parameters: default, and what it allows (from the parameter models).

    A model parameter's default None means "the value the evidence gives", shown beside it (or
    what the page derives instead); a scenario file sets any model's parameters by the models'
    names (`ltc_target_share` for the pages' `ltc_share_1` ... `ltc_share_3`).
    """
    import papermill as pm

    from . import scenarios

    sources = scenarios.sources_of(_source_parameters())
    for pg in _resolve_pages(names):
        typer.secho(f"{pg.name}" + (f"  ({pg.title})" if pg.title else ""), bold=True)
        info = pm.inspect_notebook(str(pg.template))
        if not info:
            typer.echo("    (no parameters)")
        for pname, meta in info.items():
            field_name, _ = scenarios.page_parameter_field(pname)
            if field_name is not None:
                default = meta["default"]
                value = scenarios.source_value(sources, pname)
                meaning = scenarios.describe(field_name)[1]
                if default != "None":
                    shown = str(default)
                elif value is None and meaning:
                    shown = f"None ({meaning})"
                else:
                    shown = f"None (from the evidence: {value})"
                allowed = scenarios.allowed(pname)
            else:
                shown = str(pg.parameters.get(pname, meta["default"]))
                allowed = (meta.get("help") or "").strip() or "see the notebook"
            typer.echo(f"    {pname} = {shown}\n        allowed: {allowed}")


@app.command()
def book(
    scenario: Path = typer.Option(..., "--scenario", help="The scenario file (scenarios/*.yml)"),
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="Folder of the scenario's site (default _build/scenarios/<file name>)"),
    jobs: Optional[int] = typer.Option(None, "-j", "--jobs", help="Pages executed at once (default: one per core)"),
) -> None:
    """Build the whole site with a scenario's values in every page that declares them.

    The book's sources are copied to a scratch folder (notebooks/ and the book's own site are never
    touched); every page that declares a parameter the scenario sets is executed there with the
    scenario's values; every page shows a banner naming the scenario; a first page lists every
    glued figure that differs from the baseline (figure, baseline, scenario, change, page). A bad
    scenario file stops with every problem listed, one line each, and builds nothing.
    """
    from . import scenarios

    sc = _load_scenario(scenario)
    try:
        result = scenarios.build_book(sc, output, jobs=jobs, progress=typer.echo)
    except scenarios.ScenarioError as exc:
        _fail(str(exc))
        raise typer.Exit(1)
    n = len(result.diff)
    typer.echo(f"built the scenario “{sc.name}” in {result.seconds:.1f} s: {len(result.executed)} page(s) run with it, "
               f"{n} glued figure(s) differ from the baseline")
    typer.echo(f"site: {result.output / 'index.html'}")
    typer.echo(f"diff: {result.output / (scenarios.DIFF_PAGE + '.html')}")


def _sweep_values(spec: str, name: str):
    import numpy as np

    if ":" in spec:
        parts = spec.split(":")
        if len(parts) != 3:
            raise ValueError(f"{name}={spec}: a range is LOW:HIGH:STEPS")
        low, high, steps = _parse_value(parts[0]), _parse_value(parts[1]), _parse_value(parts[2])
        if any(isinstance(v, bool) or not isinstance(v, (int, float)) for v in (low, high)) or isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
            raise ValueError(f"{name}={spec}: LOW and HIGH must be numbers and STEPS a whole number of 1 or more")
        return [float(v) for v in np.linspace(low, high, steps)] if steps > 1 else [float(low)]
    return [_parse_value(v) for v in spec.split(",")]


@app.command()
def sweep(
    param: Optional[list[str]] = typer.Option(None, "-p", "--param",
                                              help="NAME=LOW:HIGH:STEPS (evenly spaced) or NAME=V1,V2,... (repeatable): every combination is run"),
    ranges: Optional[Path] = typer.Option(None, "--ranges", help="Vary each assumption of a ranges file (scenarios/ranges.yml) one at a time across its range"),
    steps: int = typer.Option(5, "--steps", min=2, help="Points across each continuous range of --ranges"),
    scenario: Optional[Path] = typer.Option(None, "--scenario", help="Base values: a scenario file (default: the sources' values)"),
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="CSV file to write (default: standard output)"),
    all_figures: bool = typer.Option(False, "--all-figures", help="Every derived figure of the chain, not only the main targets"),
) -> None:
    """Run the model chain over parameter ranges, all at once (the vectorised chain), into a CSV.

    One row per run: the parameters varied, then the main targets (or, with --all-figures, every
    derived figure, named <table>.<row>.<column>) and `error` (why the chain stops for that run, if
    it does). Parameter names are the pages' (`ccth list`).
    """
    import itertools
    import sys

    import pandas as pd

    from . import scenarios
    from .models import defaults
    from .models import sweep as vectorised
    from .models.parameters import ParameterError

    if not param and not ranges:
        _fail("give --param NAME=LOW:HIGH:STEPS (or NAME=V1,V2,...) at least once, or --ranges FILE")
        raise typer.Exit(2)
    evidence = defaults.chain_evidence()
    source, _ = defaults.chain_defaults(evidence)
    base = _load_scenario(scenario, source).params if scenario else source
    names = vectorised.scalar_parameters(base)
    try:
        if param:
            grid = {}
            for item in param:
                if "=" not in item:
                    raise ValueError(f"parameter {item!r} must be NAME=LOW:HIGH:STEPS or NAME=V1,V2,...")
                name, spec = (s.strip() for s in item.split("=", 1))
                if name not in names:
                    raise ValueError(f"{name} is not a parameter the chain can sweep; parameters: {', '.join(names)}")
                grid[name] = _sweep_values(spec, name)
            table = pd.DataFrame(list(itertools.product(*grid.values())), columns=list(grid))
        else:
            resolved = scenarios.resolve_ranges(scenarios.load_ranges(ranges), evidence, source, str(ranges))
            frames = []
            for r in resolved[resolved["kind"] != "fixed"].itertuples():
                values = [float(v) for v in pd.Series(range(steps)).map(lambda i: r.low + (r.high - r.low) * i / (steps - 1))] \
                    if r.kind == "continuous" else list(r.values)
                frames.append(pd.DataFrame({"varied": r.parameter, r.parameter: values}))
            table = pd.concat(frames, ignore_index=True)
            for col in table.columns.drop("varied"):
                base_value = scenarios.source_value(base, col)
                table[col] = table[col].astype(object).where(table[col].notna(), base_value)
                if not isinstance(base_value, str):
                    table[col] = table[col].astype(float if not isinstance(base_value, int) else int)
        t0 = time.perf_counter()
        result = vectorised.sweep(vectorised.chain_inputs(evidence), table.drop(columns=["varied"], errors="ignore"), base)
        seconds = time.perf_counter() - t0
    except (ValueError, ParameterError, scenarios.ScenarioError) as exc:
        _fail(str(exc))
        raise typer.Exit(2)
    figures = result.figures
    targets = [c for c in figures.columns if c != "error"] if all_figures else list(vectorised.main_targets())
    out = pd.concat([table.reset_index(drop=True), figures[targets + ["error"]]], axis=1)
    out.insert(0, "run", range(1, len(out) + 1))
    if output:
        out.to_csv(output, index=False)
        typer.echo(f"wrote {output}: {len(out):,} runs in {seconds:.3f} s", err=True)
    else:
        out.to_csv(sys.stdout, index=False)
        typer.echo(f"{len(out):,} runs in {seconds:.3f} s", err=True)
# === end of Scenarios ===


@app.command()
def datapackage(check: bool = typer.Option(False, "--check", help="Only check that data/datapackage.json is current and valid")) -> None:
    """Write data/datapackage.json (Frictionless Data Package) from the table descriptors, and validate it.

    The file is rewritten only when its content changes; validation is skipped when the package
    and every file it names are unchanged since they last validated (a content cache).
    """
    from . import datapackage as dp

    current = dp.path().is_file() and dp.path().read_text(encoding="utf-8") == dp.render()
    if check:
        if not current:
            _fail("data/datapackage.json is out of date: run `ccth datapackage`")
            raise typer.Exit(1)
    elif current:
        typer.echo(f"{dp.path()} is up to date")
    else:
        typer.echo(f"wrote {dp.write()}")
    errors = dp.validate()
    for e in errors:
        _fail(e)
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
        from .checks import shown  # stated and derived values may be texts (dates, names) as well as numbers

        diff = f" (difference {r.difference:+g})" if r.difference == r.difference else ""
        typer.echo(f"{r.status:8} {r.id}: stated {shown(r.stated)}, derived {shown(r.derived)}{diff}; {r.source_id} lines {r.line_start}-{r.line_end}")
    from .reconcile import counts

    c = counts(reg)
    typer.echo(f"{c['compared']} figures compared, {c['differ']} differ ({c['duplicates']} second printings and {c['by_construction']} comparisons by construction not counted)")
    if output:
        reg.to_csv(output, index=False)
        typer.echo(f"wrote {output}")


# ccth check and ccth trace (the register of the documents' disagreements; the audit trail of one figure)
def _located(locations: str) -> str:
    from . import sources
    from .reconcile import parse_locations

    out = []
    for loc in parse_locations(locations):
        lines = f"line {loc.line_start}" if loc.line_start == loc.line_end else f"lines {loc.line_start}-{loc.line_end}"
        out.append(f"{sources.get(loc.source_id).short_title}, {lines}")
    return "; ".join(out)


@app.command()
def check(
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="Write the whole register (every comparison) as CSV here"),
    quiet: bool = typer.Option(False, "--quiet", help="Print only new findings and the summary"),
) -> None:
    """Print the register of everything the documents disagree on; fail on a finding not reviewed.

    Every declared check of data/checks/ and every comparison the models make is run. A finding
    whose id is in data/checks/reviewed.yaml is known (its explanation is printed); any other is
    new, and the command exits 1 (2 if a check or the data cannot be read).
    """
    from . import checks, data, reconcile
    from .models.register import load_register

    try:
        reviewed = checks.load_reviewed()
        reg = load_register()
    except (checks.CheckError, data.DataValidationError) as exc:
        typer.secho(str(exc), fg=typer.colors.RED, err=True)
        raise typer.Exit(2)
    found = reconcile.disagreements(reg)
    new = [fid for fid in found["id"] if fid not in reviewed]
    titles = {k.kind: k.title for k in checks.load_checks().kinds.values()}
    for kind, part in found.groupby("kind", sort=False):
        if not quiet:
            typer.secho(f"\n{titles.get(kind, kind)} ({len(part)})", bold=True)
        for r in part.itertuples():
            is_new = r.id not in reviewed
            if quiet and not is_new:
                continue
            mark = "NEW  " if is_new else "known"
            typer.secho(f"{mark} {r.id} [{r.origin}, {r.severity}, {r.certainty}]", fg=typer.colors.RED if is_new else None)
            typer.echo(f"      {r.what}")
            typer.echo(f"      stated {checks.shown(r.stated)}; recomputed {checks.shown(r.derived)}"
                       + (f" (difference {r.difference:+g})" if r.difference == r.difference else ""))
            typer.echo(f"      where: {_located(r.locations)}")
            typer.echo(f"      {reviewed.get(r.id) or r.explanation}")
    h = reconcile.headline(reg)
    typer.echo(
        f"\n{h['comparisons']:,} comparisons; the documents disagree in {h['documents']:,} places "
        f"({h['documents_certain']:,} certain, {h['documents_probable']:,} probable); {h['artefacts']:,} artefacts of the "
        f"analysis kept apart; {h['duplicates']:,} repeats counted once"
    )
    gone = sorted(set(reviewed) - set(found["id"]))
    for fid in gone:
        typer.secho(f"reviewed but no longer found: {fid} (remove it from data/checks/reviewed.yaml)", fg=typer.colors.YELLOW)
    if output:
        reg.to_csv(output, index=False)
        typer.echo(f"wrote {output}")
    if new:
        typer.secho(f"{len(new)} new finding(s) not in data/checks/reviewed.yaml: {', '.join(new)}", fg=typer.colors.RED, err=True)
        raise typer.Exit(1)
    typer.echo("every finding is reviewed")


@app.command()
def trace(
    query: str = typer.Argument(..., help="A figure id, TABLE:ROW:COLUMN (row as in the CSV, 1 = first data row), or a value such as 4,586"),
    pages: bool = typer.Option(True, "--pages/--no-pages", help="List the pages that show it (reads the executed notebooks)"),
    derived: bool = typer.Option(True, "--derived/--no-derived", help="List what is derived from it (re-derives the register)"),
) -> None:
    """Where a figure comes from (document, lines, quote), what is derived from it, and which pages show it."""
    from . import checks, sources
    from . import trace as tr
    from .models.register import load_evidence

    ev = load_evidence()
    try:
        found = tr.targets(query, dict(ev.tables))
    except KeyError as exc:
        typer.secho(str(exc).strip("'\""), fg=typer.colors.RED, err=True)
        raise typer.Exit(2)
    if not found:
        typer.secho(f"nothing in the record matches {query!r}", fg=typer.colors.RED, err=True)
        raise typer.Exit(1)
    if len(found) > 1:
        typer.echo(f"{len(found)} figures hold {query}:")
    decl = checks.load_checks() if derived else None
    index = tr.page_index() if pages else None
    for t in found:
        src = sources.get(t.source_id)
        lines = f"line {t.line_start}" if t.line_start == t.line_end else f"lines {t.line_start}-{t.line_end}"
        typer.secho(f"\n{t.ref}", bold=True)
        typer.echo(f"  value:    {checks.shown(t.value)}" + (f" ({t.unit})" if t.unit else ""))
        typer.echo(f"  document: {src.title} ({t.source_id})")
        typer.echo(f"  lines:    {lines}")
        typer.echo(f"  quote:    “{t.quote}”")
        text = " / ".join(" ".join(x.split()) for x in sources.lines(t.source_id)[t.line_start - 1 : t.line_end][:4])
        typer.echo(f"  printed:  {text}" + (" …" if t.line_end - t.line_start >= 4 else ""))
        if derived:
            deps, errors = tr.dependents(t, ev, decl)
            typer.echo(f"  derived from it ({len(deps)}):" if deps or errors else "  derived from it: nothing")
            for d in deps:
                typer.echo(f"    {d.kind}: {d.id} — {d.what}")
                typer.echo(f"      rule: {d.rule}")
            for e in errors:
                typer.echo(f"    a change stops the models: {e}")
        if pages:
            uses = tr.pages_showing(t, index)
            typer.echo(f"  shown on ({len(uses)}):" if uses else "  shown on: no page")
            for u in uses:
                typer.echo(f"    {u.title} ({u.path}): {u.how}")


if __name__ == "__main__":  # pragma: no cover
    app()
