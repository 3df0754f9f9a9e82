"""Notebooks: thin pages, never stale, one evidence template, re-runnable with papermill parameters.

Every page is executed once per test run, whatever the number of worker processes (the ``run``
fixture: the first worker that needs a run makes it, the others wait for it and reuse it). That
one execution is compared, output by output and numbers exactly, with the committed notebook
(what nbval did), and the parameter tests compare their runs with it. Runs with parameters are
made once each in the same way.

A page records the files it reads when it runs (``metadata.ccth.inputs``); the tests here check
that it records those and only those, and that a change to one of them, and only to one of them,
makes the page stale, naming the file.
"""

from __future__ import annotations

import configparser
import contextlib
import hashlib
import json
import os
import re
import shutil
from pathlib import Path

import nbformat
import pytest
from conftest import ROOT, file_lock

from ccth_lib import notebooks, sources

PAGES = notebooks.pages()


@pytest.fixture(scope="session")
def run(shared_tmp):
    """``run(page, **parameters)``: the page executed with those parameters, once per test run.

    A run that fails raises the same :class:`papermill.PapermillExecutionError` to every test
    that asks for it.
    """
    import papermill as pm

    folder = shared_tmp / "runs"

    def _run(name: str, **parameters):
        with _project(ROOT):  # the book's pages, even inside a test that works on a scratch copy
            return _in_project(name, parameters)

    def _in_project(name: str, parameters: dict):
        pg = notebooks.page(name)
        params = pg.parameters | parameters
        key = hashlib.sha256(json.dumps([name, params], sort_keys=True, default=str).encode()).hexdigest()[:12]
        out = folder / f"{name}-{key}.ipynb"
        failed = folder / f"{name}-{key}.error.json"
        with file_lock(folder / f"{name}-{key}.lock"):
            if not out.is_file() and not failed.is_file():
                try:
                    notebooks.execute(pg.template, out, params, title=pg.title)
                except pm.PapermillExecutionError as exc:
                    fields = ("cell_index", "exec_count", "source", "ename", "evalue", "traceback")
                    failed.write_text(json.dumps({f: getattr(exc, f) for f in fields}), encoding="utf-8")
        if failed.is_file():
            raise pm.PapermillExecutionError(**json.loads(failed.read_text(encoding="utf-8")))
        return out

    return _run


@contextlib.contextmanager
def _project(root: Path):
    saved = os.environ.get("CCTH_ROOT")
    os.environ["CCTH_ROOT"] = str(root)
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("CCTH_ROOT", None)
        else:
            os.environ["CCTH_ROOT"] = saved


# ---------------------------------------------------------------------------------------------
# The committed notebooks


def test_there_are_notebooks():
    assert notebooks.notebook_paths()


@pytest.mark.parametrize("path", notebooks.notebook_paths(), ids=lambda p: p.name)
def test_committed_notebook_is_fresh(path):
    """Its code, parameters and every file it read are what they were when it was executed."""
    s = notebooks.staleness(path)
    assert not s.stale, f"{path.name} is stale: {'; '.join(s.reasons)}; run `ccth execute` (or `make book`)"


@pytest.mark.parametrize("path", notebooks.notebook_paths(), ids=lambda p: p.name)
def test_notebook_has_a_parameters_cell_and_no_errors(path):
    nb = nbformat.read(path, as_version=4)
    assert any("parameters" in c.get("metadata", {}).get("tags", []) for c in nb.cells)
    for c in nb.cells:
        for o in c.get("outputs", []):
            assert o.get("output_type") != "error", f"{path.name} has an error output"


def _own_notebooks():
    return [pg.template for pg in notebooks.pages() if not pg.generated] + [notebooks.evidence_pages()[0].template]


