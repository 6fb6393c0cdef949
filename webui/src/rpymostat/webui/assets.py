"""The app's files, read once at start and kept in memory with their gzip form.

The whole app is a few hundred KiB, so holding it is cheaper than reading files per request,
and compressing once means every browser gets gzip at no CPU cost (a Pi Zero serves a wall
tablet). Each file has a strong ETag; browsers revalidate (``no-cache``) and get a 304 when
nothing changed, so a new version shows at the next load.
"""

import gzip
import hashlib
import mimetypes
from dataclasses import dataclass
from pathlib import Path

TYPES = {".js": "text/javascript; charset=utf-8", ".mjs": "text/javascript; charset=utf-8",
         ".css": "text/css; charset=utf-8", ".html": "text/html; charset=utf-8",
         ".svg": "image/svg+xml", ".png": "image/png", ".webmanifest": "application/manifest+json",
         ".json": "application/json"}
COMPRESSIBLE = (".js", ".mjs", ".css", ".html", ".svg", ".webmanifest", ".json", "")
MIN_GZIP = 512


@dataclass(frozen=True)
class Asset:
    """One file: raw bytes, gzip bytes (None when not worth it), type and ETag."""

    body: bytes
    gzipped: bytes | None
    content_type: str
    etag: bytes


def load_assets(folder: Path) -> dict[str, Asset]:
    """Every file under ``folder`` by its relative POSIX path."""
    assets = {}
    for path in sorted(folder.rglob("*")):
        if not path.is_file():
            continue
        body = path.read_bytes()
        suffix = path.suffix.lower()
        kind = TYPES.get(suffix) or mimetypes.guess_type(path.name)[0] or "text/plain"
        packed = None
        if suffix in COMPRESSIBLE and len(body) >= MIN_GZIP:
            candidate = gzip.compress(body, compresslevel=9, mtime=0)
            packed = candidate if len(candidate) < len(body) else None
        etag = b'"' + hashlib.sha256(body).hexdigest()[:20].encode() + b'"'
        assets[path.relative_to(folder).as_posix()] = Asset(body, packed, kind, etag)
    return assets
