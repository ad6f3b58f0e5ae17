"""Every page of every audience, and the index, opened in headless Chromium (Playwright).

The reports are the small-parameter run of ``test_notebooks`` (shared, built once). Each page
is loaded at a laptop (1280 px) and a phone (390 px) width with every request that is not a
local file refused and recorded, a screenshot of the first screen is kept in the test output
folder (``CRM_BROWSER_SCREENSHOTS`` names another folder), and the page is checked as a
reader meets it, after its JavaScript ran:

- no request and no link leaves the machine; every local link opens an existing file;
- the page never scrolls sideways; on a laptop, a manager's tables fit without scrolling;
- every table of a report page sorts by a click on a column header (one click is tried);
- management pages and the index show no internal names (snake_case identifiers outside
  code, file names and the provenance footer) and none of ``JARGON``;
- every money KPI card either carries its 95% interval or says in words that it is an
  observed total, a scenario or a chosen value; the index's headline figures likewise;
- every chart image has alt text that describes it;
- the navigation bar links the report's three audiences, its figures and the index, and a
  click on it opens the analyst page.

Chromium comes from the distribution (``apt-get install chromium``: ``.ci/run`` does it, and
sets ``CRM_REQUIRE_BROWSER=1`` so that a missing browser fails instead of skipping).
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
from test_notebooks import REPORTS, run  # noqa: F401 - the shared study run (fixture)

pytestmark = pytest.mark.processes  # left out of the pandas-3 pass of .ci/run

WIDTHS = {"laptop": 1280, "phone": 390}
AUDIENCE_SUFFIXES = {
    "management": ".html",
    "analyst": ".analyst.html",
    "teaching": ".teaching.html",
}
PAGES = ["index.html"] + [f"{r}{s}" for r in REPORTS for s in AUDIENCE_SUFFIXES.values()]
# Words a manager should not meet: statistics and internal names that belong to the analyst.
JARGON = (
    "Holm",
    "SRM",
    "chi2",
    "χ²",
    "X-learner",
    "T-learner",
    "S-learner",
    "P(alive)",
    "seed's table",
    "HTMT",
    "PLSc",
    "NaN",
    "Traceback",
    "trusted ?",
)
SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
LOCAL_SCHEMES = ("file:", "data:", "blob:", "about:")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# What the page shows a reader once its scripts ran (evaluated in the page).
PROBE = """() => {
  const visible = e => e.offsetParent !== null || e.tagName === 'BODY';
  // Text a reader sees outside code, file names, the provenance footer and the KPI cards.
  const skip = 'code, pre, script, style, .crm-report-footer, .crm-kpi';
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const prose = [];
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const p = n.parentElement;
    if (p && !p.closest(skip) && p.checkVisibility()) prose.push(n.textContent);
  }
  return {
    scrollWidth: document.documentElement.scrollWidth,
    width: window.innerWidth,
    text: document.body.innerText,
    proseText: prose.join(' '),
    tables: [...document.querySelectorAll('table')].filter(visible).map(t => ({
      dataTable: t.classList.contains('dataTable'),
      orderable: t.querySelectorAll('thead th.dt-orderable-asc, thead th.dt-orderable-desc')
                  .length,
      index: t.closest('.crm-index-runs') !== null,
      caption: t.innerText.slice(0, 60),
    })),
    tableBoxes: [...document.querySelectorAll('.crm-table')].filter(visible).map(c => ({
      scroll: c.scrollWidth, client: c.clientWidth, head: c.innerText.slice(0, 60)})),
    links: [...document.querySelectorAll('a[href]')].map(a => a.href),
    nav: [...document.querySelectorAll('nav.crm-nav a[href]')].map(a => a.href),
    sources: [...document.querySelectorAll('[src]')].map(e => e.getAttribute('src')),
    alts: [...document.querySelectorAll('img')].map(i => i.getAttribute('alt') || ''),
    kpis: [...document.querySelectorAll('.crm-kpi')].map(k => ({
      basis: k.dataset.basis,
      label: k.querySelector('.crm-kpi-label').innerText,
      value: k.querySelector('.crm-kpi-value').innerText,
      interval: k.querySelector('.crm-kpi-interval').innerText,
    })),
    headlines: [...document.querySelectorAll('.card .fig')].map(f => ({
      value: f.innerText, below: f.nextElementSibling ? f.nextElementSibling.innerText : ''})),
  };
}"""

# Click the first orderable header of the first sortable table with two or more rows; return
# the column's cells before and after, and the header's aria-sort.
SORT_PROBE = """async () => {
  const tables = [...document.querySelectorAll('table.dataTable')]
    .filter(t => t.offsetParent !== null && t.tBodies[0] && t.tBodies[0].rows.length > 1);
  if (!tables.length) return null;
  const table = tables[0];
  const headers = [...table.querySelectorAll('thead th')];
  const th = headers.find(h => h.classList.contains('dt-orderable-asc'));
  if (!th) return {error: 'no orderable header'};
  // The sort button: the header itself, or its arrows when the library makes them the button.
  const button = th.querySelector('.dt-column-order') || th;
  const col = headers.indexOf(th);
  const cells = () => [...table.tBodies[0].rows].map(r => r.cells[col].innerText.trim());
  const before = cells();
  button.click();
  await new Promise(r => setTimeout(r, 50));
  const first = cells();
  button.click();
  await new Promise(r => setTimeout(r, 50));
  return {before, first, second: cells(), ariaSort: th.getAttribute('aria-sort')};
}"""


def _chromium() -> str | None:
    for name in (os.environ.get("CRM_CHROMIUM", ""), "chromium", "chromium-browser"):
        if name and shutil.which(name):
            return shutil.which(name)
    return None


@pytest.fixture(scope="module")
def browser():
    """A headless Chromium of the distribution, driven by Playwright."""
    required = os.environ.get("CRM_REQUIRE_BROWSER") == "1"
    executable = _chromium()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - playwright is in the dev extra
        sync_playwright = None
    why = (
        "playwright is not installed (pip install -e '.[dev]')"
        if sync_playwright is None
        else "no Chromium on PATH (apt-get install chromium)"
        if executable is None
        else None
    )
    if why:
        if required:
            pytest.fail(f"browser test required (CRM_REQUIRE_BROWSER=1) but {why}")
        pytest.skip(why)
    with sync_playwright() as driver:
        chromium = driver.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory) -> Path:
    folder = os.environ.get("CRM_BROWSER_SCREENSHOTS")
    path = Path(folder) if folder else tmp_path_factory.mktemp("browser-screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


def _open(browser, file: Path, width: int, shot: Path):
    """Load ``file`` at ``width`` px; return (page, probe, refused requests)."""
    page = browser.new_page(viewport={"width": width, "height": 900})
    refused: list[str] = []

    def route(r):
        if r.request.url.startswith(LOCAL_SCHEMES):
            r.continue_()
        else:
            refused.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.goto(file.resolve().as_uri())
    page.wait_for_load_state("load")
    page.screenshot(path=str(shot))
    return page, page.evaluate(PROBE), refused


def _local_file(url: str) -> Path:
    return Path(unquote(urlparse(url).path))


def _audience(name: str) -> str:
    if name == "index.html":
        return "index"
    for audience, suffix in sorted(AUDIENCE_SUFFIXES.items(), key=lambda a: -len(a[1])):
        if name.endswith(suffix):
            return audience
    raise AssertionError(name)


def _problems_at(name: str, audience: str, width: int, probe: dict, refused: list) -> list:
    problems = [f"requested from outside the machine: {u}" for u in refused]
    if probe["scrollWidth"] > probe["width"]:
        problems.append(f"scrolls sideways: {probe['scrollWidth']} px in a {width} px window")
    if audience == "management" and width == WIDTHS["laptop"]:
        problems += [
            f"table wider than the laptop screen ({b['scroll']} > {b['client']} px): {b['head']!r}"
            for b in probe["tableBoxes"]
            if b["scroll"] > b["client"] + 1
        ]
    return problems


def _problems_once(name: str, audience: str, out: Path, probe: dict) -> list:
    problems = []
    for url in probe["links"] + [s for s in probe["sources"] if s]:
        if url.startswith(("file:", "data:", "blob:", "#")):
            if url.startswith("file:") and not _local_file(url).exists():
                problems.append(f"broken link: {url}")
        else:
            problems.append(f"external URL: {url[:80]}")
    if audience != "index":
        problems += [
            f"table not sortable: {t['caption']!r}"
            for t in probe["tables"]
            if not (t["dataTable"] and t["orderable"])
        ]
    if audience in ("management", "index"):
        names = sorted(set(SNAKE.findall(probe["proseText"])))
        if names:
            problems.append(f"internal names shown to a manager: {names}")
        problems += [f"jargon shown to a manager: {w!r}" for w in JARGON if w in probe["text"]]
    problems += [
        f"chart without a description (alt): {alt!r}"
        for alt in probe["alts"]
        if not alt.strip() or alt.startswith("No description has been provided")
    ]
    for k in probe["kpis"]:
        if "$" in k["value"] and k["basis"] == "estimate" and "95%" not in k["interval"]:
            problems.append(f"money estimate without an interval: {k['label']} {k['value']}")
    for h in probe["headlines"]:
        if "$" in h["value"] and not ("95%" in h["below"] or "[" in h["below"]):
            if "observed" not in h["below"]:
                problems.append(f"headline money figure without interval: {h}")
    if audience != "index":
        stem = name[: -len(AUDIENCE_SUFFIXES[audience])]
        expected = {"index.html", f"{stem}.json"} | {
            f"{stem}{s}" for s in AUDIENCE_SUFFIXES.values()
        }
        expected.discard(name)  # the page itself is marked, not linked
        linked = {_local_file(u).name for u in probe["nav"]}
        if not expected <= linked:
            problems.append(f"navigation bar lacks links to {sorted(expected - linked)}")
    return problems


def _check_sorting(page) -> list:
    result = page.evaluate(SORT_PROBE)
    if result is None:
        return []
    if "error" in result:
        return [f"sorting: {result['error']}"]
    problems = []
    if result["ariaSort"] not in ("ascending", "descending"):
        problems.append(f"a click on a header did not sort (aria-sort={result['ariaSort']!r})")
    if sorted(result["first"]) != sorted(result["before"]):
        problems.append("sorting changed the table's cells")
    if result["first"] == result["second"] and len(set(result["first"])) > 1:
        problems.append("a second click on the header did not reverse the order")
    return problems


@pytest.mark.parametrize("name", PAGES)
def test_page_in_a_browser(run, browser, screenshots, name):  # noqa: F811 - fixture
    out = run.out
    file = out / name
    assert file.is_file(), f"{name} was not written (see test_notebooks)"
    audience = _audience(name)
    problems = []
    for label, width in WIDTHS.items():
        page, probe, refused = _open(browser, file, width, screenshots / f"{name}.{label}.png")
        problems += [f"{label}: {p}" for p in _problems_at(name, audience, width, probe, refused)]
        if label == "laptop":
            problems += _problems_once(name, audience, out, probe)
            if audience != "index":
                problems += _check_sorting(page)
        page.close()
    assert not problems, f"{name} (screenshots in {screenshots}):\n- " + "\n- ".join(problems)


@pytest.mark.parametrize("report", REPORTS)
def test_navigation_opens_the_analyst_page(run, browser, screenshots, report):  # noqa: F811
    page = browser.new_page(viewport={"width": WIDTHS["phone"], "height": 900})
    page.goto((run.out / f"{report}.html").resolve().as_uri())
    page.click("nav.crm-nav a[href$='.analyst.html']")
    page.wait_for_load_state("load")
    assert _local_file(page.url).name == f"{report}.analyst.html"
    page.click("nav.crm-nav a[href$='index.html']")
    page.wait_for_load_state("load")
    assert _local_file(page.url).name == "index.html"
    page.close()
