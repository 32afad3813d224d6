"""The Mini UI: ``/`` serves ``web/index.html`` and ``/static/<path>`` the CSS and ES modules beside it.

Files are served as they are (no build step). Their names carry no content hash, so the browser is told to
revalidate each time (``no-cache``) and gets a 304 when the ETag still matches: a reload is cheap and a
new version is picked up at once. Only files inside the ``web`` folder with a known type are served.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request, Response
from fastapi.responses import FileResponse

from leadhunter.api.errors import ApiError

WEB_ROOT = Path(__file__).resolve().parents[2] / "web"
"""The folder holding ``index.html``, ``app.css`` and ``js/``."""

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".json": "application/json",
}
"""Served extensions and their types; anything else is a 404 (never guessed from the host's mime table)."""

CACHE_CONTROL = "no-cache"

router = APIRouter(tags=["web"], include_in_schema=False)


def _etag(path: Path) -> str:
    stat = path.stat()
    return f'"{stat.st_mtime_ns:x}-{stat.st_size:x}"'


def _serve(request: Request, path: Path) -> Response:
    etag = _etag(path)
    headers = {"Cache-Control": CACHE_CONTROL, "ETag": etag}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return FileResponse(path, media_type=CONTENT_TYPES[path.suffix], headers=headers)


def _resolve(relative: str) -> Path | None:
    """The file under :data:`WEB_ROOT` named by ``relative``, or None when outside it, missing or of an
    unknown type."""
    try:
        path = (WEB_ROOT / relative).resolve()
    except (OSError, ValueError):
        return None
    if not path.is_relative_to(WEB_ROOT) or not path.is_file() or path.suffix not in CONTENT_TYPES:
        return None
    return path


@router.get("/")
def index(request: Request) -> Response:
    """The leads screen."""
    return _serve(request, WEB_ROOT / "index.html")


@router.get("/static/{relative:path}")
def static(request: Request, relative: str) -> Response:
    """A CSS, JS or image file of the UI."""
    path = _resolve(relative)
    if path is None:
        raise ApiError(404, "not_found", f"no file {relative}")
    return _serve(request, path)
