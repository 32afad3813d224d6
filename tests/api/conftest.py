"""The API tests' fixtures. They live in ``api_support`` with the helpers the tests import by name: a module
called ``conftest`` exists once per test folder, so ``from conftest import …`` would pick whichever folder's
conftest was imported first when several folders run together."""

from api_support import api, api_settings, database_url, pg_module_url, sqlite_template

__all__ = ["api", "api_settings", "database_url", "pg_module_url", "sqlite_template"]
