"""Real browser: the site's search finds a figure by its value and by its id.

On the built site's search page, a reader types a figure's value, with and without its thousands
separator ("4,586", "4586"), or a figure's id from the figures register (data/tables/figures.csv),
and presses Enter: the results list the evidence catalogue, whose figures register lists the
figure, and for a value the evidence page of the document that prints it. A value of a
transcribed table (the Optimity total) finds its evidence page the same way.
"""

from __future__ import annotations

from urllib.parse import quote_plus

import pytest

from ccth_lib import data, sources
from ccth_lib.page import formats

pytestmark = [pytest.mark.browser, pytest.mark.build]

#: The page of the figures register.
REGISTER = "/notebooks/evidence_catalogue.html"

#: Figures of the register a reader looks for: by value (formatted as the pages show it, and as
#: digits alone) and by id.
BY_VALUE = ("paper_optimity_admission_avoidances",)
BY_ID = ("paper_target_circa_3000", "paper_optimity_admission_avoidances")

RESULTS_JS = """
() => {
  const title = document.querySelector("#search-results h2");
  if (!title || title.textContent.trim() !== "Search Results") return null;
  return [...document.querySelectorAll("#search-results ul.search li a")].map((a) => new URL(a.getAttribute("href"), document.baseURI).pathname);
}
"""


@pytest.fixture
def search(browser, site_url):
    """Type a query into the search page's field and press Enter; returns the pages listed."""
    from browsing import assert_local_only

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    errors: list[str] = []
    requests: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.on("console", lambda m: errors.append(f"console {m.type}: {m.text}") if m.type in ("error", "warning") else None)
    pg.on("request", lambda r: requests.append(r.url))

    def run(query: str) -> list[str]:
        pg.goto(f"{site_url}/search.html", wait_until="networkidle")
        field = pg.locator(".bd-search-container form.bd-search input[name='q']")  # the page's own field, not the dialog's
        field.fill("")
        field.type(query)
        field.press("Enter")
        pg.wait_for_url(f"**/search.html?q={quote_plus(query)}*", timeout=10_000)
        pg.wait_for_function(RESULTS_JS, timeout=20_000)
        return pg.evaluate(RESULTS_JS)

    yield run
    assert not errors, f"JavaScript errors: {errors}"
    assert_local_only(requests)
    context.close()


def evidence_page(source_id: str) -> str:
    return f"/notebooks/{sources.get(source_id).page}.html"


@pytest.mark.parametrize("figure_id", BY_VALUE)
@pytest.mark.parametrize("written", ["as shown", "digits alone"])
def test_a_figures_value_finds_the_figures_register_and_its_evidence_page(search, figure_id, written):
    fig = data.figure(figure_id)
    shown = formats.count(fig.value)
    query = shown if written == "as shown" else shown.replace(",", "")
    assert "," in shown, f"{figure_id}: a value with a thousands separator is wanted here"
    found = search(query)
    assert REGISTER in found, f"searching for {query!r} did not list the figures register: {found}"
    assert evidence_page(fig.source_id) in found, f"searching for {query!r} did not list its evidence page: {found}"


@pytest.mark.parametrize("figure_id", BY_ID)
def test_a_figures_id_finds_the_figures_register(search, figure_id):
    assert figure_id in set(data.load_table("figures")["id"])
    found = search(figure_id)
    assert REGISTER in found, f"searching for {figure_id!r} did not list the figures register: {found}"


@pytest.mark.parametrize("written", ["as shown", "digits alone"])
def test_a_tables_value_finds_its_evidence_page(search, written):
    df = data.load_table("paper_optimity_avoidability")
    total = df[(df["printing"] == 1) & (df["row_kind"] == "total")].iloc[0]
    shown = formats.count(total["usually_avoidable"])
    query = shown if written == "as shown" else shown.replace(",", "")
    found = search(query)
    assert evidence_page(total["source_id"]) in found, f"searching for {query!r} did not list its evidence page: {found}"


def test_a_word_is_still_found_as_before(search):
    """The search page's own script changes numbers only."""
    found = search("reconciliation register")
    assert "/notebooks/reconciliation_register.html" in found, found


def test_the_index_holds_every_figures_id_and_whole_value_as_words_of_their_own(built_site):
    """Each id of the figures register, and each whole value as digits alone, is a word of the
    search index that lists the figures register (not run together with a neighbouring cell)."""
    import json

    from sphinx.search.en import SearchEnglish

    text = (built_site / "searchindex.js").read_text(encoding="utf-8")
    index = json.loads(text[text.index("(") + 1: text.rindex(")")])
    register = index["docnames"].index(REGISTER.strip("/").removesuffix(".html"))
    lang = SearchEnglish({})

    def lists_register(word: str) -> bool:
        stem = lang.stem(word).lower()
        stem = word if not lang.word_filter(stem) and lang.word_filter(word) else stem
        docs = index["terms"].get(stem, [])
        return register in (docs if isinstance(docs, list) else [docs])

    figures = data.load_table("figures")
    missing = [fid for fid in figures["id"] if not lists_register(fid)]
    whole = [formats.count(v).replace(",", "") for v in figures["value"] if float(v).is_integer()]
    missing += [v for v in whole if not lists_register(v)]
    assert not missing, f"not words of the index listing the figures register: {missing}"
