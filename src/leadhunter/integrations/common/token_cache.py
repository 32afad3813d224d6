"""The delegated sign-in's MSAL token cache, persisted to one JSON file (shared/specs/entra-auth.md §5).

The file holds refresh tokens, so it is written owner-only (mode 0600) and atomically (a temporary file
renamed over it), and it is re-read whenever another process — typically ``hunter partner-center login``
— changed it on disk. ``TokenCacheFile`` does no locking of its own: its owner
(``DelegatedTokenProvider``) calls it with its lock held.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from pathlib import Path

import msal

__all__ = ["TokenCacheFile"]

# The same logger as tokens.py: the file is an implementation detail of the delegated provider.
log = logging.getLogger("leadhunter.integrations.tokens")


class TokenCacheFile:
    """An MSAL ``SerializableTokenCache`` (``cache``, handed to MSAL) mirrored to the file at ``path``.

    Nothing is read at construction; call ``reload_if_changed()`` before using ``cache``.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.cache = msal.SerializableTokenCache()
        self._stamp: tuple[int, int] | None = None  # (mtime_ns, size) of the file last read or written

    def reload_if_changed(self) -> None:
        """Re-read the file when it changed on disk (e.g. `login` ran in another process)."""
        stamp = self._disk_stamp()
        if stamp == self._stamp:
            return
        text = "{}"  # deleted elsewhere (logout): forget everything
        if stamp is not None:
            text = self.path.read_text(encoding="utf-8") or "{}"
        try:
            self.cache.deserialize(text)
        except ValueError:  # a damaged file is a lost sign-in, not a crash loop in every sync
            log.warning("the token cache file is not valid JSON; treating it as signed out")
            self.cache.deserialize("{}")
        self._stamp = stamp

    def persist(self) -> None:
        """Write the cache atomically, owner-only (0600), when MSAL changed it."""
        if not self.cache.has_state_changed:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Unique per process and thread so two writers never share (and truncate) one temporary file.
        temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8") as out:
                out.write(self.cache.serialize())
                out.flush()
                os.fsync(out.fileno())
            os.chmod(temporary, 0o600)  # in case the file pre-existed with wider permissions
            os.replace(temporary, self.path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                temporary.unlink()
            raise
        self.cache.has_state_changed = False
        self._stamp = self._disk_stamp()

    def delete(self) -> None:
        """Delete the file (a missing file is fine); the in-memory ``cache`` is left as it is."""
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        self._stamp = None

    def _disk_stamp(self) -> tuple[int, int] | None:
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            return None
        return stat.st_mtime_ns, stat.st_size
