"""Start-up of processes that crm-models owns (the ``crm`` command, report workers).

``skip_unused_iri_checker`` saves about 1.8 s in each such process. nbformat (read by
papermill and nbconvert) imports jsonschema, whose format checkers import the optional
``rfc3987_syntax`` when it is installed — JupyterLab's jupyter-events asks for it — and that
package compiles about 38 Lark parsers at import time (python-jsonschema/jsonschema#1428,
opendatahub-io/notebooks#3532). They check only the ``iri`` / ``iri-reference`` formats,
which no notebook schema uses and nbformat never checks (it validates without a format
checker). Marked absent before jsonschema is imported, the module is skipped, as when it is
not installed. Called only in our own processes: a user's Python session is left as it is.
"""

from __future__ import annotations

import sys

UNUSED_SLOW_IMPORT = "rfc3987_syntax"


def skip_unused_iri_checker() -> None:
    """Mark ``rfc3987_syntax`` absent unless jsonschema (or the module) is already loaded."""
    if "jsonschema" not in sys.modules:
        sys.modules.setdefault(UNUSED_SLOW_IMPORT, None)  # type: ignore[arg-type]
