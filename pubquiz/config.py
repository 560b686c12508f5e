"""Settings: defaults first, then the environment. Secrets come only from the environment."""

import os
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


# The kernel buffer of each connection we send on (it doubles this). Left alone, Linux grows it to
# 4 MB for a client that stops reading, and a stream's write only blocks, so the send timeout only
# sees a stalled client, once that is full. This is some 30 pushed events of a 200-team game.
SEND_BUFFER_BYTES = 128 * 1024


def _int(name, default):
    value = os.environ.get(name)
    return int(value) if value else default


def from_environment():
    instance = Path(os.environ.get("PUBQUIZ_INSTANCE_DIR", ROOT / "instance"))
    return {
        # Empty DATABASE_URL means "start the embedded PostgreSQL in instance/pgdata".
        "DATABASE_URL": os.environ.get("DATABASE_URL", ""),
        # A streaming replica of it for pages that may be seconds stale (db.may_be_stale), read
        # while it lags by at most DATABASE_REPLICA_MAX_LAG seconds; empty: the primary only.
        "DATABASE_REPLICA_URL": os.environ.get("DATABASE_REPLICA_URL", ""),
        "DATABASE_REPLICA_MAX_LAG": os.environ.get("DATABASE_REPLICA_MAX_LAG", "5"),
        "REDIS_URL": os.environ.get("REDIS_URL", ""),
        # Keys and channels start with this: several deployments can share one Redis.
        "REDIS_PREFIX": os.environ.get("PUBQUIZ_REDIS_PREFIX", "pubquiz"),
        # Empty: see secret_key().
        "SECRET_KEY": os.environ.get("SECRET_KEY", ""),
        "INSTANCE_DIR": str(instance),
        "PUBLIC_URL": os.environ.get("PUBQUIZ_PUBLIC_URL", "").rstrip("/"),
        # The address `pubquiz serve --host` listens on ("" when another server runs the app):
        # a console opened at loopback is offered LAN addresses only if they would answer.
        "LISTEN_HOST": "",
        "DB_POOL_SIZE": _int("PUBQUIZ_DB_POOL_SIZE", 10),
        "DB_TIMEOUT": float(os.environ.get("PUBQUIZ_DB_TIMEOUT", "5")),
        "HEARTBEAT_SECONDS": _int("PUBQUIZ_HEARTBEAT_SECONDS", 15),
        "HISTORY_SIZE": _int("PUBQUIZ_HISTORY_SIZE", 200),
        # A stream whose client has not taken a write for this long is dropped (seconds).
        "SEND_TIMEOUT_SECONDS": float(os.environ.get("PUBQUIZ_SEND_TIMEOUT_SECONDS", "30")),
        # Answer counts are pushed at most this often per game (seconds).
        "COUNT_INTERVAL": float(os.environ.get("PUBQUIZ_COUNT_INTERVAL", "0.25")),
        # How often each process looks for deadlines that another process (or a
        # crashed one) scheduled; the process that opens a question also sets an exact timer.
        "DEADLINE_SWEEP_SECONDS": float(os.environ.get("PUBQUIZ_DEADLINE_SWEEP_SECONDS", "1.0")),
        # Answer partitions (one per month) are kept ready this many months ahead.
        "ANSWER_MONTHS_AHEAD": _int("PUBQUIZ_ANSWER_MONTHS_AHEAD", 3),
        "MAX_CONTENT_LENGTH": 64 * 1024,
        # Rate limits, in flask-limiter's notation ("30 per minute"; several with ";").
        # Wrong join codes (and names and PINs) per client: each distinct guess counts once. A
        # pub's router is one address for fifty teams, and a mistyped code is a handful a night;
        # the daily cap is what bounds a botnet (the README has the arithmetic).
        "LIMIT_JOIN": os.environ.get("PUBQUIZ_LIMIT_JOIN", "10 per minute; 100 per day"),
        # New teams per client per game: the biggest pub night behind one router is about fifty
        # teams; one address cannot take more than this of a game's MAX_TEAMS places.
        "LIMIT_NEW_TEAMS": os.environ.get("PUBQUIZ_LIMIT_NEW_TEAMS", "60 per day"),
        "MAX_TEAMS": _int("PUBQUIZ_MAX_TEAMS", 200),
        # Open streams per client address in one process: a pub's router is one address, so
        # this is generous; it stops one machine from holding thousands of sockets.
        "MAX_STREAMS_PER_ADDRESS": _int("PUBQUIZ_MAX_STREAMS_PER_ADDRESS", 500),
        # Wrong codes in any URL (no such game, or not yours), one budget for all those routes.
        "LIMIT_LOOKUP": os.environ.get("PUBQUIZ_LIMIT_LOOKUP", "30 per minute; 100 per day"),
        "LIMIT_ANSWER": os.environ.get("PUBQUIZ_LIMIT_ANSWER", "30 per minute"),
        "LIMIT_LOGIN_ADDRESS": os.environ.get("PUBQUIZ_LIMIT_LOGIN_ADDRESS", "30 per minute"),
        "LIMIT_LOGIN_ACCOUNT": os.environ.get("PUBQUIZ_LIMIT_LOGIN_ACCOUNT", "10 per minute"),
        "LIMIT_REGISTER": os.environ.get("PUBQUIZ_LIMIT_REGISTER", "10 per hour"),
        # API requests per token: a Stream Deck button is pressed a few times a minute, a script
        # reading results polls at most every few seconds.
        "LIMIT_API": os.environ.get("PUBQUIZ_LIMIT_API", "120 per minute"),
        # How many proxies (Nginx: 1) in front of the app may be trusted for X-Forwarded-For.
        "TRUSTED_PROXIES": _int("PUBQUIZ_TRUSTED_PROXIES", 0),
        # Lets a scraper that is not on this machine read /metrics (Authorization: Bearer ...).
        "METRICS_TOKEN": os.environ.get("PUBQUIZ_METRICS_TOKEN", ""),
        # Unhandled errors go to this Sentry project (needs `pip install 'pubquiz[sentry]'`).
        "SENTRY_DSN": os.environ.get("SENTRY_DSN", ""),
        # Host accounts (emails, comma-separated) that may open the operator's dashboard.
        "OPERATORS": os.environ.get("PUBQUIZ_OPERATORS", ""),
        "JSON_LOGS": os.environ.get("PUBQUIZ_JSON_LOGS", "") == "1",
        "ACCESS_LOG": os.environ.get("PUBQUIZ_ACCESS_LOG", "") == "1",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": os.environ.get("PUBQUIZ_SECURE_COOKIES", "") == "1",
        "PERMANENT_SESSION_LIFETIME": 60 * 60 * 24 * 30,
        # Re-signing the cookie on every response costs every answer and stream request; a
        # session is written only when it changes (a join, a login).
        "SESSION_REFRESH_EACH_REQUEST": False,
    }


