"""Dynamics 365 push metrics for Prometheus, from the counters the workers add to ``metric_counters``.

The pushes run in worker processes, so — like the DNS lookup counts — their figures live in the database
and are read at scrape time (:meth:`D365Metrics.refresh`). Exposed as real counter and histogram types:

- ``d365_push_total``: push attempts finished (one per lead per attempt, success or not);
- ``d365_push_fail_total{category}``: failed attempts by error category (auth, throttled, validation,
  unavailable, unknown);
- ``d365_push_duration_seconds``: histogram of a lead's push time (its HTTP exchanges), buckets as in
  :data:`leadhunter.services.d365_push.DURATION_BUCKETS`.
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.metrics_core import CounterMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import select
from sqlalchemy.orm import Session

from leadhunter.db.models import MetricCounter
from leadhunter.services.d365_push import DURATION_BUCKETS

NAMES = ("d365_push", "d365_push_fail", "d365_push_duration", "d365_push_duration_ms_sum")


class D365Metrics(Collector):
    """A collector holding the last figures read from the database."""

    def __init__(self) -> None:
        self.pushes = 0
        self.fails: dict[str, int] = {}
        self.buckets: dict[str, int] = {}
        self.sum_ms = 0

    def refresh(self, session: Session) -> None:
        """Read the counters (a handful of rows, by their unique name/label index)."""
        rows = [(name, label, int(value)) for name, label, value in session.execute(
            select(MetricCounter.name, MetricCounter.label, MetricCounter.value).where(MetricCounter.name.in_(NAMES)))]
        self.pushes = sum(v for n, _, v in rows if n == "d365_push")
        self.fails = {label: v for n, label, v in rows if n == "d365_push_fail"}
        self.buckets = {label: v for n, label, v in rows if n == "d365_push_duration"}
        self.sum_ms = sum(v for n, _, v in rows if n == "d365_push_duration_ms_sum")

    def collect(self) -> Iterator[Metric]:
        """The three families, cumulative buckets as Prometheus expects."""
        yield CounterMetricFamily("d365_push", "D365 push attempts finished", value=self.pushes)
        fails = CounterMetricFamily("d365_push_fail", "Failed D365 push attempts by error category",
                                    labels=["category"])
        for category in ("auth", "throttled", "validation", "unavailable", "unknown"):
            fails.add_metric([category], self.fails.get(category, 0))
        yield fails
        running, buckets = 0, []
        for bound in [f"{b:g}" for b in DURATION_BUCKETS] + ["+Inf"]:
            running += self.buckets.get(bound, 0)
            buckets.append((bound, running))
        yield HistogramMetricFamily("d365_push_duration_seconds", "Time of one lead's D365 push in seconds",
                                    buckets=buckets, sum_value=self.sum_ms / 1000)


D365_METRICS = D365Metrics()
