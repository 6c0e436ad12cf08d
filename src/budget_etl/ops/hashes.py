"""The sha256 of each input file, kept with its size and modification time, so that a nightly run hashes only
the files that may have changed.

A nightly run over 10,000 unchanged documents used to read and hash all of them (about 500 MB) just to find
that nothing was new. Now a file whose size and ``st_mtime_ns`` are those recorded when it was last hashed
is taken to hold the same bytes, as make and rsync take it; ``nightly --verify`` hashes every file again
(and refreshes the record). The record is a JSON file beside the published warehouse (``PATH.hashes.json``),
written atomically at the end of each run; it holds only the files of that run.

A file modified in the same instant it was hashed could change again without its mtime moving (a
filesystem's clock ticks in milliseconds or coarser): such a record (mtime within ``RACY_SECONDS`` of the
hashing) is not trusted, and the file is hashed again next time, as git does with its index.
"""

from __future__ import annotations

import json
import logging
import os
import time
from pathlib import Path

from budget_etl.ops import sources

log = logging.getLogger(__name__)

RACY_SECONDS = 2.0
VERSION = 1


class FileHashes:
    """sha256 by path, reused while the file's size and mtime are unchanged (unless ``verify``)."""

    def __init__(self, path: Path | None, *, verify: bool = False):
        self.path = path
        self.verify = verify
        self.hashed = 0  # files read and hashed by this run
        self._known: dict[str, list] = {} if verify or path is None else _load(path)
        self._seen: dict[str, list] = {}

    def recorded(self, file: Path, stat: os.stat_result | None = None) -> str | None:
        """The sha256 of ``file`` when it can be trusted without reading the file (its size and mtime are as
        recorded), else None."""
        key = sources.key(file)
        stat = stat or os.stat(file)
        entry = self._seen.get(key)  # hashed by this run (settled or not): trusted for the rest of it
        if entry is None and (entry := self._known.get(key)) is not None and not entry[3]:
            entry = None  # racy when recorded: see the module's docstring
        if entry is not None and entry[0] == stat.st_size and entry[1] == stat.st_mtime_ns:
            self._seen[key] = entry
            return entry[2]
        return None

    def learn(self, file: Path, size: int, mtime_ns: int | None, sha: str, started_ns: int) -> None:
        """Record the sha256 of ``file`` hashed elsewhere (by a Dask worker, docs/distributed.md): its size and
        mtime as the hasher saw them, and when it started hashing."""
        self.hashed += 1
        # see the module's docstring; an object whose listing gives no time is never trusted in a later run
        settled = mtime_ns is not None and mtime_ns < started_ns - RACY_SECONDS * 1e9
        key = sources.key(file)
        self._seen[key] = self._known[key] = [size, mtime_ns, sha, settled]

    def sha256(self, file: Path) -> str:
        """The sha256 of ``file``: the recorded one when its size and mtime are as recorded, else hashed."""
        from budget_etl.ops import pipeline  # hash_file lives with the rest of the input handling

        stat = os.stat(file)
        if (sha := self.recorded(file, stat)) is not None:
            return sha
        started_ns = time.time_ns()
        self.learn(file, stat.st_size, stat.st_mtime_ns, pipeline.hash_file(file), started_ns)
        return self._seen[sources.key(file)][2]

    def save(self) -> None:
        """Write the record of this run's files (atomically: a file beside it, then a rename)."""
        if self.path is None:
            return
        staging = self.path.with_name(self.path.name + ".tmp")
        try:
            staging.write_text(json.dumps({"version": VERSION, "files": self._seen}), encoding="utf-8")
            os.replace(staging, self.path)
        except OSError as exc:  # only a cache: the next run hashes again
            log.warning("cannot write %s: %s", self.path, exc)


def _load(path: Path) -> dict[str, list]:
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        log.warning("ignoring %s (%s): every file is hashed", path, exc)
        return {}
    if not isinstance(content, dict) or content.get("version") != VERSION:
        return {}
    files = content.get("files")
    if not isinstance(files, dict):
        return {}
    return {path: entry for path, entry in files.items() if isinstance(entry, list) and len(entry) == 4}
