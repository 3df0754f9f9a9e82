"""Notebooks: thin pages, never stale, one evidence template, re-runnable with papermill parameters.

Runs with parameters are executed once per test session (the ``run`` fixture caches them), so a
notebook is started only as often as the tests need a different result from it.
"""

from __future__ import annotations

import json

import nbformat
import pytest

from ccth_lib import notebooks, sources


@pytest.fixture(scope="session")
def run(tmp_path_factory):
    """``run(page, **parameters)``: the page executed with those parameters (cached per session)."""
    cache: dict = {}
    folder = tmp_path_factory.mktemp("runs")

    def _run(name: str, **parameters):
        key = (name, json.dumps(parameters, sort_keys=True))
        if key not in cache:
            pg = notebooks.page(name)
            out = folder / f"{name}-{len(cache)}.ipynb"
            cache[key] = notebooks.execute(pg.template, out, pg.parameters | parameters, title=pg.title)
        return cache[key]

    return _run


def test_there_are_notebooks():
    assert notebooks.notebook_paths()


@pytest.mark.parametrize("path", notebooks.notebook_paths(), ids=lambda p: p.name)
def test_committed_notebook_is_fresh(path):
    """Its recorded input digest equals the digest of its current code, parameters, data/ and ccth_lib/."""
    s = notebooks.staleness(path)
    assert not s.stale, f"{path.name} is stale: data/, ccth_lib/ or its code changed since it was executed; run `make book`"


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
        lines = [line for line in src.splitlines() if line.strip() and not line.lstrip().startswith(("#", "from ", "import "))]
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


def test_papermill_run_with_a_new_parameter_changes_the_page(root, run):
    """Running the Optimity notebook for the second printing shows that printing's source lines."""
    nb = nbformat.read(run("paper_optimity_avoidability", printing=2), as_version=4)
    html = _html_outputs(nb)
    assert "lines 967–988" in html and "lines 48–51" not in html
    assert nb.metadata["ccth"]["parameters"] == {"printing": 2}
    assert "lines 48–51" in _html_outputs(nbformat.read(root / "notebooks" / "paper_optimity_avoidability.ipynb", as_version=4))


def test_invalid_parameter_value_fails_with_a_clear_error(run):
    import papermill as pm

    with pytest.raises(pm.PapermillExecutionError, match=r"parameter printing=3.*allowed values: \[1, 2\]"):
        run("paper_optimity_avoidability", printing=3)


def test_a_new_rate_changes_every_dependent_figure_and_nothing_else(root, run):
    """`-p avoidance_rate_2021_22 0.30` on the trajectory page: only the 2021/22 targets change."""
    base = notebooks.glued(root / "notebooks" / "model_trajectory.ipynb")
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


@pytest.mark.parametrize(
    "name, params",
    [
        ("model_avoidance_target", {"target_total": 3500, "ltc_share_1": 0.5}),
        ("model_case_management", {"share_1to3_ltc": 0.6, "rounding_case_management": "half_up"}),
        ("model_locality_services", {"hah_row_share": 0.5, "locality_shares": {"North": 0.3, "Central": 0.3, "South": 0.4}}),
        ("model_frailty", {"population_2036": 170000}),
    ],
)
def test_every_model_notebook_runs_with_changed_parameters(root, run, name, params):
    base = notebooks.glued(root / "notebooks" / f"{name}.ipynb")
    new = notebooks.glued(run(name, **params))
    assert new != base, f"{name}: parameters {params} changed nothing"
    if name == "model_locality_services":
        # (usually avoidable Hospital at Home + 0.5 × the shared row) / the stated usually avoidable total
        share = 100 * (new["own_usually"] + round(0.5 * new["row_usually"])) / new["usually_total"]
        assert new["hah_share_pct"] == round(share, 1)


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


def test_a_changed_csv_makes_the_page_stale_and_the_next_run_shows_it(tmp_project, root):
    """End to end in a scratch copy: edit a number, the page is stale, re-execution shows the new number."""
    import shutil

    shutil.copytree(root / "ccth_lib", tmp_project / "ccth_lib", ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_project / "notebooks").mkdir()
    nb = tmp_project / "notebooks" / "paper_optimity_avoidability.ipynb"
    shutil.copy(root / "notebooks" / nb.name, nb)
    assert not notebooks.staleness(nb).stale, "the scratch copy starts fresh"
    csv = tmp_project / "data" / "tables" / "paper_optimity_avoidability.csv"
    # Re-read the Hospital at Home row of printing 1 as 48 usually avoidable (a number printed in
    # its lines, so the data still validates): only the notebook can tell the difference.
    text = csv.read_text(encoding="utf-8")
    changed = text.replace("1,1,item,Hospital at Home,1093,48,1141", "1,1,item,Hospital at Home,48,48,1141", 1)
    assert changed != text
    csv.write_text(changed, encoding="utf-8")
    assert notebooks.staleness(nb).stale
    assert nb in notebooks.stale_notebooks()
    notebooks.execute(nb)
    assert not notebooks.staleness(nb).stale
    values = notebooks.glued(nb)
    assert values["usually_derived"] == notebooks.glued(root / "notebooks" / nb.name)["usually_derived"] - 1093 + 48
