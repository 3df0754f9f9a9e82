"""Every transcribed table validates against its schema and its sources."""

from __future__ import annotations


import pandas as pd
import pytest

from ccth_lib import data, provenance, sources

TABLES = data.list_tables()


def test_there_are_tables():
    assert "paper_optimity_avoidability" in TABLES


@pytest.mark.parametrize("name", TABLES)
def test_table_validates_against_schema_and_sources(name):
    """Schema (frictionless), quotes within their line ranges, numbers printed in those lines, entry counts."""
    df = data.load_table(name)
    assert len(df) > 0


@pytest.mark.parametrize("name", TABLES)
def test_descriptor_is_complete(name):
    info = data.table_info(name)
    desc = info.descriptor
    assert desc.get("title"), "every table needs a title"
    assert desc.get("description"), "every table needs a description"
    assert desc.get("sources"), "every table names its source document(s)"
    reg = sources.registry()
    for s in desc["sources"]:
        assert s["source_id"] in reg
        start, end = provenance.parse_lines(s["lines"])
        text = provenance.normalise(provenance.excerpt(sources.lines(s["source_id"]), start, end))
        assert provenance.normalise(s["quote"]) in text, f"descriptor quote not found in {s['source_id']} lines {s['lines']}"
    for f in desc["schema"]["fields"]:
        if f.get("type") in ("integer", "number") and f["name"] not in provenance.PROVENANCE_COLUMNS:
            assert f.get("unit") or f.get("ccth_verbatim") is False, f"numeric field {f['name']!r} needs a unit"
    assert desc["name"] == name


@pytest.mark.parametrize("name", TABLES)
def test_rows_lie_within_the_table_sources(name):
    """Every row's line range falls inside one of the line ranges the descriptor declares."""
    desc = data.table_info(name).descriptor
    df = data.load_table(name, check_provenance=False)
    spans = [(s["source_id"], *provenance.parse_lines(s["lines"])) for s in desc["sources"]]
    for i, r in enumerate(df.itertuples(), start=1):
        assert any(
            r.source_id == sid and a <= r.line_start and r.line_end <= b for sid, a, b in spans
        ), f"{name} row {i}: {r.source_id} lines {r.line_start}-{r.line_end} outside the declared sources {spans}"


@pytest.mark.parametrize("name", TABLES)
def test_primary_keys_are_unique_and_dates_parse(name):
    desc = data.table_info(name).descriptor
    df = data.load_table(name, check_provenance=False)
    key = desc["schema"].get("primaryKey")
    if key:
        key = [key] if isinstance(key, str) else key
        assert not df.duplicated(subset=key).any(), f"{name}: duplicate primary key {key}"
    for f in desc["schema"]["fields"]:
        if f.get("type") == "date":
            assert pd.api.types.is_datetime64_any_dtype(df[f["name"]])


def test_figure_ids_are_unique_across_figure_files():
    ids = []
    for name in TABLES:
        if name == "figures" or name.startswith("figures_"):
            ids += list(data.load_table(name, check_provenance=False)["id"])
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})


def _corrupt(tmp_project, name, line_no, old, new):
    path = tmp_project / "data" / "tables" / f"{name}.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    assert old in lines[line_no - 1]
    lines[line_no - 1] = lines[line_no - 1].replace(old, new, 1)
    path.write_text("".join(lines), encoding="utf-8")


def test_a_changed_number_names_file_row_and_column(tmp_project):
    # CSV line 2 = data row 1 = Hospital at Home, usually avoidable 1093
    _corrupt(tmp_project, "paper_optimity_avoidability", 2, ",1093,", ",1094,")
    with pytest.raises(data.DataValidationError) as exc:
        data.load_table("paper_optimity_avoidability")
    msg = str(exc.value)
    assert "data/tables/paper_optimity_avoidability.csv" in msg
    assert "row 1 (CSV line 2), column 'usually_avoidable'" in msg
    assert "value 1094 does not appear in paper-2018-10 lines 48-51" in msg


def test_a_wrong_type_names_file_row_and_column(tmp_project):
    _corrupt(tmp_project, "paper_optimity_avoidability", 5, ",72,", ",seventy-two,")
    with pytest.raises(data.DataValidationError, match=r"paper_optimity_avoidability\.csv.*\n.*row 4 \(CSV line 5\), column 'usually_avoidable'.*integer.*seventy-two"):
        data.load_table("paper_optimity_avoidability")


def test_a_negative_count_breaks_a_constraint(tmp_project):
    _corrupt(tmp_project, "paper_optimity_avoidability", 5, ",72,0,72,", ",-72,0,72,")
    with pytest.raises(data.DataValidationError, match=r"column 'usually_avoidable'.*minimum"):
        data.load_table("paper_optimity_avoidability")


def test_a_missing_column_is_reported(tmp_project):
    path = tmp_project / "data" / "tables" / "paper_optimity_avoidability.csv"
    df = pd.read_csv(path, dtype=str)
    df.drop(columns=["sometimes_avoidable"]).to_csv(path, index=False)
    with pytest.raises(data.DataValidationError, match="sometimes_avoidable"):
        data.load_table("paper_optimity_avoidability")


def test_a_moved_quote_is_reported(tmp_project):
    _corrupt(tmp_project, "paper_optimity_avoidability", 2, ",48,51,", ",52,55,")
    with pytest.raises(data.DataValidationError, match=r"row 1 \(CSV line 2\), column 'quote'"):
        data.load_table("paper_optimity_avoidability")


def test_unknown_table_lists_known_ones():
    with pytest.raises(KeyError, match="paper_optimity_avoidability"):
        data.load_table("no_such_table")


