"""The table descriptors say each thing once, and name each concept one way.

* ``name``, ``path``, the licence and the source titles are derived by the loader (from the file
  name, ``data/tables/_shared.yaml`` and ``data/sources/registry.csv``), never written in a
  descriptor, yet the expanded descriptors and ``data/datapackage.json`` have them all;
* shared field definitions (``row_order``, ``row_kind``, ``locality``, ``year``, the
  financial-year columns, …) are referenced with ``use:``, never restated;
* one name per concept: ``row_order``, ``printing``, ``item``/``total``, ``*_pct``, the
  localities and years of :mod:`ccth_lib.vocab`; every field has a plain title.
"""

from __future__ import annotations

import csv
import re

import pytest
import yaml

from ccth_lib import data, datapackage, described, paths, sources, vocab
from ccth_lib.provenance import PROVENANCE_COLUMNS

TABLES = data.list_tables()
TRANSCRIBED = [t for t in TABLES if t not in data.REGISTERS]
PRINTED_TWICE = {
    "paper_optimity_avoidability",
    "strategy_efficiency_community",
    "strategy_priority_schemes",
    "hwbb2017_workstream_key_products",
}


def raw(name: str) -> dict:
    return yaml.safe_load(data.descriptor_path(name).read_text(encoding="utf-8"))


def fields(name: str) -> list[dict]:
    return data.table_info(name).descriptor["schema"]["fields"]


def header(name: str) -> list[str]:
    with open(paths.tables_dir() / f"{name}.csv", encoding="utf-8", newline="") as fh:
        return next(csv.reader(fh))


# ---------------------------------------------------------------------------------------------
# Said once


@pytest.mark.parametrize("name", TABLES)
def test_descriptor_file_does_not_restate_what_the_loader_derives(name):
    text = data.descriptor_path(name).read_text(encoding="utf-8")
    desc = yaml.safe_load(text)
    assert "licenses" not in text, "the licence is in data/tables/_shared.yaml"
    assert not re.search(r"^name:", text, re.M), "name is the file name"
    assert not re.search(r"^\s*path:", text, re.M), "path is the file name"
    for entry in desc["sources"]:
        assert "title" not in entry, "source titles come from data/sources/registry.csv"
        assert set(entry) <= {"source_id", "lines", "quote"}


@pytest.mark.parametrize("name", TABLES)
def test_shared_fields_are_referenced_not_restated(name):
    shared = set(vocab.library().fields)
    for entry in raw(name)["schema"]["fields"]:
        if "use" not in entry:
            assert entry["name"] not in shared, f"{entry['name']!r} is defined in _shared.yaml: write `- use: {entry['name']}`"
        else:
            assert entry["use"] in shared


def test_the_shared_file_is_not_a_table():
    assert paths.shared_definitions().is_file()
    assert "_shared" not in TABLES


@pytest.mark.parametrize("name", TABLES)
def test_expanded_descriptor_has_everything(name):
    info = data.table_info(name)
    desc = info.descriptor
    reg = sources.registry()
    assert desc["name"] == name
    assert desc["path"] == f"{name}.csv" and info.csv_path.is_file()
    assert desc["licenses"] == vocab.licenses() and desc["licenses"][0]["name"] == "OGL-UK-3.0"
    for entry in desc["sources"]:
        assert entry["title"] == reg[entry["source_id"]].title
    names = [f["name"] for f in desc["schema"]["fields"]]
    assert names == header(name), "the schema's fields are the CSV's columns, in order"
    assert tuple(names[-4:]) == PROVENANCE_COLUMNS
    for f in desc["schema"]["fields"]:
        assert "use" not in f and f.get("type") and f.get("title"), f


def test_datapackage_is_fully_expanded():
    pkg = datapackage.build()
    reg = sources.registry()
    by_name = {r["name"]: r for r in pkg["resources"]}
    assert set(TABLES) | {"sources"} == set(by_name)
    for r in pkg["resources"]:
        assert r["path"] in ("sources/registry.csv", f"tables/{r['name']}.csv")
        assert r["licenses"] and r["licenses"][0]["name"] == "OGL-UK-3.0"
        for f in r["schema"]["fields"]:
            assert f.get("name") and f.get("type") and f.get("title") and "use" not in f
            for v in f.get("constraints", {}).get("enum", []):
                assert not isinstance(v, dict), "vocabularies are expanded"
    for name in TABLES:
        r = by_name[name]
        assert r["sources"] and all(s["title"] == reg[s["source_id"]].title for s in r["sources"])
        assert [f["name"] for f in r["schema"]["fields"]] == header(name)
    assert {f["name"] for f in by_name["sources"]["schema"]["fields"]} >= {"page", "short_title"}


def test_table_info_descriptor_is_the_expanded_one():
    desc = data.table_info("paper_trajectory").descriptor
    assert desc["sources"][0]["title"] == sources.get("paper-2018-10").title
    locality = next(f for f in desc["schema"]["fields"] if f["name"] == "locality")
    assert locality["constraints"]["enum"] == [*vocab.LOCALITIES, "Total"]
    assert locality["title"] == "Locality"


