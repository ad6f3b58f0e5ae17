"""Report pipeline: run notebooks with papermill, export HTML, write the index and manifest."""

from crm_models.reporting.display import (
    KPI,
    fmt_int,
    fmt_interval,
    fmt_money,
    fmt_pct,
    kpi_cards,
    publish_download,
    publish_figures,
    readable_table,
)
from crm_models.reporting.escaping import md, md_lines, show_markdown
from crm_models.reporting.teaching import check_answer

__all__ = [
    "KPI",
    "check_answer",
    "fmt_int",
    "fmt_interval",
    "fmt_money",
    "fmt_pct",
    "kpi_cards",
    "md",
    "md_lines",
    "publish_download",
    "publish_figures",
    "readable_table",
    "show_markdown",
]
