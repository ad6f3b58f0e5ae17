"""The report folder's front page (``index.html``) and its run history (``history.json``).

One card per report: its question, its headline figure with interval, the data source, the
parameters that differ from the notebook's defaults, the job name, when it ran and whether the
pages are current — with links to the three audiences and the figures. Under the card, the
last runs of the report with their headline figure, so a trend is visible.

Each study notebook declares its headline in its metadata::

    "crm_report": {"question": "Who are our valuable customers?",
                   "headline": {"figure": "customer_equity", "label": "Customer equity",
                                "unit": "money"}}

``figure`` is a dotted path into ``NAME.json``'s figures. It leads to a number, or to a
mapping with ``estimate`` (or ``value``/``index``), ``ci_low`` and ``ci_high``. ``interval``
(optional) is a dotted path to a ``[low, high]`` list, or a list of two dotted paths.
``unit`` is one of ``money``, ``percent``, ``count``, ``number``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

from crm_models.reporting import display
from crm_models.reporting.escaping import Markup
from crm_models.reporting.escaping import escape_html as escape
from crm_models.reporting.formatting import fmt_money_short

__all__ = ["HISTORY_LENGTH", "headline_figure", "update_history", "write_index"]

HISTORY_LENGTH = 10
"""Runs of each report kept in ``history.json``."""

STATUS_WORDS = {
    "ok": ("current", "#1a7f37"),
    "cached": ("current (unchanged, served from the cache)", "#1a7f37"),
    "failed": ("failed", "#cf222e"),
}
AUDIENCE_LINKS = (
    ("", "Management"),
    (".analyst", "Analyst"),
    (".teaching", "Teaching"),
)


def _lookup(figures: Mapping, path: str) -> object:
    value: object = figures
    for part in str(path).split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def headline_figure(spec: Mapping | None, figures: Mapping) -> dict | None:
    """Read a report's headline figure from its published figures.

    Parameters
    ----------
    spec : Mapping or None
        The notebook's ``metadata.crm_report.headline`` (see the module docstring).
    figures : Mapping
        The ``figures`` of ``NAME.json``.

    Returns
    -------
    dict or None
        ``{"label", "unit", "estimate", "ci_low", "ci_high"}`` (the bounds None when the
        report gives no interval); None when there is no spec or the figure is not a number.
    """
    if not isinstance(spec, Mapping) or "figure" not in spec:
        return None
    value = _lookup(figures, spec["figure"])
    low = high = None
    if isinstance(value, Mapping):
        low, high = value.get("ci_low"), value.get("ci_high")
        value = next((value[k] for k in ("estimate", "value", "index") if k in value), None)
    interval = spec.get("interval")
    if isinstance(interval, str):
        bounds = _lookup(figures, interval)
        if isinstance(bounds, list | tuple) and len(bounds) == 2:
            low, high = bounds
    elif isinstance(interval, list | tuple) and len(interval) == 2:
        low, high = (_lookup(figures, p) for p in interval)
    estimate = _number(value)
    if estimate is None:
        return None
    low, high = _number(low), _number(high)
    if low is None or high is None:
        low = high = None
    return {
        "label": str(spec.get("label") or spec["figure"]),
        "unit": str(spec.get("unit") or "number"),
        "estimate": estimate,
        "ci_low": low,
        "ci_high": high,
    }


def _format(x: float, unit: str) -> str:
    if unit == "money":
        return fmt_money_short(x)  # three significant digits, as on the report pages
    if unit == "percent":
        return display.fmt_pct(x)
    if unit == "count":
        return display.fmt_int(x)
    return f"{x:,.1f}"


def format_headline(headline: Mapping | None) -> tuple[str, str]:
    """``(value, interval)`` as text for a ``headline_figure`` result; ('', '') for None."""
    if not headline:
        return "", ""
    unit = headline["unit"]
    value = _format(headline["estimate"], unit)
    if headline.get("ci_low") is None:
        return value, ""
    interval = display.fmt_interval(
        headline["ci_low"], headline["ci_high"], lambda v: _format(v, unit)
    )
    return value, f"95% interval {interval}"


def _notebook_facts(path: str, cache: dict) -> dict:
    """Read the notebook's ``crm_report`` metadata and parameter defaults (cached by path)."""
    if path in cache:
        return cache[path]
    facts: dict = {"metadata": {}, "defaults": None}
    try:
        notebook = json.loads(Path(path).read_text(encoding="utf-8"))
        facts["metadata"] = notebook.get("metadata", {}).get("crm_report", {}) or {}
        from crm_models.reporting.catalog import read_report

        report = read_report(path)
        facts["defaults"] = {n: p.default for n, p in report.parameters.items()}
    except Exception:  # noqa: BLE001 - a moved or broken notebook must not break the index
        pass
    cache[path] = facts
    return facts


