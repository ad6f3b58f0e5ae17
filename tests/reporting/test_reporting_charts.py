"""Charts of every report: one colour-blind-safe palette, no literal colours, real alt text.

The palette and alt-text checks run a real notebook through ``crm run`` (a papermill kernel):
its setup cell imports ``crm_models.reporting`` and then calls ``sns.set_theme`` (which
resets seaborn's palette), as two study notebooks do.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import nbformat  # noqa: E402
import pytest  # noqa: E402
from conftest import write_notebook  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402

from crm_models.reporting.charts import (  # noqa: E402
    COLORS,
    PALETTE,
    describe_figure,
    use_report_style,
    wrap_title,
)
from crm_models.reporting.export import render_html  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src" / "crm_models"
NBCONVERT_DEFAULT = "No description has been provided for this image"
OKABE_ITO = {"#000000", "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7"}

SETUP = (
    "import matplotlib.pyplot as plt\nimport seaborn as sns\n\n"
    "from crm_models.reporting import publish_figures\n\n"
    'sns.set_theme(style="whitegrid")'
)
CHART = (
    "fig, ax = plt.subplots()\n"
    "for k in range(3):\n"
    "    ax.plot([0, 1], [k, k + 1], label=f'series {k}')\n"
    "ax.set(title='Revenue grows in every segment', xlabel='week', ylabel='revenue (k$)')\n"
    "ax.legend()\n"
    "colors = [line.get_color() for line in ax.get_lines()]\n"
    "plt.show()"
)
HOSTILE = (
    "fig, ax = plt.subplots()\n"
    "ax.bar(['<b>A</b>', 'B'], [1, 2])\n"
    "ax.set_title('Segment \"x\" <script>alert(1)</script> & more')\n"
    "plt.show()"
)
PUBLISH = "_ = publish_figures({'colors': colors})"


class _Images(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.alts: list[str | None] = []

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.alts.append(dict(attrs).get("alt"))


def image_alts(page: str) -> list[str | None]:
    """The ``alt`` of every ``<img>`` in ``page`` (None when missing), unescaped."""
    parser = _Images()
    parser.feed(page)
    return parser.alts


def crm_run(notebooks: Path, out: Path, *names: str, sets: tuple[str, ...] = ()) -> None:
    """Run ``crm run`` in a subprocess with this worktree's code first on the path."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    args = [sys.executable, "-m", "crm_models.cli", "--project", str(ROOT), "run", *names]
    args += ["--output", str(out)]
    args += ["--notebooks", str(notebooks)]
    for s in sets:
        args += ["--set", s]
    done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A chart notebook through the real pipeline: (output folder, figures)."""
    root = tmp_path_factory.mktemp("charts")
    write_notebook(
        root / "nb" / "charts_demo.ipynb",
        "n: int = 1  # unused [0, 9]",
        [
            ("code", SETUP),
            ("markdown", "## Revenue"),
            ("code", CHART),
            ("code", HOSTILE),
            ("code", PUBLISH),
        ],
        title="Charts demo",
    )
    crm_run(root / "nb", root / "out", "charts_demo")
    figures = json.loads((root / "out" / "charts_demo.json").read_text())["figures"]
    return root / "out", figures


def test_palette_is_published_okabe_ito_and_the_cycle_after_setup(built):
    assert set(PALETTE) <= OKABE_ITO and len(PALETTE) == len(set(PALETTE)) == 7
    assert {COLORS["main"], COLORS["highlight"]} <= OKABE_ITO
    # the setup cell called sns.set_theme after importing crm_models.reporting
    _, figures = built
    assert [to_hex(c).upper() for c in figures["colors"]] == list(PALETTE[:3])


def test_use_report_style_sets_the_cycle_in_a_plain_process():
    code = (
        "import matplotlib as mpl\n"
        "from crm_models.reporting.charts import PALETTE, use_report_style\n"
        "use_report_style()\n"
        "print(mpl.rcParams['axes.prop_cycle'].by_key()['color'] == list(PALETTE))"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert done.stdout.strip() == "True", done.stderr


def test_importing_reporting_outside_a_kernel_does_not_import_matplotlib():
    code = "import sys, crm_models.reporting\nprint('matplotlib' in sys.modules)"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert done.stdout.strip() == "False", done.stderr


def test_no_literal_colours_in_package_plots():
    literal = re.compile(
        r"#[0-9a-fA-F]{6}\b|\b(?:e?colors?|c|facecolor|edgecolor)\s*=\s*\[?\s*[\"'][a-z]+[\"']"
    )
    offenders = [
        f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
        for path in sorted(SRC.glob("*/plots.py"))
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if literal.search(line)
    ]
    assert not offenders, "colours must come from crm_models.reporting.charts:\n" + "\n".join(
        offenders
    )


def test_every_image_of_every_page_has_the_figure_description_as_alt(built):
    out, _ = built
    pages = sorted(out.glob("charts_demo*.html"))
    assert len(pages) == 3
    for page in pages:
        alts = image_alts(page.read_text())
        assert len(alts) == 2, page.name
        assert all(alt and alt.strip() and alt != NBCONVERT_DEFAULT for alt in alts), alts
        first, hostile = alts
        assert first.startswith("Chart: Revenue grows in every segment")
        assert "x axis: week, from" in first and "y axis: revenue (k$)" in first
        assert "legend: series 0; series 1; series 2" in first
        assert 'Segment "x" <script>alert(1)</script> & more' in hostile
        assert "<b>A</b>, B" in hostile


def test_alt_text_is_escaped_in_the_page(built):
    out, _ = built
    text = (out / "charts_demo.html").read_text()
    assert "<script>alert(1)" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    # the quotes did not end the attribute early (the whole title is in the parsed alt)
    assert any('Segment "x" <script>' in (alt or "") for alt in image_alts(text))


def test_image_without_description_gets_its_section_not_nbconverts_text():
    nb = nbformat.v4.new_notebook()
    chart = nbformat.v4.new_code_cell("plt.show()")
    chart.outputs = [
        nbformat.v4.new_output(
            "display_data",
            data={"image/png": "iVBORw0KGgo=", "text/plain": "<Figure size 640x480 with 1 Axes>"},
        )
    ]
    nb.cells = [nbformat.v4.new_markdown_cell("## Weekly <revenue>"), chart]
    for audience in ("management", "analyst", "teaching"):
        alts = image_alts(render_html(nb, audience))
        assert alts == ["Chart in section Weekly <revenue>"]


def test_describe_figure_names_titles_axes_categories_and_legend():
    fig, (left, right) = plt.subplots(1, 2)
    fig.suptitle("Two views")
    left.barh(["North", "South"], [1, 2], label="2026")
    left.legend(title="year")
    left.set(title="Sales by region", xlabel="sales ($k)")
    right.plot([0, 10], [5, 50])
    right.set(xlabel="week", ylabel="visits")
    text = describe_figure(fig)
    plt.close(fig)
    assert text.startswith("Chart: Two views. Sales by region. x axis: sales ($k), from 0")
    assert "y axis categories: North, South" in text
    assert "legend (year): 2026" in text
    assert "x axis: week, from" in text and "y axis: visits, from" in text
    empty = plt.figure()
    assert describe_figure(empty) == "Chart without title or labels"
    plt.close(empty)


def test_wrap_title_fits_long_titles_and_shows_dollars_literally():
    fig, ax = plt.subplots()
    wrap_title(ax, "Gain of $1.2M over mailing everyone, $0.4M to $2.0M, " * 2)
    title = ax.get_title()
    plt.close(fig)
    assert "\n" in title and all(len(line) <= 64 for line in title.splitlines())
    assert r"\$1.2M" in title  # mathtext off: the dollar sign shows


def test_page_css_scales_images_to_the_screen():
    template = SRC / "reporting" / "templates" / "crm_offline" / "index.html.j2"
    assert re.search(r"img\s*\{\s*max-width:\s*100%;\s*height:\s*auto;", template.read_text())


def test_use_report_style_in_process():
    use_report_style()
    fig, ax = plt.subplots()
    colors = [ax.plot([0, 1])[0].get_color() for _ in range(len(PALETTE))]
    plt.close(fig)
    assert [c.upper() for c in colors] == list(PALETTE)
