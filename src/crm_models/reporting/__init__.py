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
from crm_models.reporting.formatting import (
    Estimate,
    arm_label,
    fmt_count_range,
    fmt_money_range,
    fmt_money_short,
    fmt_points,
)
from crm_models.reporting.tables import interactive_tables
from crm_models.reporting.teaching import check_answer
from crm_models.reporting.timing import StageTimer

__all__ = [
    "KPI",
    "Estimate",
    "StageTimer",
    "arm_label",
    "check_answer",
    "fmt_count_range",
    "fmt_int",
    "fmt_interval",
    "fmt_money",
    "fmt_money_range",
    "fmt_money_short",
    "fmt_pct",
    "fmt_points",
    "interactive_tables",
    "kpi_cards",
    "md",
    "md_lines",
    "publish_download",
    "publish_figures",
    "readable_table",
    "show_markdown",
]
