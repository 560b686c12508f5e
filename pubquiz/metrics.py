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


def exposition():
    """(body, content type) of every metric, summed over all worker processes."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    return generate_latest(registry), CONTENT_TYPE_LATEST
