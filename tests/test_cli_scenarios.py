"""The analyst's commands: ccth run, list, book and sweep.

Quick checks run in-process (typer's CliRunner); the commands that execute pages run the real
``ccth`` in a subprocess, as an analyst does, and a scenario book is built once per session.
"""

from __future__ import annotations

from browsing import launch_options

import ast
import hashlib
import io
import json
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote

import nbformat
import pandas as pd
import pytest
from bs4 import BeautifulSoup
from typer.testing import CliRunner

from ccth_lib import notebooks, scenarios
from ccth_lib.cli import app
from ccth_lib.models import defaults, findings, sweep

CCTH = str(Path(sys.executable).with_name("ccth"))
runner = CliRunner()


def ccth(*args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run([CCTH, *args], capture_output=True, text=True, timeout=timeout)


# Help, list -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("command", ["run", "list", "book", "sweep", "execute", "validate"])
def test_every_command_has_help(command):
    res = runner.invoke(app, [command, "--help"])
    assert res.exit_code == 0 and "Usage" in res.output


def test_run_help_lists_the_pages_and_their_parameters():
    text = re.sub(r"[\s│]+", " ", runner.invoke(app, ["run", "--help"], terminal_width=200).output)
    for pg in notebooks.pages():
        assert f"{pg.name}:" in text
    assert "model_trajectory: avoidance_rate_2019_20, avoidance_rate_2020_21, avoidance_rate_2021_22, rounding_counts" in text


def test_list_prints_every_parameter_with_its_default_and_range():
    res = runner.invoke(app, ["list"])
    assert res.exit_code == 0, res.output
    for pg in notebooks.pages():
        assert pg.name in res.output
        for name in notebooks.declared_parameters(pg.template):
            assert f"    {name} = " in res.output, (pg.name, name)
    block = res.output.split("model_trajectory")[1].split("\n\n")[0]
    assert "avoidance_rate_2021_22 = None (from the evidence: 0.28)\n        allowed: a number from 0 to 1" in block
    assert "allowed: one of half_up, half_even, truncate, none" in block


def test_list_says_what_the_frailty_and_finance_parameters_allow():
    res = runner.invoke(app, ["list", "model_frailty", "model_finance"], terminal_width=200)
    assert res.exit_code == 0, res.output
    assert "see the notebook" not in res.output
    assert "population_2036 = None (the 65+ population the strategy's Mild count for the year implies" in res.output
    assert "allowed: a number > 0, or null: the 65+ population" in res.output
    assert f"rounding_frailty = None (from the evidence: {defaults.frailty_defaults()[0].rounding_frailty})\n" \
           "        allowed: one of half_up, half_even, truncate, none" in res.output
    assert f"chart_table = None (from the evidence: {defaults.finance_defaults()[0].chart_table})\n" \
           f"        allowed: one of {', '.join(defaults.chart_tables())}" in res.output


def test_the_readme_says_which_parameters_a_scenario_may_set(root):
    """The Scenarios section's table names every parameter of every model, each once, and its
    `ccth list` example is what the command prints."""
    section = (root / "README.md").read_text(encoding="utf-8").split("## Scenarios (analysts)")[1].split("\n## ")[0]
    rows = [line for line in section.splitlines() if line.startswith("| ") and "`" in line.split("|")[2]]
    named = [name for row in rows for name in re.findall(r"`(\w+)`", row.split("|")[2]) if not name.startswith("ltc_share_")]
    assert sorted(named) == sorted(scenarios.parameter_names())
    example = section.split("```text\n")[1].split("```")[0]
    printed = runner.invoke(app, ["list", example.splitlines()[0]], terminal_width=200).output
    for line in example.splitlines():
        assert line in printed.splitlines(), line


def _shown_parameters(path: Path) -> set[str]:
    """The parameters a page shows under "Parameters used" (its parameters_table call)."""
    shown = set()
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type == "code" and "parameters_table(" in cell.source:
            call = ast.parse(cell.source).body[0].value
            if call.args:
                shown |= set(ast.literal_eval(call.args[0]))
    return shown


@pytest.mark.parametrize("pg", [p for p in notebooks.pages() if p.name.startswith("model_")], ids=lambda p: p.name)
def test_every_parameter_a_page_shows_is_one_it_accepts(pg):
    """"Parameters used" shows the chain parameters its figures depend on; `ccth run` accepts each."""
    declared = set(notebooks.declared_parameters(pg.template))
    for name in _shown_parameters(pg.template):
        names = {n for n, _ in scenarios.page_items(name, {1: 0, 2: 0, 3: 0} if name == "ltc_target_share" else 0)}
        assert names <= declared, f"{pg.name} shows {name} but does not accept {sorted(names - declared)}"


# ccth run: checked before anything runs -------------------------------------------------------------
@pytest.mark.parametrize("args, code, words", [
    (["-p", "avoidance_rate_2021_22=true"], 1, ["avoidance_rate_2021_22=True", "valid number", "allowed: a number from 0 to 1"]),
    (["-p", "avoidance_rate_2021_22=1.5"], 1, ["avoidance_rate_2021_22=1.5", "less than or equal to 1", "nothing was written"]),
    (["-p", "avoidance_rat=0.3"], 2, ["unknown parameter(s) avoidance_rat", "avoidance_rate_2021_22"]),
    (["-p", "rounding_counts=round"], 1, ["rounding_counts='round'", "half_up"]),
    (["-o", "{tmp}/x.txt"], 2, ["must end in .html", ".ipynb"]),
])
def test_run_rejects_bad_input_before_running(tmp_path, args, code, words):
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    if "-o" not in args:
        args += ["-o", str(tmp_path / "x.ipynb")]
    res = runner.invoke(app, ["run", "model_trajectory", "--no-progress", *args])
    assert res.exit_code == code, res.output
    for w in words:
        assert w in res.output
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("page, args, words", [
    ("model_frailty", ["-p", "population_2036=true"], ["population_2036=True", "valid number", "allowed: a number > 0, or null"]),
    ("model_frailty", ["-p", "population_2036=-3", "-p", "rounding_frailty=round"], ["population_2036=-3", "rounding_frailty='round'"]),
    ("model_frailty", ["-p", "rounding=half_up"], ["unknown parameter(s) rounding", "rounding_frailty"]),
    ("model_finance", ["-p", "chart_table=strategy_frailty_prevalence"], ["chart_table='strategy_frailty_prevalence'", "is not one of"]),
])
def test_run_checks_the_frailty_and_finance_parameters_before_running(tmp_path, page, args, words):
    res = runner.invoke(app, ["run", page, "--no-progress", *args, "-o", str(tmp_path / "x.ipynb")])
    assert res.exit_code in (1, 2), res.output
    for w in words:
        assert w in res.output
    assert not list(tmp_path.iterdir())


def test_run_names_an_ltc_share_as_the_page_does(tmp_path):
    res = runner.invoke(app, ["run", "model_avoidance_target", "-p", "ltc_share_2=2", "-o", str(tmp_path / "x.ipynb")])
    assert res.exit_code == 1 and "ltc_share_2=2" in res.output


def test_run_rejects_a_bad_scenario(tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text("name: A\ndescription: B\noverrides:\n  avoidance_rate_2021_22: 2\n", encoding="utf-8")
    res = runner.invoke(app, ["run", "model_trajectory", "--scenario", str(bad), "-o", str(tmp_path / "x.ipynb")])
    assert res.exit_code == 2 and "avoidance_rate_2021_22=2" in res.output and "bad.yml" in res.output


@pytest.mark.notebooks
def test_run_with_a_scenario_writes_a_notebook_with_the_scenarios_values(tmp_path, root):
    """Only the parameters the page declares are taken from the scenario; -p wins over it."""
    out = tmp_path / "t.ipynb"
    res = ccth("run", "model_trajectory", "--scenario", str(root / "scenarios" / "higher_target.yml"),
               "-p", "avoidance_rate_2019_20=0.1", "-o", str(out), "--no-progress")
    assert res.returncode == 0, res.stderr
    nb = nbformat.read(out, as_version=4)
    assert nb.metadata["ccth"]["parameters"] == {"avoidance_rate_2021_22": 0.3, "avoidance_rate_2019_20": 0.1}
    evidence = defaults.chain_evidence()
    params = defaults.chain_defaults(evidence)[0].with_overrides(avoidance_rate_2021_22=0.3, avoidance_rate_2019_20=0.1)
    expected = sweep.flatten(findings.run_chain(evidence, params))
    glued = notebooks.glued(nb)
    for year in ("2019_20", "2020_21", "2021_22"):
        assert glued[f"target_total_{year}"] == expected[f"trajectory.Total.{year.replace('_', '/')}.nel_avoidance_target"]


@pytest.mark.notebooks
def test_run_with_a_frailty_scenario_changes_the_frailty_page(tmp_path, root):
    """A scenario's frailty parameter reaches the frailty page: its glued 65+ population is the scenario's."""
    s = scenarios.load(root / "scenarios" / "frailty_population.yml")
    out = tmp_path / "frailty.ipynb"
    res = ccth("run", "model_frailty", "--scenario", str(s.path), "-o", str(out), "--no-progress")
    assert res.returncode == 0, res.stderr
    nb = nbformat.read(out, as_version=4)
    assert nb.metadata["ccth"]["parameters"] == s.overrides
    glued, book = notebooks.glued(nb), notebooks.glued(root / "notebooks" / "model_frailty.ipynb")
    assert glued["population_2036"] == round(s.overrides["population_2036"]) != book["population_2036"]
    projected = {r["category"]: r["2036"] for r in json.loads(glued["frailty_table"])}
    prevalence = {r["category"]: r["prevalence_pct"] for r in json.loads(glued["frailty_table"])}
    for category, people in projected.items():
        assert people == round(s.overrides["population_2036"] * prevalence[category] / 100), category


@pytest.fixture(scope="module")
def html_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("run") / "localities.html"
    res = ccth("run", "model_locality_services", "-p", "target_total=3500", "-o", str(out))
    assert res.returncode == 0, res.stderr
    return out


@pytest.mark.notebooks
def test_run_writes_real_html_that_needs_nothing_else(html_run):
    text = html_run.read_text(encoding="utf-8")
    soup = BeautifulSoup(text, "html.parser")
    assert text.lstrip().startswith("<!DOCTYPE html>") and soup.select_one("main h1")
    assert not soup.select("script[src]") and not soup.select("link[href^=http]"), "every script is in the file"
    assert "{glue" not in text and "```" not in text, "glued numbers are filled in"
    assert soup.select(".ccth-chart") and "vegaEmbed" in text
    assert "target_total=3500" in soup.select_one("aside").get_text()
    assert not soup.find(string=re.compile(r"^\s*# Parameters")), "the injected parameters cell is hidden"


@pytest.mark.browser
@pytest.mark.notebooks
def test_the_html_draws_its_chart_offline(html_run):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(**launch_options())
        page = b.new_page()
        requests, errors = [], []
        page.on("request", lambda r: requests.append(r.url))
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(html_run.as_uri(), wait_until="load")
        page.locator(".ccth-chart svg").first.wait_for(state="attached", timeout=20_000)
        assert page.locator(".ccth-chart [role='graphics-symbol']").count() >= 3
        b.close()
    assert not errors
    assert all(u.startswith(("file:", "data:")) for u in requests), [u for u in requests if not u.startswith(("file:", "data:"))]


# ccth sweep -------------------------------------------------------------------------------------------------
def _csv(output: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(output), keep_default_na=False)


def test_sweep_writes_the_main_targets_of_every_combination(tmp_path):
    out = tmp_path / "s.csv"
    res = runner.invoke(app, ["sweep", "-p", "target_total=2500:3500:3", "-p", "rounding_counts=half_up,truncate", "-o", str(out)])
    assert res.exit_code == 0, res.output
    df = pd.read_csv(out, keep_default_na=False)
    assert len(df) == 6 and list(df.columns[:3]) == ["run", "target_total", "rounding_counts"]
    assert set(sweep.main_targets()) <= set(df.columns)
    evidence = defaults.chain_evidence()
    base = defaults.chain_defaults(evidence)[0]
    for r in df.itertuples():
        expected = sweep.flatten(findings.run_chain(evidence, base.with_overrides(target_total=r.target_total, rounding_counts=r.rounding_counts)))
        for fig in sweep.main_targets():
            assert df.loc[r.Index, fig] == expected[fig]


def test_sweep_over_the_ranges_file_varies_one_assumption_at_a_time(root):
    res = runner.invoke(app, ["sweep", "--ranges", str(root / "scenarios" / "ranges.yml"), "--steps", "3", "--all-figures"])
    assert res.exit_code == 0
    df = _csv(res.stdout)
    assert "varied" in df.columns and "trajectory.North.2019/20.nel_avoidance_target" in df.columns
    rates = df[df["varied"] == "avoidance_rate_2021_22"]
    assert len(rates) == 3 and rates["target_total"].eq(3000).all()


@pytest.mark.parametrize("args, words", [
    (["-p", "target_totl=1:2:3"], ["target_totl is not a parameter"]),
    (["-p", "share_1to3_ltc=0.5:1.5:3"], ["share_1to3_ltc=1.5", "allowed: 0 to 1"]),
    (["-p", "target_total=1:2"], ["LOW:HIGH:STEPS"]),
    ([], ["--param", "--ranges"]),
])
def test_sweep_rejects_bad_input(args, words):
    res = runner.invoke(app, ["sweep", *args])
    assert res.exit_code == 2
    for w in words:
        assert w in res.output


# ccth book -----------------------------------------------------------------------------------------------------
def _book_of_a_bad_scenario(tmp_path, text: str) -> list[str]:
    """`ccth book` with a scenario file of ``text``: it must fail with exit 2 and build nothing;
    the lines it printed."""
    bad = tmp_path / "bad.yml"
    bad.write_text(text, encoding="utf-8")
    out = tmp_path / "site"
    res = runner.invoke(app, ["book", "--scenario", str(bad), "-o", str(out)])
    assert res.exit_code == 2
    assert not out.exists()
    return [line for line in res.output.splitlines() if line.strip()]


def test_a_bad_scenario_builds_nothing(tmp_path):
    lines = _book_of_a_bad_scenario(tmp_path, "name: A\ndescription: B\noverrides:\n  target_totl: 3500\n")
    assert len(lines) == 1 and "bad.yml" in lines[0] and "target_totl" in lines[0] and "did you mean target_total" in lines[0]


def test_a_scenario_with_three_problems_lists_them_all_and_builds_nothing(tmp_path):
    lines = _book_of_a_bad_scenario(
        tmp_path, "name: A\ndescription: B\ntitle: C\noverrides:\n  rounding_frailt: half_up\n  population_2036: 0\n")
    assert len(lines) == 3 and all("bad.yml" in line for line in lines), lines
    assert "'title' is not a scenario key" in lines[0]
    assert "'rounding_frailt'" in lines[1] and "did you mean rounding_frailty" in lines[1]
    assert "population_2036=0" in lines[2] and "allowed: a number > 0" in lines[2]


def test_book_refuses_to_overwrite_a_folder_it_did_not_build(tmp_path, root):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "keep.txt").write_text("x")
    res = runner.invoke(app, ["book", "--scenario", str(root / "scenarios" / "method_rates.yml"), "-o", str(out)])
    assert res.exit_code == 1 and "not a scenario site" in res.output
    assert (out / "keep.txt").exists()


def _digest(folder: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(folder.glob("*.ipynb")):
        h.update(p.name.encode() + p.read_bytes())
    return h.hexdigest()


@pytest.fixture(scope="module")
def scenario_book(tmp_path_factory, root):
    folder = tmp_path_factory.mktemp("scenario")
    path = folder / "steeper.yml"
    path.write_text("name: Steeper final year\ndescription: Thirty per cent avoidance in 2021/22.\n"
                    "overrides:\n  avoidance_rate_2021_22: 0.30\n", encoding="utf-8")
    before = _digest(root / "notebooks")
    res = ccth("book", "--scenario", str(path), "-o", str(folder / "site"), timeout=900)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    assert _digest(root / "notebooks") == before, "the book's own notebooks are never touched"
    return folder / "site", res.stdout


@pytest.mark.build
@pytest.mark.notebooks
def test_every_page_of_a_scenario_book_names_the_scenario(scenario_book):
    site, _ = scenario_book
    pages = [p for p in site.rglob("*.html") if "_static" not in p.parts and p.parent != site]
    assert len(pages) > 20
    for page in pages:
        banner = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser").select_one("aside.ccth-scenario-banner")
        assert banner and "Steeper final year" in banner.get_text(), page.name
        link = banner.select_one("a")["href"]
        target = page if link == "#" else page.parent / link  # the diff page links to itself
        assert target.resolve() == (site / "book" / "scenario_diff.html").resolve(), page.name


def _diff_rows(site: Path) -> pd.DataFrame:
    soup = BeautifulSoup((site / "book" / "scenario_diff.html").read_text(encoding="utf-8"), "html.parser")
    href = soup.select_one("a.ccth-download[download='scenario_diff.csv']")["href"]
    return pd.read_csv(io.StringIO(unquote(href.split(",", 1)[1])), keep_default_na=False)


@pytest.mark.build
@pytest.mark.notebooks
def test_the_diff_page_lists_exactly_the_figures_that_changed(scenario_book, root):
    site, stdout = scenario_book
    diff = _diff_rows(site)
    # The trajectory page: the 2021/22 rate and target of each locality and the county, the county
    # target, and the counts of findings that agree and differ. Nothing else on that page.
    rows = {f"trajectory_table › {loc}, 2021/22 › {col}" for loc in ("North", "Central", "South", "Total") for col in ("rate", "nel_avoidance_target")}
    expected = rows | {"target_total_2021_22", "agree", "differ"}
    assert set(diff.loc[diff["page"] == "model_trajectory", "name"]) == expected
    # Pages that declare no avoidance rate were not run with the scenario, so nothing on them differs.
    assert set(diff["page"]) <= {"model_trajectory", "model_sensitivity", "model_uncertainty"}
    # Every other listed figure really differs between the book's page and the scenario's, and each
    # glued value that differs is listed: compared here from the notebooks themselves.
    for page in ("model_sensitivity", "model_uncertainty"):
        base = notebooks.glued(root / "notebooks" / f"{page}.ipynb")
        new = notebooks.glued(site / "_sources" / "notebooks" / f"{page}.ipynb")
        listed = diff[diff["page"] == page]
        listed_names = {n.split(" › ")[0] for n in listed["name"]}
        for name in set(base) | set(new):
            b, s = base.get(name), new.get(name)
            if isinstance(b, str) and b[:1] == "[":
                cells = sum(1 for rb, rs in zip(json.loads(b), json.loads(s)) for k in rb
                            if isinstance(rb[k], (int, float)) and not isinstance(rb[k], bool) and rb[k] != rs[k])
                assert cells == sum(1 for n in listed["name"] if n.startswith(name + " › ")), name
            elif isinstance(b, (int, float)) and not isinstance(b, bool):
                assert (b != s) == (name in listed_names), name
    traj = notebooks.glued(site / "_sources" / "notebooks" / "model_trajectory.ipynb")
    row = diff.set_index("name").loc["target_total_2021_22"]
    assert float(row["scenario"]) == traj["target_total_2021_22"] and float(row["baseline"]) == 2130
    assert float(row["change"]) == traj["target_total_2021_22"] - 2130
    assert f"{len(diff)} glued figure(s) differ" in stdout


@pytest.mark.build
@pytest.mark.notebooks
def test_the_scenario_book_pages_show_the_scenarios_figures(scenario_book):
    site, _ = scenario_book
    text = BeautifulSoup((site / "notebooks" / "model_trajectory.html").read_text(encoding="utf-8"), "html.parser").get_text(" ")
    assert "30%" in text and "this run" in text
    assert "# Parameters" not in text, "the injected cell is hidden"


@pytest.mark.build
@pytest.mark.browser
@pytest.mark.notebooks
@pytest.mark.parametrize("page, charts", [("model_sensitivity", 1), ("model_uncertainty", 2)])
def test_the_tornado_and_fan_charts_draw_offline_with_descriptions_and_tables(scenario_book, page, charts):
    """In the scenario's site (the book's is checked by test_browser.py): each chart is drawn as
    SVG, labelled with its description, no wider than the text column allows, followed by its
    data table, and nothing is requested from another host."""
    import functools
    import http.server
    import threading
    from urllib.parse import urlparse

    from playwright.sync_api import sync_playwright

    site, _ = scenario_book

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with sync_playwright() as p:
            b = p.chromium.launch(**launch_options())
            tab = b.new_page(viewport={"width": 1280, "height": 900})
            requests, errors = [], []
            tab.on("request", lambda r: requests.append(r.url))
            tab.on("pageerror", lambda e: errors.append(str(e)))
            tab.goto(f"http://127.0.0.1:{server.server_address[1]}/notebooks/{page}.html", wait_until="networkidle")
            found = tab.locator(".ccth-chart")
            assert found.count() == charts
            for i in range(charts):
                chart = found.nth(i)
                chart.locator("svg [role='graphics-symbol']").first.wait_for(state="attached", timeout=20_000)
                assert len(chart.get_attribute("aria-label") or "") > 100
                assert chart.locator("svg").first.bounding_box()["width"] <= 660
                follows = chart.evaluate("el => { const all = [...document.querySelectorAll('.ccth-chart, table')];"
                                         " const next = all[all.indexOf(el) + 1]; return next ? next.tagName : ''; }")
                assert follows == "TABLE"
                sizes = chart.locator("svg text").evaluate_all("ts => ts.map(t => parseFloat(getComputedStyle(t).fontSize))")
                assert sizes and min(sizes) >= 11
            b.close()
    finally:
        server.shutdown()
    assert not errors
    assert {urlparse(u).hostname for u in requests if urlparse(u).scheme in ("http", "https")} <= {"127.0.0.1"}
