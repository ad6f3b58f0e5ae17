"""The documentation site and the top-level API.

The site itself is built by `.ci/run` (``mkdocs build --strict``, tutorials executed, into
``site/``) right before the test suite; these tests check its configuration without building,
and the built HTML for external assets when a build is there.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import crm_models

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"
SUBPACKAGES = [
    "customization",
    "data",
    "engines",
    "loyalty",
    "reporting",
    "retention",
    "teaching",
    "uplift",
    "value",
]


class _Loader(yaml.SafeLoader):
    """mkdocs.yml may hold ``!!python/name:`` tags; none are needed to read the nav."""


_Loader.add_multi_constructor("tag:yaml.org,2002:python/", lambda loader, suffix, node: None)


def nav_files() -> list[str]:
    """Every page file named in mkdocs.yml's nav, relative to docs/."""
    config = yaml.load((REPO / "mkdocs.yml").read_text(encoding="utf-8"), Loader=_Loader)

    def walk(item: object) -> list[str]:
        if isinstance(item, str):
            return [item]
        if isinstance(item, list):
            return [f for sub in item for f in walk(sub)]
        if isinstance(item, dict):
            return [f for sub in item.values() for f in walk(sub)]
        return []

    return walk(config["nav"])


def test_every_nav_page_exists():
    missing = [f for f in nav_files() if not (DOCS / f).is_file()]
    assert not missing, f"mkdocs.yml nav names missing pages: {missing}"


def test_every_public_subpackage_has_a_reference_page_in_the_nav():
    nav = set(nav_files())
    for name in SUBPACKAGES:
        page = f"reference/{name}.md"
        assert page in nav, f"{page} is not in mkdocs.yml nav"
        assert f"::: crm_models.{name}" in (DOCS / page).read_text(encoding="utf-8")
    found = sorted(
        p.name
        for p in (REPO / "src" / "crm_models").iterdir()
        if p.is_dir() and (p / "__init__.py").is_file() and not p.name.startswith("_")
    )
    assert found == SUBPACKAGES, "a new subpackage needs a reference page (and this list)"


def test_every_tutorial_is_in_the_nav_and_every_study_has_one():
    nav = set(nav_files())
    tutorials = sorted(f"tutorials/{p.name}" for p in (DOCS / "tutorials").glob("*.py"))
    assert tutorials, "no tutorials found"
    assert [t for t in tutorials if t not in nav] == []
    for study in ["value", "uplift", "loyalty", "customization"]:
        assert f"tutorials/{study}.py" in tutorials


def test_every_guide_and_reference_page_is_in_the_nav():
    """A page written but left out of the nav is unreachable from the menu (mkdocs only logs it)."""
    nav = set(nav_files())
    for folder in ["guides", "reference"]:
        pages = sorted(f"{folder}/{p.name}" for p in (DOCS / folder).glob("*.md"))
        assert pages, f"no pages in docs/{folder}"
        assert [p for p in pages if p not in nav] == [], f"docs/{folder} pages missing from nav"
    for page in ["time-units", "consent", "treatment-control", "coming-from"]:
        assert f"guides/{page}.md" in nav, page


def test_every_plot_module_is_on_the_charts_page():
    text = (DOCS / "reference" / "charts.md").read_text(encoding="utf-8")
    modules = sorted(p.parent.name for p in (REPO / "src" / "crm_models").glob("*/plots.py"))
    assert modules, "no plot modules found"
    for name in modules:
        assert f"::: crm_models.{name}.plots" in text, f"crm_models.{name}.plots not documented"


