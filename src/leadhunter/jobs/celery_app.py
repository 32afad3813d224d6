"""The Celery application: broker from settings, reliability options, the task modules.

Embedded default: kombu's SQLAlchemy transport on a SQLite file (no server). Distributed: Redis or
RabbitMQ via ``HUNTER_BROKER_URL``. Results are not stored: state lives in the database.
"""

from __future__ import annotations

from celery import Celery

from leadhunter.config import Settings
from leadhunter.jobs.schedule import beat_schedule


def create_celery(settings: Settings) -> Celery:
    """A Celery app configured from ``settings``."""
    broker = settings.broker()
    if broker.startswith("sqla+sqlite"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    app = Celery("hunter", broker=broker, include=["leadhunter.jobs.tasks", "leadhunter.jobs.referral_tasks",
                                                     "leadhunter.jobs.d365_tasks",
                                                     "leadhunter.jobs.registration_tasks",
                                                     "leadhunter.jobs.note_tasks",
                                                     "leadhunter.jobs.alert_tasks"])
    app.conf.update(
        task_serializer="json",
        accept_content=["json"],
        task_ignore_result=True,
        task_acks_late=True,  # a chunk is acknowledged after it is stored, so a dead worker's chunk is redelivered
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        broker_connection_retry_on_startup=True,
        # kombu's SQLAlchemy transport hands these options to create_engine, so only server brokers get them.
        broker_transport_options={} if broker.startswith("sqla+") else {"visibility_timeout": 3600},
        beat_schedule=beat_schedule(settings),
        timezone="UTC",
        worker_hijack_root_logger=False,
        # Registration lookups wait on registries' rate limits: their own queue and worker, never a scan's.
        task_routes={"hunter.registration_lookup": {"queue": "registration"}},
    )
    return app


app = create_celery(Settings())