def _when(stamp: str) -> str:
    """'2026-12-01T18:58:53+00:00' -> '2026-12-01 18:58 UTC' (other text unchanged)."""
    try:
        moment = datetime.fromisoformat(stamp)
    except (TypeError, ValueError):
        return stamp
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def _changed_parameters(parameters: Mapping, defaults: Mapping | None) -> dict:
    if defaults is None:
        return dict(parameters)
    return {k: v for k, v in parameters.items() if k not in defaults or defaults[k] != v}


def _figures(folder: Path, name: str) -> dict:
    try:
        payload = json.loads((folder / f"{name}.json").read_text(encoding="utf-8"))
        return payload.get("figures", {}) or {}
    except (OSError, ValueError, AttributeError):
        return {}


def _source(figures: Mapping, parameters: Mapping) -> str:
    for key in ("data_source", "source"):
        if isinstance(figures.get(key), str) and figures[key]:
            return figures[key]
    for key in ("data_source", "db_path", "data"):
        if parameters.get(key):
            return str(parameters[key])
    if "seed" in parameters:
        return f"synthetic world, seed {parameters['seed']}"
    return ""


def update_history(
    path: Path,
    folder: Path,
    entries: list[dict],
    write: Callable,
    run_info: Mapping | None = None,
    cache: dict | None = None,
) -> dict[str, list[dict]]:
    """Append this run's reports to ``history.json`` (last ``HISTORY_LENGTH`` kept per report).

    Only the reports of this run (``run_info["jobs"]``; all entries without it) that ran are
    appended: successful runs with their headline figure, failed ones with their error;
    cached ones repeat an earlier run and are skipped.

    Returns
    -------
    dict
        The history by report name, newest run last.
    """
    cache = {} if cache is None else cache
    try:
        history = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(history, dict):
            history = {}
    except (OSError, ValueError):
        history = {}
    run_info = run_info or {}
    ran = set(run_info.get("jobs", [e["name"] for e in entries]))
    for entry in entries:
        name, status = entry["name"], entry.get("status")
        if name not in ran:
            continue
        runs = [r for r in history.get(name, []) if isinstance(r, dict)]
        if status == "ok":
            stamp = entry.get("finished_at") or ""
            facts = _notebook_facts(entry.get("notebook", ""), cache)
            figure = headline_figure(facts["metadata"].get("headline"), _figures(folder, name))
            record = {"at": stamp, "status": "ok", "headline": figure}
        elif status == "failed" and entry.get("cache_key"):
            stamp = run_info.get("finished_at") or datetime.now(UTC).isoformat(timespec="seconds")
            record = {"at": stamp, "status": "failed", "error": entry.get("error", "")}
        else:
            continue
        record["parameters"] = entry.get("parameters", {})
        if any(r.get("at") == stamp and r.get("status") == status for r in runs):
            continue
        history[name] = (runs + [record])[-HISTORY_LENGTH:]
    write(path, json.dumps(history, indent=2, default=str))
    return history


CSS = (
    "body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:980px;"
    "margin:24px auto;padding:0 12px;color:#1f2328}a{color:#0969da}"
    ".card{border:1px solid #d0d7de;border-radius:8px;padding:12px 16px;margin:14px 0}"
    ".card h2{font-size:18px;margin:0 0 4px}.q{color:#57606a;margin:0 0 8px}"
    ".fig{font-size:26px;font-weight:600}.ci{color:#57606a;font-size:13px}"
    ".meta{font-size:13px;color:#57606a;margin:6px 0;overflow-wrap:anywhere}"
    ".links a{margin-right:12px}.status{font-weight:600}"
    ".runs{font-size:12px;border-collapse:collapse;margin-top:6px;max-width:100%}"
    ".runs td{padding:2px 8px 2px 0;vertical-align:top;overflow-wrap:anywhere}"
    ".err{color:#cf222e;font-size:12px;overflow-wrap:anywhere}"
)