# ---------------------------------------------------------------------------------------------
# Loader: derived keys, use and vocab references


def _write(tmp_project, name, desc):
    path = tmp_project / "data" / "tables" / f"{name}.resource.yaml"
    path.write_text(yaml.safe_dump(desc, allow_unicode=True, sort_keys=False), encoding="utf-8")


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda d: d.update(name="paper_trajectory"), r"\['name'\] are derived by the loader"),
        (lambda d: d.update(path="paper_trajectory.csv"), r"\['path'\] are derived by the loader"),
        (lambda d: d.update(licenses=[{"name": "OGL-UK-3.0"}]), r"\['licenses'\] are derived by the loader"),
        (lambda d: d["sources"][0].update(title="Programme paper"), r"sources\[0\]\.title: the title is taken from data/sources/registry\.csv"),
        (lambda d: d["sources"][0].update(source_id="nope"), r"sources\[0\]\.source_id: unknown source id 'nope'"),
        (lambda d: d["schema"]["fields"].__setitem__(0, {"use": "no_such_field"}), r"schema\.fields\[0\]: 'use: no_such_field' names no shared field"),
        (lambda d: d["schema"]["fields"].append({"use": "quote"}), r"\['quote'\] are appended by the loader"),
    ],
)
def test_a_descriptor_that_restates_or_misreferences_names_the_file(tmp_project, change, message):
    desc = raw("paper_trajectory")
    change(desc)
    _write(tmp_project, "paper_trajectory", desc)
    with pytest.raises(data.DataValidationError, match=r"(?s)data/tables/paper_trajectory\.resource\.yaml.*" + message):
        data.load_table("paper_trajectory")


def test_a_use_entry_can_override_and_rename(tmp_project):
    lib = vocab.library()
    f = described.expand_field({"use": "row_order", "title": "Row", "constraints": {"maximum": 9}}, lib, "x", "f")
    assert f["name"] == "row_order" and f["title"] == "Row" and f["type"] == "integer"
    assert f["constraints"] == {"required": True, "minimum": 1, "maximum": 9}
    g = described.expand_field({"name": "place", "use": "locality"}, lib, "x", "f")
    assert g["name"] == "place" and g["constraints"]["enum"] == [*vocab.LOCALITIES, "Total"]


def test_a_bad_vocab_reference_names_the_file():
    with pytest.raises(data.DataValidationError, match=r"(?s)t\.yaml: .*schema\.fields\[0\] \(x\), enum: .*\{vocab: NAME\} with NAME one of"):
        described.expand_field({"name": "x", "constraints": {"enum": [{"vocab": "nope"}]}}, vocab.library(), "schema.fields[0]", "t.yaml")


# ---------------------------------------------------------------------------------------------
# Vocabulary: the localities and years are defined once


def test_vocab_is_read_from_the_shared_file():
    shared = yaml.safe_load(paths.shared_definitions().read_text(encoding="utf-8"))
    assert vocab.LOCALITIES == tuple(shared["vocab"]["localities"]) == ("North", "Central", "South")
    assert vocab.YEARS == tuple(shared["vocab"]["years"])
    assert isinstance(vocab.LOCALITIES, tuple) and isinstance(vocab.YEARS, tuple)
    assert {"2019/20", "2020/21", "2021/22", "2022/23", "2023/24"} <= set(vocab.YEARS)
    assert list(vocab.YEARS) == sorted(vocab.YEARS)
    from ccth_lib.vocab import LOCALITIES, YEARS

    assert (LOCALITIES, YEARS) == (vocab.localities(), vocab.years())


def test_fy_column_names_round_trip():
    assert vocab.fy_column("2021/22") == "fy2021_22"
    assert vocab.year_of_column("fy2021_22") == "2021/22"
    with pytest.raises(ValueError):
        vocab.year_of_column("fy21")


def test_changing_the_shared_vocabulary_changes_every_table_that_uses_it(tmp_project):
    path = tmp_project / "data" / "tables" / "_shared.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("localities: [North, Central, South]", "localities: [North, Middle, South]"), encoding="utf-8")
    assert vocab.LOCALITIES == ("North", "Middle", "South")
    with pytest.raises(data.DataValidationError, match=r"paper_locality_model\.csv.*\n.*row 2 \(CSV line 3\), column 'locality'.*Central"):
        data.load_table("paper_locality_model")


