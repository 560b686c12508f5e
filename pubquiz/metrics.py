"""Prometheus metrics that add up across gunicorn workers.

deploy/gunicorn.conf.py sets PROMETHEUS_MULTIPROC_DIR before the workers start; each worker then
writes its samples to files there and /metrics sums them. In one process (pubquiz serve) the
ordinary in-memory registry is used."""

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

REQUESTS = Counter("pubquiz_requests_total", "HTTP requests answered", ["endpoint", "method", "status"])
LATENCY = Histogram(
    "pubquiz_request_seconds",
    "Time to the response (for streams: to its start)",
    ["endpoint"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
STREAMS = Gauge("pubquiz_open_streams", "SSE streams open now", multiprocess_mode="livesum")
PUBLISHED = Counter("pubquiz_events_published_total", "Events published to the bus")
DELIVERED = Counter("pubquiz_events_delivered_total", "Event messages written to streams")
ANSWERS = Counter("pubquiz_answers_total", "Answers submitted", ["result"])
RATE_LIMITED = Counter("pubquiz_rate_limited_total", "Requests refused by a rate limit", ["endpoint"])
ERRORS = Counter("pubquiz_errors_total", "Unhandled errors, in a request or in background work", ["where"])
for where in ("request", "background"):
    ERRORS.labels(where)  # at zero from the start, so the first error is an increase
# What a phone waits for once a change is committed and rendered: on loopback a few ms; on a
# healthy cluster (Redis in between) tens of ms.
PUBLISH_DELIVER = Histogram(
    "pubquiz_publish_deliver_seconds",
    "From an event's publishing to its bytes in this process's streams (once per event per process)",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
# The exact timer closes a question some 50 ms after its deadline, the sweep of another process
# within DEADLINE_SWEEP_SECONDS (1 s).
DEADLINE_LATENESS = Histogram(
    "pubquiz_deadline_lateness_seconds",
    "How long after its deadline a question was closed by the clock",
    buckets=(0.025, 0.05, 0.1, 0.25, 0.5, 1, 1.5, 2, 3, 5, 10, 30),
)
# Each process sets it when it checks (on /readyz and on every scrape of /metrics); the newest
# check of any live worker is the answer.
SERVICE_READY = Gauge(
    "pubquiz_service_ready",
    "1 when the service (postgresql, redis) answered the last check, else 0",
    ["service"],
    multiprocess_mode="livemostrecent",
)


def exposition():
    """(body, content type) of every metric, summed over all worker processes."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    return generate_latest(registry), CONTENT_TYPE_LATEST