def _card(entry: dict, folder: Path, runs: list[dict], cache: dict) -> str:
    name = entry["name"]
    href = escape(quote(name))  # percent-encoded: a file name, never a URL scheme
    exists = (folder / f"{name}.html").exists()
    facts = _notebook_facts(entry.get("notebook", ""), cache)
    meta = facts["metadata"]
    figures = _figures(folder, name) if exists else {}
    headline = headline_figure(meta.get("headline"), figures)
    value, interval = format_headline(headline)
    question = meta.get("question") or entry.get("summary") or meta.get("summary") or ""
    title = escape(entry.get("title") or name)
    parts = [f"<div class='card' id='{href}'><h2>{title}</h2>"]
    if question:
        parts.append(f"<p class='q'>{escape(question)}</p>")
    summary = entry.get("summary") or meta.get("summary") or ""
    if summary and summary != question:
        parts.append(f"<div class='meta'>{escape(summary)}</div>")
    if headline:
        parts.append(
            f"<div class='ci'>{escape(headline['label'])}</div>"
            f"<div class='fig'>{escape(value)}</div>"
            f"<div class='ci'>{escape(interval or 'observed total, no interval')}</div>"
        )
    status = entry.get("status", "?")
    word, colour = STATUS_WORDS.get(status, (status, "#57606a"))
    when = entry.get("finished_at") or entry.get("last_good_at") or ""
    state = f"<span class='status' style='color:{colour}'>{escape(word)}</span>"
    if status == "failed":
        made = _when(entry.get("last_good_at") or "") or "an earlier run"
        detail = (
            f" — the newest run failed; the last good report is kept (made {made})"
            if exists
            else " — no report yet"
        )
        state = f"{state}{escape(detail)}"  # escape() gives Markup: `str + Markup` escapes str
    changed = _changed_parameters(entry.get("parameters", {}), facts["defaults"])
    settings = Markup(", ").join(
        Markup("<code>{}</code>").format(f"{k} = {v!r}") for k, v in changed.items()
    ) or escape("the notebook's defaults")
    source = _source(figures, entry.get("parameters", {}))
    parts.append(
        f"<div class='meta'>{state} · job <code>{escape(name)}</code>"
        f" · ran {escape(_when(when) if when else 'never')}</div>"
        f"<div class='meta'>Data: {escape(source or 'see the report')} · "
        f"Settings: {settings}</div>"
    )
    if status == "failed":
        parts.append(
            f"<div class='err'>{escape(entry.get('error', ''))} (executed notebook: "
            f"{escape(entry.get('executed_notebook', ''))})</div>"
        )
    if exists:
        links = [f"<a href='{href}{suffix}.html'>{label}</a>" for suffix, label in AUDIENCE_LINKS]
        links.append(f"<a href='{href}.json'>Figures (JSON)</a>")
        parts.append(f"<div class='meta links'>{''.join(links)}</div>")
    parts.append(_runs_table(runs))
    parts.append("</div>")
    return "".join(parts)


def _runs_table(runs: list[dict]) -> str:
    if len(runs) < 1:
        return ""
    rows = []
    for run in reversed(runs[-5:]):
        if run.get("status") == "ok":
            value, interval = format_headline(run.get("headline"))
            text = f"{value} {interval}".strip() or "ok"
        else:
            text = f"failed: {run.get('error', '')}"
        stamp = _when(run.get("at", ""))
        rows.append(f"<tr><td>{escape(stamp)}</td><td>{escape(text)}</td></tr>")
    caption = "<caption style='text-align:left'>Last runs, newest first</caption>"
    return f"<table class='runs'>{caption}{''.join(rows)}</table>"


def write_index(path: Path, run_info: dict, entries: list[dict], write: Callable) -> None:
    """Write ``index.html`` (one card per report) and update ``history.json`` beside it.

    Parameters
    ----------
    path : Path
        Where ``index.html`` goes; ``history.json`` is written in the same folder.
    run_info : dict
        The run's facts (``git_commit``, ``git_dirty``, ``packages``).
    entries : list of dict
        One manifest entry per report (``JobResult`` as a dict).
    write : callable
        ``write(path, text)``, e.g. ``crm_models._files.atomic_write``.
    """
    folder = Path(path).parent
    cache: dict = {}
    history = update_history(folder / "history.json", folder, entries, write, run_info, cache)
    cards = [
        _card(entry, folder, history.get(entry["name"], []), cache)
        for entry in sorted(entries, key=lambda e: e["name"])
    ]
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    commit = run_info.get("git_commit") or "unknown"
    html = (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>crm-models reports</title>\n<style>{CSS}</style></head>\n"
        "<body><h1>crm-models reports</h1>\n"
        f"{''.join(cards)}\n"
        f"<footer class='meta'>Index generated {generated}; code {escape(commit[:12])}"
        f"{' (uncommitted changes)' if run_info.get('git_dirty') else ''}; "
        f"crm-models {escape(str(run_info.get('packages', {}).get('crm-models')))}. "
        'Details of every run: <a href="manifest.json">manifest.json</a>, '
        '<a href="history.json">history.json</a>.</footer>\n'
        "</body></html>\n"
    )
    write(path, html)
