"""budget-etl: a DuckDB warehouse of Chinese public budget disclosures."""

import hashlib
from pathlib import Path

__version__ = "0.1.0"

# The parts of the package that decide what a file becomes in schema raw (its facts and its checks).
_PARSER_PARTS = ("readers", "extract", "validate", "catalog", "load", "facts.py")


def _parser_version() -> str:
    """The version of what turns a file into raw rows: the package version and a digest of the source of
    _PARSER_PARTS. A document loaded by another version is read again (its rows replaced) by the next run,
    so a fix to a reader, an extractor or a rule reaches the documents already loaded."""
    root = Path(__file__).parent
    digest = hashlib.sha256()
    for part in _PARSER_PARTS:
        path = root / part
        for source in sorted(path.rglob("*.py")) if path.is_dir() else [path]:
            digest.update(source.relative_to(root).as_posix().encode() + b"\0" + source.read_bytes())
    return f"{__version__}+{digest.hexdigest()[:12]}"


PARSER_VERSION = _parser_version()

from budget_etl.analyst.access import connect, engine  # noqa: E402  (Python access: budget_etl.connect())

__all__ = ["PARSER_VERSION", "__version__", "connect", "engine"]
