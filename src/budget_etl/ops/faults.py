"""Fault injection for tests: make a run stop at a named point, so that a test can kill it there or act
beside it without depending on timing.

``BUDGET_ETL_PAUSE_AT=<point>[,<point>...]``: at each named point the process writes the marker file
``paused.<point>`` holding its pid and waits until the marker is removed (or an hour has passed). The marker
goes to ``BUDGET_ETL_PAUSE_DIR`` when set, else to the folder the caller names (the nightly run: its build
folder). Points: the nightly run's steps (``nightly.PAUSE_POINTS`` and ``after_publish``), and
``parse:<file name>`` while one document is being read (in a worker process too). Nothing happens when the
variable is unset.
"""

from __future__ import annotations

import logging
import os
import tempfile
import time
from pathlib import Path

log = logging.getLogger(__name__)

PAUSE_ENV = "BUDGET_ETL_PAUSE_AT"
PAUSE_DIR_ENV = "BUDGET_ETL_PAUSE_DIR"


def pause(point: str, folder: Path | None = None) -> None:
    """Wait at ``point`` while its marker exists, when BUDGET_ETL_PAUSE_AT names it."""
    if point not in os.environ.get(PAUSE_ENV, "").split(","):
        return
    marker = Path(os.environ.get(PAUSE_DIR_ENV) or folder or tempfile.gettempdir()) / f"paused.{point}"
    marker.write_text(f"{os.getpid()}\n", encoding="utf-8")
    log.warning("paused at %s (%s): remove %s to go on", point, PAUSE_ENV, marker)
    deadline = time.monotonic() + 3600
    while marker.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
