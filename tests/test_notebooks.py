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