@pytest.mark.parametrize("path", _own_notebooks(), ids=lambda p: p.name)
def test_notebooks_are_thin_and_their_prose_is_markdown(path):
    """A page is a parameters cell, one setup cell, one-call display cells and markdown prose."""
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code" and "injected-parameters" not in c.metadata.get("tags", [])]
    for c in code:
        src = c.source
        assert "Markdown(" not in src and "HTML(" not in src and "display(" not in src, f"{path.name}: prose or HTML built in code:\n{src}"
        tags = c.metadata.get("tags", [])
        if "parameters" in tags:
            continue
        lines = [line for line in src.splitlines() if line.strip() and not line.lstrip().startswith(("#", "from ", "import "))
                 and line.strip() != "reject_unknown_parameters()"]
        limit = 8 if "remove-cell" in tags else 1
        assert len(lines) <= limit, f"{path.name}: a {'setup' if limit > 1 else 'display'} cell of {len(lines)} lines:\n{src}"
    assert sum(1 for c in nb.cells if c.cell_type == "markdown") >= 3


def test_the_evidence_pages_come_from_one_template():
    generated = notebooks.evidence_pages()
    assert [pg.parameters["source_id"] for pg in generated] == list(sources.registry())
    template = generated[0].template
    for pg in generated:
        assert pg.template == template and pg.path.name == f"{sources.get(pg.parameters['source_id']).page}.ipynb"
        nb = nbformat.read(pg.path, as_version=4)
        assert nb.metadata["ccth"]["parameters"] == pg.parameters
        assert nb.cells[0].source == f"# Evidence: {sources.get(pg.parameters['source_id']).short_title}"


# ---------------------------------------------------------------------------------------------
# Executing a page reproduces its committed outputs (what nbval did, one execution per page)


def _sanitisers() -> list[tuple[re.Pattern, str]]:
    """tests/nbval_sanitize.cfg: only genuinely random parts of outputs, never numbers."""
    cfg = configparser.ConfigParser()
    cfg.read(Path(__file__).with_name("nbval_sanitize.cfg"), encoding="utf-8")
    return [(re.compile(cfg[s]["regex"]), cfg[s]["replace"]) for s in cfg.sections()]


SANITISERS = _sanitisers()


def _sanitise(text: str) -> str:
    for rx, replace in SANITISERS:
        text = rx.sub(replace, text)
    return text


def _comparable(nb) -> list[tuple[int, list[dict]]]:
    """Every code cell's outputs, as compared: type, stream text, every MIME bundle and metadata."""
    cells = []
    for i, c in enumerate(nb.cells):
        if c.cell_type != "code":
            continue
        outs = []
        for o in c.get("outputs", []):
            kind = o["output_type"]
            if kind == "stream":
                outs.append({"stream": o["name"], "text": _sanitise(o["text"])})
            elif kind == "error":
                outs.append({"error": o["ename"], "value": _sanitise(o["evalue"])})
            else:
                data = {k: _sanitise(v if isinstance(v, str) else json.dumps(v, sort_keys=True)) for k, v in o.get("data", {}).items()}
                outs.append({"type": kind, "data": data, "metadata": _sanitise(json.dumps(o.get("metadata", {}), sort_keys=True))})
        cells.append((i, outs))
    return cells