@pytest.mark.parametrize("name", TABLES)
def test_localities_and_years_come_from_the_vocabulary(name):
    for f in fields(name):
        enum = f.get("constraints", {}).get("enum")
        if f["name"] == "locality":
            assert enum == [*vocab.LOCALITIES, "Total"]
        if f["name"] == "year":
            assert enum == list(vocab.YEARS)
        if vocab.is_fy_column(f["name"]):
            year = vocab.year_of_column(f["name"])
            assert year in vocab.YEARS and f["title"].startswith(year)
        if enum and set(enum) & set(vocab.LOCALITIES):
            assert f["name"] == "locality", f"{f['name']} lists localities: use the locality field"
        if enum and set(enum) & set(vocab.YEARS):
            assert f["name"] == "year", f"{f['name']} lists years: use the year field"


# ---------------------------------------------------------------------------------------------
# One name per concept


FORBIDDEN_COLUMNS = re.compile(r"^(copy|item_order|printed_order|.*_percent|key_order|area_order|criterion_order|objective_order|sub_order|programme_order|action_order|priority_order|item_kind|level|ref)$")


@pytest.mark.parametrize("name", TABLES)
def test_one_name_per_concept_in_the_columns(name):
    cols = header(name)
    bad = [c for c in cols if FORBIDDEN_COLUMNS.match(c)]
    assert not bad, f"{name}: old column names {bad}"
    orders = [c for c in cols if c.endswith("_order")]
    assert set(orders) <= {"row_order", "point_order"}, orders
    for f in fields(name):
        if f.get("unit") == "percent":
            assert f["name"].endswith("_pct"), f"{f['name']}: percent columns end in _pct"
        if f["name"].endswith("_pct"):
            assert f.get("unit") == "percent"
        assert not f["name"].endswith(("_printed", "_text")) or f["name"].endswith("_as_printed"), f["name"]


@pytest.mark.parametrize("name", TABLES)
def test_row_kind_uses_item_and_total(name):
    for f in fields(name):
        if f["name"] == "row_kind":
            enum = f["constraints"]["enum"]
            assert "service" not in enum
            if "total" in enum:
                assert "item" in enum


@pytest.mark.parametrize("name", TRANSCRIBED)
def test_row_order_counts_the_rows_as_printed(name):
    """Every transcribed table has row_order 1..n in CSV (= printed) order, per printing."""
    df = data.load_table(name, check_provenance=False)
    assert "row_order" in df.columns
    twice = "printing" in df.columns
    assert twice == (name in PRINTED_TWICE)
    groups = df.groupby("printing", sort=True) if twice else [(None, df)]
    for _, part in groups:
        assert list(part["row_order"]) == list(range(1, len(part) + 1))
    if twice:
        assert set(df["printing"]) == {1, 2}
        assert data.table_info(name).descriptor["schema"]["primaryKey"] == ["printing", "row_order"]
        assert list(df.columns[:2]) == ["printing", "row_order"]


@pytest.mark.parametrize("name", sorted(PRINTED_TWICE))
def test_printing_is_never_called_copy_in_the_prose(name):
    text = data.descriptor_path(name).read_text(encoding="utf-8")
    assert not re.search(r"\bcop(y|ies)\b", text, re.I)


@pytest.mark.parametrize("name", TABLES)
def test_every_field_has_a_plain_title(name):
    titles = [f.get("title") for f in fields(name)]
    for f, t in zip(fields(name), titles):
        assert t and t.strip() == t, f"{name}.{f['name']} has no title"
        assert "_" not in t, f"{name}.{f['name']}: title {t!r} is not plain words"
    assert len(set(titles)) == len(titles), f"{name}: two columns share a title"


# ---------------------------------------------------------------------------------------------
# Tables by source


def test_tables_by_source():
    groups = data.tables_by_source()
    assert list(groups) == list(sources.registry())
    listed = [t for names in groups.values() for t in names]
    assert sorted(listed) == TRANSCRIBED and len(listed) == len(set(listed))
    assert "figures" not in listed
    for sid, names in groups.items():
        assert names == sorted(names)
        for n in names:
            assert data.table_info(n).descriptor["sources"][0]["source_id"] == sid
    assert "paper_optimity_avoidability" in groups["paper-2018-10"]
    assert "strategy_roadmap" in groups["strategy-2020-21"]


def test_a_broken_shared_file_is_an_error_naming_it(tmp_project):
    path = tmp_project / "data" / "tables" / "_shared.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('  years: ["2019/20"', '  years: ["2019-20"'), encoding="utf-8")
    with pytest.raises(data.DataValidationError, match=r"(?s)data/tables/_shared\.yaml.*vocab\.years: '2019-20' is not of the form YYYY/YY"):
        data.load_table("paper_trajectory")


def test_every_table_has_its_own_title():
    """Titles name the table, not just its document (an unquoted ` #` in YAML once cut them short)."""
    from collections import Counter

    from ccth_lib import data

    titles = Counter(data.table_info(n).title for n in data.list_tables())
    assert not [t for t, k in titles.items() if k > 1], f"tables share a title: {[t for t, k in titles.items() if k > 1]}"
    short = {s.short_title for s in __import__("ccth_lib").sources.registry().values()} | {"Highlight report"}
    assert not [n for n in data.list_tables() if data.table_info(n).title in short]
