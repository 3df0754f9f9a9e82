"""The raw evidence: registry, checksums, and a clear error when a source changes."""

from __future__ import annotations

import hashlib

import pytest

from ccth_lib import sources


def test_registry_lists_the_five_source_documents():
    reg = sources.registry()
    assert len(reg) == 5
    assert sorted(s.file[:3] for s in reg.values()) == ["000", "001", "002", "003", "004"]


def test_every_registered_checksum_matches_its_file(root):
    for src in sources.registry().values():
        assert hashlib.sha256((root / "data" / "sources" / src.file).read_bytes()).hexdigest() == src.sha256


def test_sources_are_verbatim_copies_of_the_shared_seeds(root):
    seeds = root.parent / "shared" / "seeds"
    if not seeds.is_dir():
        pytest.skip("../shared/seeds is not beside this checkout")
    for src in sources.registry().values():
        assert (seeds / src.file).read_bytes() == (root / "data" / "sources" / src.file).read_bytes()


def test_changed_source_is_an_error_naming_the_file(tmp_project):
    path = tmp_project / "data" / "sources" / "000_d0d264cb4bb3ce11.txt"
    path.write_text(path.read_text(encoding="utf-8").replace("1093", "1094", 1), encoding="utf-8")
    with pytest.raises(sources.SourceError) as exc:
        sources.text("paper-2018-10")
    message = str(exc.value)
    assert "\n" not in message, "one line"
    actual = hashlib.sha256(path.read_bytes()).hexdigest()
    recorded = sources.get("paper-2018-10").sha256
    assert message.startswith("data/sources/000_d0d264cb4bb3ce11.txt: the source text has changed since it was registered")
    assert f"its sha256 is {actual} but data/sources/registry.csv records {recorded}" in message
    assert "restore the file (git checkout -- data/sources/000_d0d264cb4bb3ce11.txt)" in message
    assert sources.source_problems() == {"paper-2018-10": message}


def test_missing_source_file_is_an_error_naming_the_file(tmp_project):
    (tmp_project / "data" / "sources" / "001_a1dbb95a620ed861.txt").unlink()
    with pytest.raises(sources.SourceError, match="001_a1dbb95a620ed861.txt.*missing"):
        sources.text("highlight-2018-10")


def test_unknown_source_id_lists_the_known_ones():
    with pytest.raises(sources.SourceError, match="unknown source id 'nope'.*paper-2018-10"):
        sources.get("nope")


def test_lines_are_one_based_as_in_cat_n():
    lines = sources.lines("paper-2018-10")
    assert lines[0] == "NHS Shropshire CCG"  # line 1
    assert lines[48 - 1] == "Hospital at Home"  # line 48


def test_registry_names_each_sources_page_and_short_title():
    reg = sources.registry()
    assert {sid: (s.page, s.short_title) for sid, s in reg.items()} == {
        "paper-2018-10": ("evidence_paper", "Programme paper, October 2018"),
        "highlight-2018-10": ("evidence_highlight", "Highlight report #4, 18 October 2018"),
        "hwbb-2017-07": ("evidence_hwbb2017", "Health and Wellbeing Board, 6 July 2017"),
        "hwbb-2018-01": ("evidence_hwbb2018", "Health and Wellbeing Board, 18 January 2018"),
        "strategy-2020-21": ("evidence_strategy", "Clinical commissioning strategy 2020–21"),
    }
    assert list(reg) == ["paper-2018-10", "highlight-2018-10", "hwbb-2017-07", "hwbb-2018-01", "strategy-2020-21"]


def test_every_registry_field_has_a_title():
    desc = sources.registry_descriptor()
    assert desc["name"] == "sources" and desc["path"] == "registry.csv"
    assert all(f.get("title") for f in desc["schema"]["fields"])


def test_a_bad_registry_row_names_file_row_and_column(tmp_project):
    path = tmp_project / "data" / "sources" / "registry.csv"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace(",evidence_hwbb2017,", ",,", 1), encoding="utf-8")
    with pytest.raises(sources.described.DataValidationError, match=r"(?s)data/sources/registry\.csv.*row 3 \(CSV line 4\), column 'page'"):
        sources.registry()
