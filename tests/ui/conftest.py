"""The browser tests' fixtures. They live in ``ui_support`` with the helpers the tests import by name: a module
called ``conftest`` exists once per test folder, so ``from conftest import …`` would pick whichever folder's
conftest was imported first when several folders run together."""

from ui_support import browser, context, empty_server, page, playwright_instance, server

__all__ = ["browser", "context", "empty_server", "page", "playwright_instance", "server"]
