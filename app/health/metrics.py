"""Prometheus metrics: `/metrics`, for operators only (issue 18).

Who may read it: a signed-in operator (the /platform session), or a scraper that sends
`Authorization: Bearer <METRICS_TOKEN>` when that setting is set. Anyone else gets 404, like
the operators' console: the figures name the tenants and the machines.

What it shows:
- the figures of "Stan systemu" (app.platform.status), computed when scraped by a custom
  collector: queue depths, workers and their heartbeat age, the age of the last sweep, the
  oldest transmission waiting, failed jobs of the last day, pending and rejected events per
  tenant, and whether Redis answered;
- request latency: a histogram per url rule (`/zlecenia/<int:order_id>`, never the raw path,
  so one series per view, not per order), method and status class, recorded by the hooks
  below in every web process.

Under gunicorn every worker process has its own histogram. With PROMETHEUS_MULTIPROC_DIR set
(README, "Metrics") prometheus_client keeps them in files of that directory and a scrape
answered by any process adds up all of them; without it a scrape shows only the process that
answered it, which is right for the single process of `make run` and wrong for several.
"""

from __future__ import annotations

import hmac
import os
from time import perf_counter

from flask import abort, current_app, g, request
from flask_login import current_user
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily

from app.extensions import limiter
from app.health import bp
from app.models import Operator
from app.platform import status as system_status

# The process's own registry (not prometheus_client's global one, which other code in the
# process may fill): only Plomba's metrics are exposed.
_REQUESTS = CollectorRegistry()
REQUEST_SECONDS = Histogram(
    "plomba_request_seconds", "Time to answer a web request, by url rule.",
    ["endpoint", "method", "status"], registry=_REQUESTS,
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0))
NO_RULE = "(none)"  # 404s and requests refused before routing share one series


@bp.before_app_request
def _start_timer():
    g._metrics_started = perf_counter()


@bp.after_app_request
def _observe(response):
    started = g.pop("_metrics_started", None)
    if started is not None:
        rule = request.url_rule.rule if request.url_rule is not None else NO_RULE
        REQUEST_SECONDS.labels(rule, request.method, f"{response.status_code // 100}xx") \
            .observe(perf_counter() - started)
    return response


@bp.get("/metrics")
@limiter.exempt
def metrics():
    if not _allowed():
        abort(404)
    registry = CollectorRegistry()
    registry.register(StatusCollector())
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)  # every process's histograms, summed
    else:
        registry.register(_ThisProcess())
    return generate_latest(registry), 200, {"Content-Type": CONTENT_TYPE_LATEST,
                                            "Cache-Control": "no-store"}


# The role matrix's access declaration (tests/web/test_role_matrix.py): operators, and a
# scraper with the token, which is no role.
metrics.allowed_roles = frozenset({"operator"})


def _allowed() -> bool:
    if current_user.is_authenticated and isinstance(current_user._get_current_object(),
                                                    Operator):
        return True
    token = current_app.config.get("METRICS_TOKEN")
    sent = request.headers.get("Authorization", "")
    return bool(token) and sent.startswith("Bearer ") \
        and hmac.compare_digest(sent.removeprefix("Bearer ").strip().encode(), token.encode())


class _ThisProcess:
    """The request histograms of this process (a registry is not itself a collector)."""

    def collect(self):
        return _REQUESTS.collect()


class StatusCollector:
    """The status page's figures as gauges, read from the database and Redis at each scrape."""

    def collect(self):
        s = system_status.read()
        yield _gauge("plomba_redis_up", "1 when Redis answered this scrape.", int(s.redis_ok))
        if s.redis_ok:
            depth = GaugeMetricFamily("plomba_queue_jobs", "rq jobs per queue and state.",
                                      labels=["queue", "state"])
            for q in s.queues:
                for state in ("queued", "scheduled", "started", "failed"):
                    depth.add_metric([q.name, state], getattr(q, state))
            yield depth
            yield _gauge("plomba_workers", "rq workers registered.", len(s.workers))
            beat = GaugeMetricFamily("plomba_worker_heartbeat_age_seconds",
                                     "Seconds since each worker's last heartbeat.",
                                     labels=["worker"])
            for w in s.workers:
                if w.age is not None:
                    beat.add_metric([w.name], w.age.total_seconds())
            yield beat
        if s.sweep_age is not None:
            yield _gauge("plomba_last_sweep_age_seconds", "Seconds since the last RZS sweep.",
                         s.sweep_age.total_seconds())
        yield _gauge("plomba_oldest_pending_transmission_age_seconds",
                     "Age of the oldest event the sweeper is to send (0: none waits).",
                     s.oldest_pending.age.total_seconds() if s.oldest_pending else 0)
        failed = GaugeMetricFamily("plomba_failed_jobs_last_day",
                                   "Jobs failed in the last 24 hours: rq's failed registries "
                                   "(only when Redis answered) and tenants' job rows.",
                                   labels=["source"])
        failed.add_metric(["job_row"], len(s.failed_job_rows))
        if s.redis_ok:
            failed.add_metric(["rq"], len(s.failed_rq))
        yield failed
        events = GaugeMetricFamily("plomba_transmissions", "Pending and rejected RZS events "
                                   "per tenant.", labels=["tenant_id", "status"])
        for t in s.tenants:
            events.add_metric([str(t.tenant_id), "pending"], t.pending)
            events.add_metric([str(t.tenant_id), "rejected"], t.rejected)
        yield events


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=value)
