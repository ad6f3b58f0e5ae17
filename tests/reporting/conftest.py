"""Fixtures of the report-pipeline tests: tiny notebooks written with nbformat into tmp_path.

A two-cell notebook runs through papermill in about 3 s, so pipeline behaviour (cache,
failure isolation, config jobs, atomic writes) is tested on these, not on the study notebooks.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}

DEMO_PARAMETERS = """n: int = 3  # items [1, 100]
label: str = "a"  # label {a, b}
data: str = ""  # optional input CSV whose lines are counted
fail: bool = False  # raise on purpose
"""

DEMO_BODY = [
    ("code", "if fail:\n    raise RuntimeError(f'boom: the demo failed on purpose with n={n}')"),
    ("code", "rows = len(open(data).read().splitlines()) if data else 0\nsquare = n * n"),
    ("markdown", "## Result"),
    (
        "code",
        "from IPython.display import Markdown, display\n\n"
        "display(Markdown(f'The square of {n} is **{square}** ({rows} input rows).'))",
    ),
    (
        "code",
        "from crm_models.reporting import publish_figures\n\n"
        "_ = publish_figures({'n': n, 'square': square, 'label': label, 'rows': rows})",
    ),
]


def write_notebook(
    path: Path,
    parameters: str | None,
    body: list[tuple[str, str] | tuple[str, str, list[str]]] = (),
    title: str | None = None,
    summary: str | None = None,
    kernelspec: bool = True,
    renamed: dict[str, str] | list | None = None,
) -> Path:
    """Write a notebook: a ``parameters`` cell (unless None) followed by ``body`` cells
    given as (cell_type, source[, tags]); ``renamed`` becomes the metadata
    ``crm_report.renamed_parameters`` (old name -> new name)."""
    nb = nbformat.v4.new_notebook()
    if kernelspec:
        nb.metadata["kernelspec"] = dict(KERNELSPEC)
    if title or summary:
        nb.metadata["crm_report"] = {
            k: v for k, v in {"title": title, "summary": summary}.items() if v
        }
    if renamed is not None:
        nb.metadata.setdefault("crm_report", {})["renamed_parameters"] = renamed
    cells = []
    if parameters is not None:
        cell = nbformat.v4.new_code_cell(parameters)
        cell.metadata["tags"] = ["parameters"]
        cells.append(cell)
    for kind, source, *tags in body:
        cell = (nbformat.v4.new_code_cell if kind == "code" else nbformat.v4.new_markdown_cell)(
            source
        )
        if tags and tags[0]:
            cell.metadata["tags"] = list(tags[0])
        cells.append(cell)
    nb.cells = cells
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


@pytest.fixture
def notebook_factory():
    """``write_notebook`` as a fixture (see its docstring)."""
    return write_notebook


def write_demo(path: Path, title: str = "Demo report") -> Path:
    """The demo notebook: parameters n, label, data, fail; publishes n, square, label, rows."""
    return write_notebook(
        path, DEMO_PARAMETERS, DEMO_BODY, title=title, summary="A tiny demo that squares n."
    )


@pytest.fixture
def demo_factory():
    """``write_demo`` as a fixture (see its docstring)."""
    return write_demo


@pytest.fixture
def demo_dir(tmp_path) -> Path:
    """A notebooks folder with ``demo.ipynb`` (see ``write_demo``)."""
    folder = tmp_path / "notebooks"
    write_demo(folder / "demo.ipynb")
    return folder
