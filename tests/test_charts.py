"""Charts: offline renderer, accessibility options, and Vega versions pinned together with Altair."""

from __future__ import annotations

import html
import json
import re
from urllib.parse import unquote

import altair as alt
import pandas as pd
import pytest

from ccth_lib import charts


def small_chart(description="A test chart of three bars"):
    df = pd.DataFrame({"service": ["a", "b", "c"], "usually_avoidable": [1, 2, 3], "sometimes_avoidable": [0, 1, 0]})
    return charts.avoidability_chart(df, title="t", description=description)


def test_renderer_output_is_deterministic_and_offline():
    spec = small_chart().to_dict()
    a, b = charts.chart_html(spec), charts.chart_html(spec)
    assert a == b
    assert "http://" not in a.replace("http://vega", "") and "cdn" not in a.lower()
    assert re.search(r'id="ccth-chart-[0-9a-f]{16}"', a)


def test_renderer_uses_svg_without_actions_and_labels_the_chart():
    html = charts.chart_html(small_chart("Bars of avoidable admissions").to_dict())
    assert '"renderer": "svg"' in html and '"actions": false' in html
    assert 'role="figure" aria-label="Bars of avoidable admissions"' in html


def test_every_chart_needs_a_description():
    spec = small_chart().to_dict()
    spec.pop("description")
    with pytest.raises(ValueError, match="description"):
        charts.chart_html(spec)


def test_spec_cannot_break_out_of_its_script_tag():
    spec = small_chart().to_dict()
    spec["title"] = "</script><script>alert(1)</script>"
    assert "</script><script>alert(1)" not in charts.chart_html(spec)


def test_enable_registers_the_renderer():
    charts.enable()
    bundle = alt.renderers.get()(small_chart().to_dict())
    assert set(bundle) == {"text/html", "text/plain"}


def test_download_link_embeds_the_csv():
    from ccth_lib.page import download

    df = pd.DataFrame({"a": [1, 2]})
    link = str(download(df, "x.csv"))
    href = re.search(r'href="([^"]+)"', link).group(1)
    assert href.startswith("data:text/csv;charset=utf-8,")
    assert unquote(html.unescape(href).split(",", 1)[1]) == "a\n1\n2\n"
    assert 'download="x.csv"' in link


def test_vendored_vega_versions_match_altair(root):
    """package.json pins the npm scripts the site ships; they must be the versions Altair targets."""
    pinned = json.loads((root / "package.json").read_text())["dependencies"]
    assert pinned["vega-lite"] == alt.VEGALITE_VERSION.lstrip("v")
    assert pinned["vega"].split(".")[0] == alt.VEGA_VERSION.lstrip("v").split(".")[0]
    assert pinned["vega-embed"].split(".")[0] == alt.VEGAEMBED_VERSION.lstrip("v").split(".")[0]
    lock = json.loads((root / "package-lock.json").read_text())["packages"]
    for name, version in pinned.items():
        assert lock[f"node_modules/{name}"]["version"] == version


def test_charts_load_the_vendored_scripts(root):
    """Vega is not loaded on every page: each chart page loads the site's own copy, once."""
    import yaml

    cfg = yaml.safe_load((root / "_config.yml").read_text())["sphinx"]["config"]
    assert "html_js_files" not in cfg and "_vendor/site" in cfg["html_extra_path"]
    html = charts.chart_html(small_chart().to_dict())
    for f in charts.VENDOR_SCRIPTS:
        assert f'"{f}"' in html
        assert (root / "_vendor" / "site" / charts.VENDOR_PATH / f).is_file(), "run `make vendor`"


def test_a_download_of_any_text_gives_back_that_text():
    """Line breaks, quotes, '%', '#', markup and non-ASCII characters survive the data: URL."""
    from ccth_lib.page.downloads import data_url

    text = 'id,what\nx,"a, b" 50% #3 <b>&</b> – “quoted” £1\r\n'
    url = data_url(text)
    assert not any(c in url for c in '\n\r#%"<>&' if c != "%") and url.count("%") >= 10
    assert unquote(url.split(",", 1)[1]) == text
