"""Moved to :mod:`hunter_devtools.fakes.entra_documents` (``hunter demo`` serves it too). The tests keep this
name; it is the same module object (one set of classes, one server registry)."""

import sys

from hunter_devtools.fakes import entra_documents as _moved

sys.modules[__name__] = _moved
