"""Prometheus metrics. HTTP latency is measured in the API process; scan, lookup and job figures are
read from the database at scrape time, because the scans run in worker processes."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Gauge, Histogram
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from leadhunter.api.d365_metrics import D365_METRICS
from leadhunter.db.models import MetricCounter, Scan, ScanJob

REGISTRY = CollectorRegistry(auto_describe=True)
HTTP_LATENCY = Histogram("hunter_http_request_duration_seconds", "HTTP request latency in seconds",
                         ["method", "route", "status"], registry=REGISTRY,
                         buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
SCANS = Gauge("hunter_scans_total", "Stored scans by status", ["status"], registry=REGISTRY)
LOOKUPS = Gauge("hunter_dns_lookups_total", "DNS lookups made by workers, by outcome", ["outcome"],
                registry=REGISTRY)
JOBS = Gauge("hunter_scan_jobs", "Scan jobs by status", ["status"], registry=REGISTRY)
JOB_SECONDS = Gauge("hunter_scan_job_duration_seconds", "Duration of the last 100 finished jobs in seconds (p50, max)",
                    ["stat"], registry=REGISTRY)
REGISTRY.register(D365_METRICS)  # d365_push_total, d365_push_fail_total{category}, d365_push_duration_seconds


def refresh_from_database(session: Session) -> None:
    """Copy the database's counts into the gauges (cheap grouped counts over indexed columns)."""
    for status, count in session.execute(select(Scan.status, func.count()).group_by(Scan.status)):
        SCANS.labels(status).set(count)
    for status, count in session.execute(select(ScanJob.status, func.count()).group_by(ScanJob.status)):
        JOBS.labels(status).set(count)
    D365_METRICS.refresh(session)
    for name, label, value in session.execute(select(MetricCounter.name, MetricCounter.label, MetricCounter.value)):
        if name == "dns_lookups":
            LOOKUPS.labels(label).set(value)
    finished = session.execute(
        select(ScanJob.started_at, ScanJob.finished_at).where(ScanJob.finished_at.is_not(None),
                                                              ScanJob.started_at.is_not(None))
        .order_by(ScanJob.id.desc()).limit(100)
    ).all()
    durations = sorted((end - start).total_seconds() for start, end in finished if start and end)
    if durations:
        JOB_SECONDS.labels("p50").set(durations[len(durations) // 2])
        JOB_SECONDS.labels("max").set(durations[-1])
