"""The site builds with warnings as errors, offline, with glued numbers in the narrative."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.build

EXTERNAL_SCRIPT = re.compile(r"<(script|link)[^>]+(src|href)=\"(https?:)?//", re.I)
CDN_HOSTS = re.compile(r"https?://(cdn\.|unpkg\.com|fonts\.googleapis|fonts\.gstatic|cdnjs\.)")


def test_index_and_pages_exist(built_site):
    assert (built_site / "index.html").is_file()
    assert (built_site / "book" / "index.html").is_file()
    assert (built_site / "notebooks" / "paper_optimity_avoidability.html").is_file()


def test_no_page_loads_anything_from_the_internet(built_site):
    for page in built_site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert not EXTERNAL_SCRIPT.search(text), f"{page.name} loads a script or stylesheet from the internet"
        assert not CDN_HOSTS.search(text), f"{page.name} references a CDN"


def test_vega_scripts_ship_with_the_site(built_site):
    for name in ("vega.min.js", "vega-lite.min.js", "vega-embed.min.js"):
        assert (built_site / "_static" / "vendor" / name).stat().st_size > 10_000


def test_glued_numbers_appear_in_the_narrative(built_site):
    """The home page's figures come from the notebook via glue, not typed text."""
    from ccth_lib import data

    df = data.load_table("paper_optimity_avoidability")
    first = df[df["copy"] == 1]
    stated = int(first.loc[first["row_kind"] == "total", "usually_avoidable"].iloc[0])
    derived = int(first.loc[first["row_kind"] == "service", "usually_avoidable"].sum())
    text = re.sub(r"<[^>]+>", "", (built_site / "book" / "index.html").read_text(encoding="utf-8"))
    text = re.sub(r"\s+", " ", text)
    assert f"states that {stated:,} of the 65+" in text
    assert f"add up to {derived:,}" in text


def test_catalogue_lists_every_table_with_its_download(built_site):
    from ccth_lib import data

    html = (built_site / "notebooks" / "evidence_catalogue.html").read_text(encoding="utf-8")
    for name in data.list_tables():
        assert f'href="../tables/{name}.csv"' in html, name
        assert (built_site / "tables" / f"{name}.csv").is_file()
    assert (built_site / "datapackage.json").is_file()


def test_every_table_is_on_its_evidence_page_with_line_links(built_site):
    from ccth_lib import report

    for sid, names in report.tables_by_source().items():
        html = (built_site / "notebooks" / f"{report.PAGE_OF_SOURCE[sid]}.html").read_text(encoding="utf-8")
        for name in names:
            if name != "figures":
                assert f'id="{report.table_anchor(name)}"' in html, name
        assert 'id="L1"' in html and 'href="#L' in html


def test_data_log_numbers_are_glued_from_the_catalogue(built_site):
    from ccth_lib import data

    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", (built_site / "book" / "data_log.html").read_text(encoding="utf-8")))
    assert f"Received: {len(data.list_tables()):,} tables transcribed" in text