def test_entry_count_mismatch_is_reported(tmp_project):
    import yaml

    desc_path = tmp_project / "data" / "tables" / "paper_optimity_avoidability.resource.yaml"
    desc = yaml.safe_load(desc_path.read_text())
    desc["ccth"]["entry_count"] = {"lines": "48-72", "pattern": r"^\d+$"}
    desc_path.write_text(yaml.safe_dump(desc))
    with pytest.raises(data.DataValidationError, match=r"has 12 rows but paper-2018-10 lines 48-72 hold 18 entries"):
        data.load_table("paper_optimity_avoidability")


def test_datapackage_is_current_and_valid():
    from ccth_lib import datapackage

    assert datapackage.path().read_text(encoding="utf-8") == datapackage.render(), "run `ccth datapackage`"
    assert datapackage.validate() == []
    names = [r["name"] for r in datapackage.build()["resources"]]
    assert set(TABLES) <= set(names) and "sources" in names


def test_omitted_content_is_listed_for_every_source():
    om = data.omitted()
    assert set(om["source_id"]) == set(sources.registry())
    assert (om["why"].str.len() > 0).all()


def test_a_bad_omitted_entry_names_the_file(tmp_project):
    (tmp_project / "data" / "omitted" / "paper-2018-10.yaml").write_text("- lines: '10-5'\n  what: x\n  why: y\n")
    with pytest.raises(data.DataValidationError, match=r"(?s)omitted/paper-2018-10.yaml.*entry 1, lines"):
        data.omitted()


# ---------------------------------------------------------------------------------------------
# Validation remembered by content digest (ccth_lib.described.cached)


@pytest.fixture
def counted_validation(monkeypatch, tmp_path):
    """An empty cache of its own, and a count of the tables frictionless validates."""
    from ccth_lib import described

    monkeypatch.setenv("CCTH_CACHE_DIR", str(tmp_path / "cache"))
    calls: list[str] = []
    real = described.schema_problems

    def counting(desc, basepath, *args, **kwargs):
        if desc["name"] != "sources":  # the registry, validated (and remembered) the same way
            calls.append(desc["name"])
        return real(desc, basepath, *args, **kwargs)

    monkeypatch.setattr(described, "schema_problems", counting)
    return calls


def test_a_validated_table_is_remembered_until_a_byte_of_it_changes(tmp_project, counted_validation):
    name = "paper_optimity_avoidability"
    assert data.validate_table(name) == 12 and counted_validation == [name]
    data._CACHE.clear()
    assert data.validate_table(name) == 12
    remembered = data.load_table(name)
    assert counted_validation == [name], "validated once, remembered since"
    with_cache_off = __import__("os").environ.pop("CCTH_CACHE_DIR")
    try:
        data._CACHE.clear()
        pd.testing.assert_frame_equal(remembered, data.load_table(name))
    finally:
        __import__("os").environ["CCTH_CACHE_DIR"] = with_cache_off
    path = tmp_project / "data" / "tables" / f"{name}.csv"
    original = path.read_text(encoding="utf-8")
    path.write_text(original.replace(",1093,", ",1094,", 1), encoding="utf-8")
    with pytest.raises(data.DataValidationError, match="usually_avoidable"):
        data.validate_table(name)
    assert counted_validation.count(name) >= 2, "validated again"
    path.write_text(original, encoding="utf-8")
    before = len(counted_validation)
    data.validate_table(name)
    assert len(counted_validation) == before, "the original content is still remembered"


def test_a_remembered_table_still_verifies_the_source_it_quotes(tmp_project, counted_validation):
    name = "paper_optimity_avoidability"
    data.validate_table(name)
    source = tmp_project / "data" / "sources" / sources.get("paper-2018-10").file
    source.write_bytes(source.read_bytes().replace(b"Hospital", b"Hospitel", 1))
    with pytest.raises(sources.SourceError, match="has changed since it was registered"):
        data.validate_table(name)
    assert counted_validation == [name]


def test_what_one_process_validated_another_reuses(tmp_project, counted_validation):
    import subprocess
    import sys

    ccth = __import__("pathlib").Path(sys.executable).with_name("ccth")
    proc = subprocess.run([str(ccth), "validate", "paper_optimity_avoidability"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    data.validate_table("paper_optimity_avoidability")
    assert counted_validation == []


def test_the_data_package_is_validated_again_only_where_it_changed(tmp_project, tmp_path, monkeypatch):
    from frictionless import Resource
    from typer.testing import CliRunner

    from ccth_lib import datapackage
    from ccth_lib.cli import app

    monkeypatch.setenv("CCTH_CACHE_DIR", str(tmp_path / "cache"))
    validated: list[str] = []
    real = Resource.validate
    monkeypatch.setattr(Resource, "validate", lambda self, *a, **k: validated.append(self.name) or real(self, *a, **k))

    res = CliRunner().invoke(app, ["datapackage"])
    assert res.exit_code == 0, res.output
    assert set(validated) == {r["name"] for r in datapackage.build()["resources"]}
    stamp = datapackage.path().stat().st_mtime_ns
    validated.clear()
    res = CliRunner().invoke(app, ["datapackage"])
    assert res.exit_code == 0 and "is up to date" in res.output and "data package valid" in res.output
    assert validated == [] and datapackage.path().stat().st_mtime_ns == stamp, "neither validated nor rewritten"
    _corrupt(tmp_project, "paper_optimity_avoidability", 5, ",72,", ",seventy-two,")
    res = CliRunner().invoke(app, ["datapackage"])
    assert res.exit_code == 1 and "paper_optimity_avoidability" in res.output
    assert validated == ["paper_optimity_avoidability"]
