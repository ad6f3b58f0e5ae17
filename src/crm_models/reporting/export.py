"""Executed notebook → offline HTML for one of three audiences, and its headline figures.

Audiences (cell tags decide what each sees; nbconvert preprocessors do the work):

- ``management``: no code, no prompts, no stderr (warnings); cells tagged ``analyst``,
  ``exercise`` or ``solution`` removed.
- ``analyst``: code and every output; only ``exercise`` cells removed.
- ``teaching``: code shown; ``solution`` and ``analyst`` cells removed, ``exercise`` cells kept.

Every rendering uses the ``crm_offline`` template: the lab template without any script, style
or font loaded from the internet.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import nbformat
from nbconvert import HTMLExporter
from nbconvert.preprocessors import Preprocessor, TagRemovePreprocessor

from crm_models.reporting.display import DOWNLOAD_KEY, DOWNLOADS_MIME, FIGURES_MIME
from crm_models.reporting.escaping import escape_html

TEMPLATES = Path(__file__).parent / "templates"
AUDIENCES = ("management", "analyst", "teaching")
REMOVED_TAGS = {
    "management": {"analyst", "exercise", "solution"},
    "analyst": {"exercise"},
    "teaching": {"analyst", "solution"},
}


class RemoveStderrPreprocessor(Preprocessor):
    """Drop stderr streams (warnings, progress bars) from every code cell."""

    def preprocess_cell(self, cell, resources, index):  # noqa: D102 - nbconvert's hook
        if cell.cell_type == "code":
            cell.outputs = [
                o
                for o in cell.outputs
                if not (o.output_type == "stream" and o.get("name") == "stderr")
            ]
        return cell, resources


class RemoveFiguresPreprocessor(Preprocessor):
    """Drop the machine-readable figures output (it goes to NAME.json, not into the page)."""

    def preprocess_cell(self, cell, resources, index):  # noqa: D102 - nbconvert's hook
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.outputs if FIGURES_MIME not in o.get("data", {})]
        return cell, resources


class DownloadLinksPreprocessor(Preprocessor):
    """Replace each download output (its CSV text) by a link to ``NAME.KEY.csv``."""

    report_name = ""

    def preprocess_cell(self, cell, resources, index):  # noqa: D102 - nbconvert's hook
        if cell.cell_type == "code":
            cell.outputs = [
                _download_link(o, self.report_name) if DOWNLOADS_MIME in o.get("data", {}) else o
                for o in cell.outputs
            ]
        return cell, resources


_DEFAULT_FIGURE_TEXT = re.compile(r"<(Figure|matplotlib\.figure\.Figure) size [^>]*>")
_HEADING = re.compile(r"^#{1,6}\s+(.+)$", re.M)
IMAGE_TYPES = ("image/png", "image/jpeg")


class ImageAltPreprocessor(Preprocessor):
    """Give every image output an escaped ``alt`` text (output metadata ``crm_alt``).

    The text is the figure's description (``crm_models.reporting.charts.describe_figure``,
    shown as its ``text/plain``); without one, "Chart in section HEADING" (the last markdown
    heading before it). The template writes it into ``<img alt="…">``.
    """

    def preprocess(self, nb, resources):  # noqa: D102 - nbconvert's hook
        self._section = ""
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, index):  # noqa: D102 - nbconvert's hook
        if cell.cell_type == "markdown":
            headings = _HEADING.findall(cell.source)
            if headings:
                self._section = headings[-1].strip()
        elif cell.cell_type == "code":
            for output in cell.outputs:
                data = output.get("data", {})
                for mime in IMAGE_TYPES:
                    if mime in data:
                        output.setdefault("metadata", {}).setdefault(mime, {})
                        output.metadata[mime]["crm_alt"] = str(escape_html(self._alt(data)))
        return cell, resources

    def _alt(self, data) -> str:
        text = str(data.get("text/plain", "")).strip()
        if text and not _DEFAULT_FIGURE_TEXT.fullmatch(text):
            return text
        return f"Chart in section {self._section}" if self._section else "Chart of this report"


def _download_link(output, name: str):
    payload = output["data"][DOWNLOADS_MIME]
    key = str(payload.get("key", ""))
    label = escape_html(payload.get("label", key))
    if not name or re.fullmatch(DOWNLOAD_KEY, key) is None:
        html = f"<p>Download: {label} (not written: run the report with <code>crm run</code>)</p>"
    else:
        file = f"{name}.{key}.csv"
        html = (
            f'<p class="crm-download">&#11015; <a href="{escape_html(quote(file))}" download>'
            f"{label}</a> — CSV file <code>{escape_html(file)}</code>, saved beside this "
            "report</p>"
        )
    return nbformat.v4.new_output("display_data", data={"text/html": html})


def render_html(
    notebook: nbformat.NotebookNode,
    audience: str = "management",
    footer: str = "",
    name: str = "",
) -> str:
    """Render the notebook as a self-contained HTML page for ``audience``.

    ``footer`` is plain text (it quotes parameters and file names): it is escaped here.
    ``name`` is the report's file stem: with it, the page gets a navigation bar (all reports,
    the other audiences, the figures) and download outputs become links to ``NAME.KEY.csv``.
    """
    if audience not in AUDIENCES:
        raise ValueError(f"audience must be one of {AUDIENCES}, got {audience!r}")
    exporter = HTMLExporter(template_name="crm_offline", extra_template_basedirs=[str(TEMPLATES)])
    exporter.register_preprocessor(
        TagRemovePreprocessor(remove_cell_tags=REMOVED_TAGS[audience], enabled=True), enabled=True
    )
    exporter.register_preprocessor(RemoveFiguresPreprocessor(enabled=True), enabled=True)
    links = DownloadLinksPreprocessor(enabled=True)
    links.report_name = name
    exporter.register_preprocessor(links, enabled=True)
    exporter.register_preprocessor(ImageAltPreprocessor(enabled=True), enabled=True)
    if audience == "management":
        exporter.exclude_input = True
        exporter.exclude_input_prompt = True
        exporter.exclude_output_prompt = True
        exporter.register_preprocessor(RemoveStderrPreprocessor(enabled=True), enabled=True)
    title = notebook.metadata.get("crm_report", {}).get("title")
    resources: dict[str, Any] = {
        "crm_footer": escape_html(footer),
        "crm_report_name": name,
        "crm_audience": audience,
    }
    if title:
        resources["metadata"] = {"name": title}
    body, _ = exporter.from_notebook_node(notebook, resources=resources)
    return body


def extract_downloads(notebook: nbformat.NotebookNode) -> dict[str, str]:
    """Collect the CSV downloads the notebook published, by key; a later one with a key wins.

    The downloads are those passed to ``crm_models.reporting.display.publish_download``; keys
    that are not plain slugs are left out (they would not make a safe file name).
    """
    downloads: dict[str, str] = {}
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            payload = output.get("data", {}).get(DOWNLOADS_MIME)
            if isinstance(payload, dict) and re.fullmatch(DOWNLOAD_KEY, str(payload.get("key"))):
                downloads[payload["key"]] = str(payload.get("csv", ""))
    return downloads


def extract_figures(notebook: nbformat.NotebookNode) -> dict:
    """Collect the headline figures the notebook published; later calls win.

    The figures are those passed to ``publish_figures``.
    """
    figures: dict = {}
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if FIGURES_MIME in data:
                figures.update(data[FIGURES_MIME])
    return figures


STALE_START, STALE_END = "<!-- crm:stale -->", "<!-- /crm:stale -->"
_STALE_BANNER = re.compile(re.escape(STALE_START) + ".*?" + re.escape(STALE_END), re.S)
_BODY_TAG = re.compile(r"<body[^>]*>", re.I)


def _readable_time(iso: str) -> str:
    """``2026-12-01T18:53:20+00:00`` → ``2026-12-01 18:53 UTC`` (other text as given)."""
    try:
        return datetime.fromisoformat(iso).astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    except (TypeError, ValueError):
        return iso


def mark_stale(page: str, made_at: str, failed_at: str, error: str) -> str:
    """Put (or replace) the out-of-date banner at the top of a rendered page.

    Parameters
    ----------
    page : str
        A page made by ``render_html``.
    made_at, failed_at : str
        When the page was made, and when the newest run (which failed) finished (ISO 8601).
    error : str
        The newest run's error (plain text; escaped here).

    Returns
    -------
    str
        The page with the banner right after ``<body>``; without a ``<body>`` tag, first.
    """
    banner = (
        f'{STALE_START}<div role="alert" style="background:#fff8c5;border:1px solid #d4a72c;'
        "border-radius:6px;padding:10px 14px;margin:12px auto;max-width:1100px;"
        'font-family:system-ui,sans-serif;color:#1f2328"><strong>Out of date.</strong> '
        f"This page was made {escape_html(_readable_time(made_at) or 'by an earlier run')}. "
        f"The newest run ({escape_html(_readable_time(failed_at))}) failed: "
        f"<code>{escape_html(error)}</code>. "
        f"The figures below are from the earlier run; see the report index and run.log.</div>"
        f"{STALE_END}"
    )
    page = _STALE_BANNER.sub("", page)
    body = _BODY_TAG.search(page)
    at = body.end() if body else 0
    return page[:at] + banner + page[at:]