class SettingsError(Exception):
    """A setting the app cannot run with; the message says what to change."""


MIN_SECRET_KEY = 16


def secret_key(config):
    """The key that signs session cookies: SECRET_KEY from the environment. A laptop (no Redis,
    so one process) may leave it unset and gets a generated one; several processes, perhaps on
    several machines, must all be given the same key, or a team's cookie is valid on one and
    not on the next."""
    key = config["SECRET_KEY"]
    if key:
        if len(key) < MIN_SECRET_KEY:
            raise SettingsError(
                f"SECRET_KEY is too short: use at least {MIN_SECRET_KEY} random characters "
                "(openssl rand -hex 32)."
            )
        return key
    if config["REDIS_URL"]:
        raise SettingsError(
            "SECRET_KEY must be set when REDIS_URL is: every process signs cookies with "
            "it, so all need the same one (openssl rand -hex 32)."
        )
    return _instance_secret(Path(config["INSTANCE_DIR"]))


def _instance_secret(instance):
    """A laptop install needs no configuration, yet its cookies must survive a restart:
    keep a generated key in the instance folder (never in the repository)."""
    path = instance / "secret_key"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def replica_max_lag(config):
    """DATABASE_REPLICA_MAX_LAG in seconds: a number, 0 or more."""
    raw = str(config["DATABASE_REPLICA_MAX_LAG"]).strip()
    try:
        seconds = float(raw)
    except ValueError:
        seconds = float("nan")
    if not seconds >= 0:  # also refuses nan
        raise SettingsError(
            f"DATABASE_REPLICA_MAX_LAG must be a number of seconds, like 5 (it is {raw!r}): how far the "
            "read replica may lag before its pages read the primary."
        )
    return seconds