def test_the_top_level_page_lists_every_top_level_name():
    text = (DOCS / "reference" / "index.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"`(\w+)`", text))
    missing = [n for n in crm_models.__all__ if n != "__version__" and n not in listed]
    assert not missing, f"reference/index.md does not list: {missing}"


def test_tutorials_start_from_a_dataframe_and_use_the_top_level_api():
    for path in (DOCS / "tutorials").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert text.startswith("# %% [markdown]\n# # "), f"{path.name}: jupytext percent, titled"
        assert "import crm_models as crm" in text, path.name


def test_the_site_is_offline_by_configuration():
    text = (REPO / "mkdocs.yml").read_text(encoding="utf-8")
    assert "strict: true" in text
    assert re.search(r"^\s+execute: true", text, re.M), "tutorials must be executed"
    assert not re.search(r"https?://", text), "mkdocs.yml must not fetch anything"


def test_the_built_site_references_no_external_asset():
    """Scripts, stylesheets, fonts and images of the built pages are local files."""
    site = Path(os.environ.get("CRM_DOCS_SITE", REPO / "site"))
    if not (site / "index.html").is_file():
        pytest.skip(f"no built site at {site} (`mkdocs build --strict` in .ci/run builds it)")
    asset = re.compile(
        r"<(?:script|img|iframe)[^>]*\bsrc=[\"'](?:https?:)?//[^\"']+"
        r"|<link[^>]*\bhref=[\"'](?:https?:)?//[^\"']+"
        r"|@import\s+url\([\"']?(?:https?:)?//|url\([\"']?(?:https?:)?//"
    )
    bad = {}
    for page in [*site.rglob("*.html"), *site.rglob("*.css")]:
        hits = asset.findall(page.read_text(encoding="utf-8", errors="replace"))
        if hits:
            bad[str(page.relative_to(site))] = hits[:3]
    assert not bad, f"external assets in the built site: {bad}"


def test_sphinx_roles_of_the_docstrings_render_as_code():
    """Docstrings write :func:`name`; the site shows ``name`` in code type, not the role."""
    spec = importlib.util.spec_from_file_location(
        "sphinx_roles", DOCS / "_hooks" / "sphinx_roles.py"
    )
    hook = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hook)
    assert "docs/_hooks/sphinx_roles.py" in (REPO / "mkdocs.yml").read_text(encoding="utf-8")
    html = (
        "see :func:<code>lift_table</code> and :class:<code>~crm_models.value.models._base.Model"
        "</code>, :meth:<code>LiftResult.summary</code>; a::b; grammar::</p>"
    )
    assert hook.on_page_content(html) == (
        "see <code>lift_table</code> and <code>Model</code>, "
        "<code>LiftResult.summary</code>; a::b; grammar:</p>"
    )
    site = Path(os.environ.get("CRM_DOCS_SITE", REPO / "site"))
    if (site / "index.html").is_file():
        left = [
            str(page.relative_to(site))
            for page in site.rglob("*.html")
            if hook.ROLE.search(page.read_text(encoding="utf-8"))
        ]
        assert not left, f"Sphinx roles left as text in the built site: {left}"


# --- the top-level API ------------------------------------------------------------------------


def test_every_top_level_name_is_the_subpackage_object():
    names = [n for n in crm_models.__all__ if n != "__version__"]
    assert crm_models.__all__ == sorted(crm_models.__all__)
    for name in names:
        module = importlib.import_module(crm_models._LAZY[name])
        assert getattr(crm_models, name) is getattr(module, name), name
        if module.__name__ != "crm_models.errors":
            assert name in module.__all__, f"{name} is not public in {module.__name__}"
    assert set(names) == set(crm_models._LAZY)
    assert isinstance(crm_models.__version__, str)


def test_dir_lists_the_top_level_names():
    listed = dir(crm_models)
    assert set(crm_models.__all__) <= set(listed)


def test_an_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'BetaGeoFitter'"):
        _ = crm_models.BetaGeoFitter
    assert not hasattr(crm_models, "nope")


def test_the_quickstart_entry_points_are_at_the_top_level():
    for name in [
        "BGNBD",
        "ConjointModel",
        "GammaGamma",
        "KanoSurvey",
        "PLSPathModel",
        "TLearner",
        "customer_lifetime_value",
        "plan_targeting",
        "rfm_summary",
        "simulate_world",
    ]:
        assert name in crm_models.__all__, name


def test_import_crm_models_imports_no_subpackage_and_no_heavy_library():
    """``import crm_models`` (and so the ``crm`` command's start) stays fast: lazy names."""
    code = (
        "import sys, crm_models\n"
        "heavy = [m for m in ('pandas', 'numpy', 'duckdb', 'scipy', 'importlib.metadata',"
        " 'crm_models.data', 'crm_models.value', 'crm_models.uplift') if m in sys.modules]\n"
        "print(heavy)\n"
        "crm_models.BGNBD\n"
        "print('crm_models.value' in sys.modules)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    ).stdout.split("\n")
    assert out[0] == "[]", f"imported eagerly: {out[0]}"
    assert out[1] == "True"
