"""Settings: defaults first, then the environment. Secrets come only from the environment."""
import os
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _int(name, default):
    value = os.environ.get(name)
    return int(value) if value else default


def from_environment():
    instance = Path(os.environ.get("PUBQUIZ_INSTANCE_DIR", ROOT / "instance"))
    return {
        # Empty DATABASE_URL means "start the embedded PostgreSQL in instance/pgdata".
        "DATABASE_URL": os.environ.get("DATABASE_URL", ""),
        "REDIS_URL": os.environ.get("REDIS_URL", ""),
        "SECRET_KEY": os.environ.get("SECRET_KEY") or _instance_secret(instance),
        "INSTANCE_DIR": str(instance),
        "PUBLIC_URL": os.environ.get("PUBQUIZ_PUBLIC_URL", "").rstrip("/"),
        "DB_POOL_SIZE": _int("PUBQUIZ_DB_POOL_SIZE", 10),
        "HEARTBEAT_SECONDS": _int("PUBQUIZ_HEARTBEAT_SECONDS", 15),
        "HISTORY_SIZE": _int("PUBQUIZ_HISTORY_SIZE", 200),
        # Answer counts are pushed at most this often per game (seconds).
        "COUNT_INTERVAL": float(os.environ.get("PUBQUIZ_COUNT_INTERVAL", "0.25")),
        # How often each process looks for deadlines that another process (or a
        # crashed one) scheduled; the process that opens a question also sets an exact timer.
        "DEADLINE_SWEEP_SECONDS": float(os.environ.get("PUBQUIZ_DEADLINE_SWEEP_SECONDS", "1.0")),
        "MAX_CONTENT_LENGTH": 64 * 1024,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": os.environ.get("PUBQUIZ_SECURE_COOKIES", "") == "1",
        "PERMANENT_SESSION_LIFETIME": 60 * 60 * 24 * 30,
    }


def _instance_secret(instance):
    """A laptop install needs no configuration, yet its cookies must survive a restart:
    keep a generated key in the instance folder (never in the repository)."""
    path = instance / "secret_key"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()
