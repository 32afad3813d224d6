"""Settings → the alert delivery's parts (secret box, send options), for the task and the API alike; builds no
Celery app, so the API can import it."""

from __future__ import annotations

from leadhunter.config import Settings
from leadhunter.integrations.alerts.senders import SendOptions
from leadhunter.services.alert_secrets import SecretBox, load_or_create_key


def secret_box(settings: Settings) -> SecretBox:
    """The alert secrets' box from settings (``HUNTER_ALERT_SECRET_KEY``, else the key file in data_dir)."""
    key = settings.alert_secret_key.get_secret_value() if settings.alert_secret_key else None
    return SecretBox(load_or_create_key(settings.data_dir, key))


def send_options(settings: Settings) -> SendOptions:
    """How alert senders connect, from settings."""
    return SendOptions(allow_private=settings.allow_private_targets, timeout=settings.alert_timeout,
                       ca_file=settings.alert_ca_file)