def _first_difference(a: str, b: str, context: int = 70) -> str:
    """Where two texts first differ, with a little context: committed …x… / executed …y…."""
    i = next((k for k, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
    start = max(0, i - context)
    return f"committed …{a[start : i + context]!r}…\n    executed  …{b[start : i + context]!r}…"


def _difference(committed, fresh) -> str | None:
    """The first output that differs, said briefly (or None when every output is the same)."""
    a, b = _comparable(committed), _comparable(fresh)
    if len(a) != len(b):
        return f"{len(a)} code cells committed, {len(b)} executed"
    for (i, x), (_, y) in zip(a, b):
        if x == y:
            continue
        where = f"cell {i}:\n{nb_source(committed, i)}\n  "
        if len(x) != len(y):
            return where + f"{len(x)} outputs committed, {len(y)} executed"
        for k, (ox, oy) in enumerate(zip(x, y)):
            for key in sorted(set(ox) | set(oy)):
                vx, vy = ox.get(key), oy.get(key)
                if isinstance(vx, dict) and isinstance(vy, dict):
                    for mime in sorted(set(vx) | set(vy)):
                        if vx.get(mime) != vy.get(mime):
                            return where + f"output {k}, {mime}:\n    " + _first_difference(str(vx.get(mime)), str(vy.get(mime)))
                elif vx != vy:
                    return where + f"output {k}, {key}:\n    " + _first_difference(str(vx), str(vy))
    return None


def nb_source(nb, i: int) -> str:
    return "    " + "\n    ".join(nb.cells[i].source.splitlines()[:5])


@pytest.mark.notebooks
@pytest.mark.parametrize("pg", PAGES, ids=lambda p: p.name)
def test_executing_a_page_reproduces_its_committed_outputs(pg, run):
    """Executed again (from its template, with its parameters), every output is as committed."""
    fresh = nbformat.read(run(pg.name), as_version=4)
    committed = nbformat.read(pg.path, as_version=4)
    problem = _difference(committed, fresh)
    assert problem is None, f"{pg.name}: {problem}"


def test_the_comparison_sees_a_changed_number():
    """The comparison itself: one digit changed in one output is a difference, a random id is not."""
    nb = nbformat.read(notebooks.page("paper_optimity_avoidability").path, as_version=4)
    changed = nbformat.from_dict(json.loads(json.dumps(nb)))
    cell = next(c for c in changed.cells if c.cell_type == "code" and any("text/html" in o.get("data", {}) for o in c.outputs))
    out = next(o for o in cell.outputs if "text/html" in o.get("data", {}))
    html = out.data["text/html"]
    digit = re.search(r">\d", html)
    out.data["text/html"] = html[: digit.start() + 1] + str((int(html[digit.start() + 1]) + 1) % 10) + html[digit.start() + 2 :]
    assert _difference(nb, changed) is not None
    assert _sanitise("altair-viz-" + "0" * 32) == _sanitise("altair-viz-" + "f" * 32)


# ---------------------------------------------------------------------------------------------
# Digests: what a page reads


def test_digest_changes_with_data(tmp_project, root):
    (tmp_project / "ccth_lib").mkdir()
    before = notebooks.inputs_digest()
    csv = tmp_project / "data" / "tables" / "paper_optimity_avoidability.csv"
    csv.write_text(csv.read_text() + "\n")
    assert notebooks.inputs_digest() != before


def test_digest_changes_with_parameters():
    nb = nbformat.read(notebooks.notebook_paths()[0], as_version=4)
    assert notebooks.notebook_digest(nb, {}, "x") != notebooks.notebook_digest(nb, {"printing": 2}, "x")
    assert notebooks.notebook_digest(nb, {}, "x") == notebooks.notebook_digest(nb, {}, "x")


@pytest.mark.notebooks
def test_a_page_records_the_files_it_reads_and_only_those(run):
    """The Optimity page reads its table, its source text and its modules; no other table."""
    inputs = nbformat.read(run("paper_optimity_avoidability"), as_version=4).metadata["ccth"]["inputs"]
    for needed in (
        "data/tables/paper_optimity_avoidability.csv",
        "data/tables/paper_optimity_avoidability.resource.yaml",
        "data/tables/_shared.yaml",
        "data/sources/registry.csv",
        f"data/sources/{sources.get('paper-2018-10').file}",
        "ccth_lib/page/optimity.py",
        "ccth_lib/page/table.py",
        "ccth_lib/page/templates/table.html.j2",
    ):
        assert needed in inputs, f"{needed} is not recorded"
    assert "data/tables/strategy_objectives.csv" not in inputs
    assert f"data/sources/{sources.get('strategy-2020-21').file}" not in inputs
    assert not any(k.endswith("/") for k in inputs), "it lists no folder"
    assert not any(k.split("/")[0] in notebooks.NOT_INPUTS or k.startswith("notebooks/") for k in inputs)
    assert all(v != notebooks.ABSENT for v in inputs.values())
    assert all(re.fullmatch(r"[0-9a-f]{16}", v) for v in inputs.values())


@pytest.mark.notebooks
def test_a_page_that_lists_the_tables_records_the_listing(run):
    inputs = nbformat.read(run("evidence_catalogue"), as_version=4).metadata["ccth"]["inputs"]
    assert "data/tables/" in inputs
    assert "data/tables/strategy_objectives.csv" in inputs


def _scratch_with_runs(tmp_project, root, run, names) -> Path:
    """A scratch project (data, ccth_lib, templates) holding this run's executions of ``names``."""
    shutil.copytree(root / "ccth_lib", tmp_project / "ccth_lib", ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_project / "notebooks").mkdir()
    shutil.copy(root / "notebooks" / notebooks.EVIDENCE_TEMPLATE, tmp_project / "notebooks")
    for name in names:
        shutil.copy(run(name), tmp_project / "notebooks" / f"{name}.ipynb")
    return tmp_project / "notebooks"


def _append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


@pytest.mark.notebooks
def test_only_the_pages_that_read_a_changed_file_are_stale_and_it_is_named(tmp_project, root, run):
    folder = _scratch_with_runs(tmp_project, root, run, ["paper_optimity_avoidability", "evidence_hwbb2018"])
    optimity, hwbb = folder / "paper_optimity_avoidability.ipynb", folder / "evidence_hwbb2018.ipynb"

    def reasons():
        return {p.stem: notebooks.staleness(p).reasons for p in (optimity, hwbb)}

    assert reasons() == {"paper_optimity_avoidability": (), "evidence_hwbb2018": ()}, "a copy of the data is as fresh"
    tables = tmp_project / "data" / "tables"
    # a table neither page reads (an evidence page reads every descriptor, to find its source's
    # tables, but only its own source's CSVs)
    _append(tables / "strategy_objectives.csv", "\n")
    assert reasons() == {"paper_optimity_avoidability": (), "evidence_hwbb2018": ()}
    # a table only the Optimity page reads
    _append(tables / "paper_optimity_avoidability.csv", "\n")
    assert reasons() == {
        "paper_optimity_avoidability": ("data/tables/paper_optimity_avoidability.csv changed",),
        "evidence_hwbb2018": (),
    }
    # a descriptor: every page that reads it
    _append(tables / "paper_optimity_avoidability.resource.yaml", "# a comment\n")
    assert reasons()["evidence_hwbb2018"] == ("data/tables/paper_optimity_avoidability.resource.yaml changed",)
    # a new table: the evidence pages list the tables, the Optimity page does not
    shutil.copy(tables / "strategy_objectives.csv", tables / "strategy_zz_new.csv")
    assert "a file was added to or removed from data/tables/" in reasons()["evidence_hwbb2018"]
    assert "a file was added to or removed from data/tables/" not in reasons()["paper_optimity_avoidability"]
    # a module only the Optimity page imports
    _append(tmp_project / "ccth_lib" / "page" / "optimity.py", "# a comment\n")
    assert "ccth_lib/page/optimity.py changed" in reasons()["paper_optimity_avoidability"]
    assert "ccth_lib/page/optimity.py changed" not in reasons()["evidence_hwbb2018"]
    # its code
    nb = nbformat.read(optimity, as_version=4)
    nb.cells[-1].source += "\n"
    nbformat.write(nb, optimity)
    assert "its code changed" in reasons()["paper_optimity_avoidability"]


@pytest.mark.notebooks
def test_check_fresh_names_the_input_that_changed(tmp_project, root, run):
    from typer.testing import CliRunner

    from ccth_lib.cli import app

    # every page of the scratch copy: the Optimity page and the evidence pages (from the template)
    _scratch_with_runs(tmp_project, root, run, ["paper_optimity_avoidability"] + [p.name for p in notebooks.evidence_pages()])
    res = CliRunner().invoke(app, ["check-fresh"])
    assert res.exit_code == 0, res.output
    _append(tmp_project / "data" / "tables" / "paper_optimity_avoidability.csv", "")  # same bytes: fresh
    assert CliRunner().invoke(app, ["check-fresh"]).exit_code == 0
    csv = tmp_project / "data" / "tables" / "paper_optimity_avoidability.csv"
    csv.write_text(csv.read_text(encoding="utf-8").replace("Hospital at Home,1093,", "Hospital at Home,48,", 1), encoding="utf-8")
    res = CliRunner().invoke(app, ["check-fresh"])
    assert res.exit_code == 1
    assert "stale: paper_optimity_avoidability: data/tables/paper_optimity_avoidability.csv changed" in res.output


@pytest.mark.notebooks
def test_the_validation_cache_does_not_change_what_a_page_records(run, tmp_path, monkeypatch):
    """Executed with an empty validation cache (every table validated in the kernel) and with a
    full one (every table remembered), a page records the same inputs and shows the same outputs."""
    warm = nbformat.read(run("evidence_hwbb2018"), as_version=4)
    monkeypatch.setenv("CCTH_CACHE_DIR", str(tmp_path / "empty-cache"))
    pg = notebooks.page("evidence_hwbb2018")
    cold = nbformat.read(notebooks.execute(pg.template, tmp_path / "cold.ipynb", pg.parameters, title=pg.title), as_version=4)
    assert any((tmp_path / "empty-cache").rglob("*.json")), "the kernel validated (and remembered) tables"
    assert cold.metadata["ccth"] == warm.metadata["ccth"]
    assert _difference(warm, cold) is None


@pytest.mark.notebooks
def test_a_changed_csv_makes_its_pages_stale_and_running_them_in_parallel_shows_it(tmp_project, root, run):
    """End to end in a scratch copy: a number re-printed; the two pages that read it are stale;
    they are executed at once, on two cores, and show the new number."""
    names = ["model_trajectory", "paper_optimity_avoidability"]
    _scratch_with_runs(tmp_project, root, run, names)
    pgs = [p for p in notebooks.pages() if p.name in names]
    assert len(pgs) == 2 and notebooks.stale_pages(pgs) == []
    base = notebooks.glued(tmp_project / "notebooks" / "paper_optimity_avoidability.ipynb")
    _reprint_hospital_at_home(tmp_project, "1094")
    stale = notebooks.stale_pages(pgs)
    assert {s.name for s in stale} == set(names)
    for s in stale:
        assert "data/tables/paper_optimity_avoidability.csv changed" in s.reasons, s.reasons
    done = list(notebooks.execute_pages(pgs, jobs=2))
    assert all(d.ok for d in done), [d.error for d in done]
    assert len({d.pid for d in done}) == 2, "two worker processes"
    first, second = sorted(done, key=lambda d: d.started)
    assert second.started < first.finished, "the two pages ran at the same time"
    assert notebooks.stale_pages(pgs) == []
    values = notebooks.glued(tmp_project / "notebooks" / "paper_optimity_avoidability.ipynb")
    assert values["usually_derived"] == base["usually_derived"] - 1093 + 1094


def _reprint_hospital_at_home(project: Path, value: str) -> None:
    """In a scratch copy, as if the programme paper printed Hospital at Home's usually avoidable
    admissions as ``value``: the source line, its checksum in the registry, the table's row and
    quote. The data stays valid; only the pages can tell the difference."""
    source = project / "data" / "sources" / sources.get("paper-2018-10").file
    lines = source.read_bytes().split(b"\n")
    assert lines[48] == b"1093"  # line 49
    lines[48] = value.encode()
    old_sha = hashlib.sha256(source.read_bytes()).hexdigest()
    source.write_bytes(b"\n".join(lines))
    registry = project / "data" / "sources" / "registry.csv"
    registry.write_text(registry.read_text(encoding="utf-8").replace(old_sha, hashlib.sha256(source.read_bytes()).hexdigest()), encoding="utf-8")
    csv = project / "data" / "tables" / "paper_optimity_avoidability.csv"
    text = csv.read_text(encoding="utf-8")
    changed = text.replace("1,1,item,Hospital at Home,1093,", f"1,1,item,Hospital at Home,{value},", 1).replace(
        "Hospital at Home 1093 48 1141", f"Hospital at Home {value} 48 1141", 1
    )
    assert changed.count(value) >= 2
    csv.write_text(changed, encoding="utf-8")


# ---------------------------------------------------------------------------------------------
# Parameters


def test_unknown_parameter_is_rejected(root):
    path = root / "notebooks" / "paper_optimity_avoidability.ipynb"
    with pytest.raises(notebooks.UnknownParameter, match=r"unknown parameter\(s\) printng.*printing \(default 1\)"):
        notebooks.check_parameters(path, {"printng": 2})


def _html_outputs(nb):
    return "\n".join(
        o.get("data", {}).get("text/html", "") + o.get("data", {}).get("text/markdown", "")
        for c in nb.cells
        for o in c.get("outputs", [])
    )


@pytest.mark.notebooks
def test_papermill_run_with_a_new_parameter_changes_the_page(run):
    """Running the Optimity notebook for the second printing shows that printing's source lines."""
    nb = nbformat.read(run("paper_optimity_avoidability", printing=2), as_version=4)
    html = _html_outputs(nb)
    assert "lines 967–988" in html and "lines 48–51" not in html
    assert nb.metadata["ccth"]["parameters"] == {"printing": 2}
    assert "lines 48–51" in _html_outputs(nbformat.read(run("paper_optimity_avoidability"), as_version=4))


@pytest.mark.notebooks
def test_invalid_parameter_value_fails_with_a_clear_error(run):
    import papermill as pm

    with pytest.raises(pm.PapermillExecutionError, match=r"parameter printing=3.*allowed values: \[1, 2\]"):
        run("paper_optimity_avoidability", printing=3)


@pytest.mark.notebooks
def test_a_new_rate_changes_every_dependent_figure_and_nothing_else(run):
    """`-p avoidance_rate_2021_22 0.30` on the trajectory page: only the 2021/22 targets change."""
    base = notebooks.glued(run("model_trajectory"))
    new = notebooks.glued(run("model_trajectory", avoidance_rate_2021_22=0.30))
    assert set(base) == set(new)
    changed = {k for k in base if base[k] != new[k]}
    assert changed == {"trajectory_table", "target_total_2021_22", "differ", "agree"}
    before, after = json.loads(base["trajectory_table"]), json.loads(new["trajectory_table"])
    for b, a in zip(before, after):
        assert (b["locality"], b["year"]) == (a["locality"], a["year"])
        if b["year"] == "2021/22":
            assert a["rate"] == 0.30 and a["nel_avoidance_target"] > b["nel_avoidance_target"]
        else:
            assert a == b
    # the new target is the sum of the localities' rounded case management × 0.30
    localities = [a for a in after if a["year"] == "2021/22" and a["locality"] != "Total"]
    assert new["target_total_2021_22"] == sum(round(a["case_management"] * 0.30) for a in localities)
    # every 2021/22 target now differs from the paper's (the three localities and the total)
    assert new["differ"] == base["differ"] + 4


@pytest.mark.notebooks
@pytest.mark.parametrize(
    "name, params",
    [
        ("model_avoidance_target", {"target_total": 3500, "ltc_share_1": 0.5}),
        ("model_case_management", {"share_1to3_ltc": 0.6, "rounding_case_management": "half_up"}),
        ("model_locality_services", {"hah_row_share": 0.5, "locality_shares": {"North": 0.3, "Central": 0.3, "South": 0.4}}),
        ("model_frailty", {"population_2036": 170000}),
    ],
)
def test_every_model_notebook_runs_with_changed_parameters(run, name, params):
    base = notebooks.glued(run(name))
    new = notebooks.glued(run(name, **params))
    assert new != base, f"{name}: parameters {params} changed nothing"
    if name == "model_locality_services":
        # (usually avoidable Hospital at Home + 0.5 × the shared row) / the stated usually avoidable total
        share = 100 * (new["own_usually"] + round(0.5 * new["row_usually"])) / new["usually_total"]
        assert new["hah_share_pct"] == round(share, 1)


@pytest.mark.notebooks
def test_ccth_run_reports_bad_parameters_cleanly(tmp_path):
    from typer.testing import CliRunner

    from ccth_lib.cli import app

    out = tmp_path / "t.ipynb"
    res = CliRunner().invoke(app, ["run", "model_trajectory", "-o", str(out), "-p", "avoidance_rate_2021_22=1.5"])
    assert res.exit_code == 1
    assert "parameter avoidance_rate_2021_22=1.5" in res.output and "less than or equal to 1" in res.output
    assert "nothing was written" in res.output
    assert not out.exists()
    res = CliRunner().invoke(app, ["run", "model_trajectory", "-o", str(out), "-p", "avoidance_rat=0.3"])
    assert res.exit_code == 2 and "unknown parameter(s) avoidance_rat" in res.output


def _as_if_executed(path: Path, reads: list[str]) -> None:
    """A small notebook at ``path`` with the metadata `ccth execute` records, as if it had read
    ``reads`` (project-relative files and folders) when executed now."""
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell("x = 1")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [nbformat.v4.new_markdown_cell(f"# {path.stem}"), params]
    now = notebooks.Digests()
    inputs = {rel: now(rel) for rel in reads}
    nb.metadata["ccth"] = {
        "input_digest": notebooks.notebook_digest(nb, {}, notebooks.inputs_digest(inputs)),
        "parameters": {},
        "code": notebooks.code_digest(nb),
        "inputs": inputs,
    }
    nbformat.write(nb, path)


def test_a_page_that_reads_another_page_is_executed_after_it(tmp_project):
    """The evidence catalogue reads the other pages' notebooks: when one of them is re-executed,
    so is the catalogue, in a later wave."""
    folder = tmp_project / "notebooks"
    folder.mkdir()
    for name in ("a_page", "b_page", "catalogue"):
        (folder / f"{name}.ipynb").touch()  # the folder as it is when they are executed
    _as_if_executed(folder / "a_page.ipynb", ["data/tables/paper_optimity_avoidability.csv"])
    _as_if_executed(folder / "b_page.ipynb", ["data/tables/strategy_objectives.csv"])
    _as_if_executed(folder / "catalogue.ipynb", ["notebooks/", "notebooks/a_page.ipynb", "notebooks/b_page.ipynb"])
    mine = [p for p in notebooks.pages() if not p.generated]
    assert [p.name for p in mine] == ["a_page", "b_page", "catalogue"]
    assert notebooks.execution_plan(mine) == []
    _append(tmp_project / "data" / "tables" / "paper_optimity_avoidability.csv", "\n")
    plan = [[(p.name, why) for p, why in wave] for wave in notebooks.execution_plan(mine)]
    assert plan == [
        [("a_page", ("data/tables/paper_optimity_avoidability.csv changed",))],
        [("catalogue", ("it reads notebooks/a_page.ipynb, which is executed first",))],
    ]
    forced = [[p.name for p, _ in wave] for wave in notebooks.execution_plan(mine, force=True)]
    assert forced == [["a_page", "b_page"], ["catalogue"]]


@pytest.mark.notebooks
def test_a_kernel_that_records_nothing_writes_no_page(tmp_path, monkeypatch):
    """If the kernel did not record what it read (its start-up file ignored), the page is not
    written: it would look fresh for ever."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    params = nbformat.v4.new_code_cell("x = 1")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell("import ccth_lib.paths\nccth_lib.paths.data_dir()")]
    source = tmp_path / "small.ipynb"
    nbformat.write(nb, source)
    out = notebooks.execute(source, tmp_path / "recorded.ipynb")
    assert "ccth_lib/paths.py" in nbformat.read(out, as_version=4).metadata["ccth"]["inputs"]
    monkeypatch.setattr(notebooks, "_RECORDER", "# records nothing\n")
    with pytest.raises(RuntimeError, match="recorded no ccth_lib module"):
        notebooks.execute(source, tmp_path / "unrecorded.ipynb")
    assert not (tmp_path / "unrecorded.ipynb").exists()


@pytest.mark.parametrize("path", _own_notebooks(), ids=lambda p: p.name)
def test_every_page_checks_its_parameters_first(path):
    """Plain papermill only warns about a misspelt parameter: each page's setup cell stops the run."""
    nb = nbformat.read(path, as_version=4)
    setup = next(c for c in nb.cells if c.cell_type == "code" and "remove-cell" in c.metadata.get("tags", [])
                 and "parameters" not in c.metadata.get("tags", []) and "injected-parameters" not in c.metadata.get("tags", []))
    code = [line.strip() for line in setup.source.splitlines() if line.strip() and not line.startswith(("from ", "import ", "#"))]
    assert code[0] == "reject_unknown_parameters()", f"{path.name}: the setup cell must start by checking the parameters"
