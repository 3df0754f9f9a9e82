"""Notebooks: never stale, re-runnable with papermill parameters."""

from __future__ import annotations

import nbformat
import pytest

from ccth_lib import notebooks


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


def test_digest_changes_with_data(tmp_project, root):
    (tmp_project / "ccth_lib").mkdir()
    before = notebooks.inputs_digest()
    csv = tmp_project / "data" / "tables" / "paper_optimity_avoidability.csv"
    csv.write_text(csv.read_text() + "\n")
    assert notebooks.inputs_digest() != before


def test_digest_changes_with_parameters():
    nb = nbformat.read(notebooks.notebook_paths()[0], as_version=4)
    assert notebooks.notebook_digest(nb, {}, "x") != notebooks.notebook_digest(nb, {"copy": 2}, "x")
    assert notebooks.notebook_digest(nb, {}, "x") == notebooks.notebook_digest(nb, {}, "x")


def test_unknown_parameter_is_rejected(root):
    path = root / "notebooks" / "paper_optimity_avoidability.ipynb"
    with pytest.raises(notebooks.UnknownParameter, match=r"unknown parameter\(s\) copie.*copy \(default 1\)"):
        notebooks.check_parameters(path, {"copie": 2})


def _html_outputs(nb):
    return "\n".join(
        o.get("data", {}).get("text/html", "") + o.get("data", {}).get("text/markdown", "")
        for c in nb.cells
        for o in c.get("outputs", [])
    )


def test_papermill_run_with_a_new_parameter_changes_the_page(root, tmp_path):
    """Running the Optimity notebook for the second printing shows that printing's source lines."""
    path = root / "notebooks" / "paper_optimity_avoidability.ipynb"
    out = notebooks.execute(path, tmp_path / "copy2.ipynb", {"copy": 2})
    nb = nbformat.read(out, as_version=4)
    html = _html_outputs(nb)
    assert "967–988" in html and "48–51" not in html
    assert nb.metadata["ccth"]["parameters"] == {"copy": 2}
    baseline = _html_outputs(nbformat.read(path, as_version=4))
    assert "48–51" in baseline


def test_invalid_parameter_value_fails_with_a_clear_error(root, tmp_path):
    import papermill as pm

    path = root / "notebooks" / "paper_optimity_avoidability.ipynb"
    with pytest.raises(pm.PapermillExecutionError, match=r"parameter copy=3.*allowed values: \[1, 2\]"):
        notebooks.execute(path, tmp_path / "bad.ipynb", {"copy": 3})


def test_a_new_rate_changes_every_dependent_figure_and_nothing_else(root, tmp_path):
    """`-p avoidance_rate_2021_22 0.30` on the trajectory page: only the 2021/22 targets change."""
    import json

    path = root / "notebooks" / "model_trajectory.ipynb"
    base = notebooks.glued(path)
    out = notebooks.execute(path, tmp_path / "traj.ipynb", {"avoidance_rate_2021_22": 0.30})
    new = notebooks.glued(out)
    assert set(base) == set(new)
    changed = {k for k in base if base[k] != new[k]}
    assert changed == {"trajectory_table", "target_total_2021_22", "n_differ"}
    before, after = json.loads(base["trajectory_table"]), json.loads(new["trajectory_table"])
    for b, a in zip(before, after):
        assert (b["locality"], b["year"]) == (a["locality"], a["year"])
        if b["year"] == "2021/22":
            assert a["rate"] == 0.30 and a["nel_avoidance_target"] > b["nel_avoidance_target"]
        else:
            assert a == b
    # 7,607 × 0.30 = 2,282.1 over the localities 736 + 777 + 769
    assert new["target_total_2021_22"] == 736 + 777 + 769
    # every 2021/22 target now differs from the paper's (4 more findings differ)
    assert new["n_differ"] == base["n_differ"] + 4


def test_every_model_notebook_runs_with_changed_parameters(root, tmp_path):
    runs = {
        "model_avoidance_target": {"target_total": 3500, "ltc_share_1": 0.5},
        "model_case_management": {"share_1to3_ltc": 0.6, "rounding_case_management": "half_up"},
        "model_locality_services": {"hah_row_share": 0.5, "locality_shares": {"North": 0.3, "Central": 0.3, "South": 0.4}},
        "model_frailty": {"population_2036": 170000},
        "model_finance": {"chart_table": "strategy_efficiency_acute"},
    }
    for name, params in runs.items():
        path = root / "notebooks" / f"{name}.ipynb"
        base = notebooks.glued(path)
        new = notebooks.glued(notebooks.execute(path, tmp_path / f"{name}.ipynb", params))
        if name != "model_finance":
            assert new != base, f"{name}: parameters {params} changed nothing"
    assert notebooks.glued(tmp_path / "model_locality_services.ipynb")["hah_share"] == 67.2  # (1093 + 898) / 2963 = 67.19%


def test_an_out_of_range_parameter_fails_the_run_with_its_name(root, tmp_path):
    import papermill as pm

    path = root / "notebooks" / "model_trajectory.ipynb"
    with pytest.raises(pm.PapermillExecutionError, match=r"parameter avoidance_rate_2021_22=1.5.*less than or equal to 1"):
        notebooks.execute(path, tmp_path / "bad.ipynb", {"avoidance_rate_2021_22": 1.5})


def test_a_changed_csv_makes_the_page_stale_and_the_next_run_shows_it(tmp_project, root):
    """End to end in a scratch copy: edit a number, the page is stale, re-execution shows the new number."""
    import shutil

    shutil.copytree(root / "ccth_lib", tmp_project / "ccth_lib", ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_project / "notebooks").mkdir()
    nb = tmp_project / "notebooks" / "paper_optimity_avoidability.ipynb"
    shutil.copy(root / "notebooks" / nb.name, nb)
    assert not notebooks.staleness(nb).stale, "the scratch copy starts fresh"
    csv = tmp_project / "data" / "tables" / "paper_optimity_avoidability.csv"
    # Re-read the Hospital at Home row of copy 1 as 48 usually avoidable (a number printed in its
    # lines, so the data still validates): only the notebook can tell the difference.
    text = csv.read_text(encoding="utf-8")
    csv.write_text(text.replace("1,1,service,Hospital at Home,1093,48,1141", "1,1,service,Hospital at Home,48,48,1141", 1), encoding="utf-8")
    assert notebooks.staleness(nb).stale
    assert nb in notebooks.stale_notebooks()
    notebooks.execute(nb)
    assert not notebooks.staleness(nb).stale
    values = notebooks.glued(nb)
    assert values["usually_derived"] == 48 + 1796 + 0 + 72 + 0
    assert values["usually_derived"] != notebooks.glued(root / "notebooks" / nb.name)["usually_derived"]


def test_ccth_run_reports_a_bad_parameter_cleanly(tmp_path):
    from typer.testing import CliRunner

    from ccth_lib.cli import app

    out = tmp_path / "t.ipynb"
    res = CliRunner().invoke(app, ["run", "model_trajectory", "-o", str(out), "-p", "avoidance_rate_2021_22=1.5"])
    assert res.exit_code == 1
    assert "parameter avoidance_rate_2021_22=1.5" in res.output and "nothing was written" in res.output
    assert not out.exists()
    res = CliRunner().invoke(app, ["run", "model_trajectory", "-o", str(out), "-p", "avoidance_rat=0.3"])
    assert res.exit_code == 2 and "unknown parameter(s) avoidance_rat" in res.output
