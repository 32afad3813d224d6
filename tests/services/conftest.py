"""Fixtures of the referral tests (defined in ``referral_env``): ``db_url`` (SQLite and PostgreSQL) and
``pc_env`` (fake Entra + fake Partner Center over HTTPS, a signed-in user, a migrated database)."""

from referral_env import db_url, pc_env

__all__ = ["db_url", "pc_env"]
