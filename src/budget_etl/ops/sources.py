"""Input documents in object storage, named by fsspec URLs (``s3://bucket/prefix``, ``gs://bucket/prefix``,
``memory://...``): listed by the driver (names, sizes, modification times: no bytes) and read by the Dask
workers (docs/distributed.md). A ``file://`` URL is a local path and is read as one.

A listed object is a :class:`RemoteFile`, which stands where the rest of the ingest expects a ``Path``: it
has the few ``Path`` members the ingest uses (``name``, ``suffix``, ``parent``, ``as_posix``, ``stat``,
``read_bytes``), and its ``as_posix()`` is its URL, which becomes the document's ``source_path``. The
providers (s3fs, gcsfs, adlfs, ...) are optional packages, installed where they are used.
"""

from __future__ import annotations

import datetime
import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from types import SimpleNamespace
from urllib.parse import unquote, urlsplit

_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")
# the listing's modification time, by provider: local and SFTP, S3, GCS, Azure, memory (creation = last write)
_MODIFIED = ("mtime", "LastModified", "updated", "last_modified", "created")


class SourceError(OSError):
    """An input URL that cannot be listed: an unknown protocol, a provider not installed, a bucket or prefix
    that does not exist or cannot be read (an OSError: the run fails, publishes nothing and says why)."""


def is_url(path: str | os.PathLike) -> bool:
    """Whether ``path`` is a URL (a ``Path`` never is: it would have lost the second slash)."""
    return isinstance(path, str) and _URL.match(path) is not None


def split(paths) -> tuple[list[Path], list[str]]:
    """(local paths, object-storage URLs) of a run's inputs; a ``file://`` URL is its local path."""
    local, urls = [], []
    for path in paths:
        if is_url(path) and urlsplit(path).scheme.lower() == "file":
            local.append(Path(unquote(urlsplit(path).path)))
        elif is_url(path):
            urls.append(path)
        else:
            local.append(Path(path))
    return local, urls


@dataclass(frozen=True)
class RemoteFile:
    """An object in storage, as its listing described it; equal to another by URL alone."""

    url: str
    size: int = field(default=0, compare=False)
    mtime_ns: int | None = field(default=None, compare=False)  # None: unknown, its hash is never reused

    def as_posix(self) -> str:
        return self.url

    __str__ = as_posix

    @property
    def _path(self) -> PurePosixPath:
        return PurePosixPath(urlsplit(self.url).path)

    @property
    def name(self) -> str:
        return self._path.name

    @property
    def suffix(self) -> str:
        return self._path.suffix

    @property
    def stem(self) -> str:
        return self._path.stem

    @property
    def parent(self) -> RemoteFile:
        return RemoteFile(self.url.rsplit("/", 1)[0])

    def __truediv__(self, name: str) -> RemoteFile:
        return RemoteFile(f"{self.url}/{name}")

    def resolve(self) -> RemoteFile:  # no links in object storage
        return self

    def is_symlink(self) -> bool:
        return False

    def stat(self) -> SimpleNamespace:
        """The size and modification time of the listing (no request)."""
        return SimpleNamespace(st_size=self.size, st_mtime_ns=self.mtime_ns)

    def read_bytes(self) -> bytes:
        import fsspec

        with fsspec.open(self.url, "rb") as f:
            return f.read()


def key(file) -> str:
    """A file's key (in the record of hashes, ``hashes.FileHashes``): its absolute path, or an object's URL."""
    return file.url if isinstance(file, RemoteFile) else os.path.abspath(file)


def sha256(file: RemoteFile) -> str:
    """The sha256 of an object, streamed (memory stays flat whatever its size)."""
    import fsspec

    with fsspec.open(file.url, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def _modified_ns(info: dict) -> int | None:
    for key in _MODIFIED:
        value = info.get(key)
        if isinstance(value, str):
            value = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
        if isinstance(value, datetime.datetime):
            return int(value.timestamp() * 1e6) * 1000
        if isinstance(value, int | float):
            return int(value * 1e6) * 1000  # as microseconds: a float's seconds round alike in every listing
    return None


def listing(url: str) -> tuple[list[tuple[RemoteFile, None]], list[tuple[RemoteFile, str]]]:
    """(documents to read, files not read with why) under ``url`` (an object, or a prefix searched
    recursively for document suffixes), as ``pipeline.collect`` finds them in a folder. Needs the Dask
    executor (the local process pool reads local files only). Raises SourceError when it cannot be listed."""
    import fsspec

    from budget_etl.ops import distributed, pipeline

    if distributed.current() is None:
        raise SourceError(f"{url}: documents in object storage are read by the Dask workers: "
                          "add --executor dask (or mount the bucket and give its local path)")
    try:
        fs, root = fsspec.core.url_to_fs(url)
        if fs.isdir(root):
            entries = fs.find(root, detail=True)
            below = len(PurePosixPath(root.rstrip("/")).parts)
        else:
            entries, below = {root: fs.info(root)}, None
    except ImportError as exc:  # the provider is an optional package
        raise SourceError(f"cannot list {url}: {exc} (see docs/distributed.md)") from exc
    except ValueError as exc:  # fsspec: "Protocol not known: ..."
        raise SourceError(f"cannot list {url}: {exc}") from exc
    except FileNotFoundError as exc:
        raise SourceError(f"cannot list {url}: no such bucket, prefix or object") from exc
    except OSError as exc:  # no access, no network
        raise SourceError(f"cannot list {url}: {type(exc).__name__}: {' '.join(str(exc).split())}") from exc
    found, skipped = [], []
    for name, info in sorted(entries.items()):
        if info.get("type", "file") != "file":
            continue
        file = RemoteFile(fs.unstrip_protocol(name), int(info.get("size") or 0), _modified_ns(info))
        parts = PurePosixPath(name).parts[below:] if below is not None else (file.name,)
        if below is not None and file.suffix.lower() not in pipeline.DOCUMENT_SUFFIXES:
            continue  # as in a folder: only documents
        why = next(filter(None, map(pipeline._skipped, parts)), None)
        if why is None:
            found.append((file, None))
        else:
            skipped.append((file, why))
    return found, skipped
