"""Rate limits (flask-limiter; Redis storage when configured, memory otherwise).

Failed join attempts and failed game look-ups count per client address, so join codes cannot be
brute-forced while fifty teams behind one pub router can still all join. Answers count per team,
logins per address and per account. The limits are settings (PUBQUIZ_LIMIT_*)."""
from flask import current_app, request, session
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

limiter = Limiter(key_func=get_remote_address)


def _setting(name):
    return lambda: current_app.config[name]


def _failed(response):
    return response.status_code in (404, 422)


def _team_key():
    code = (request.view_args or {}).get("code", "").upper()
    saved = session.get("teams", {}).get(code)
    return "team:%s" % saved[0] if saved else "address:" + get_remote_address()


def _account_key():
    return "account:" + (request.form.get("email") or "").strip().lower()


failed_join = limiter.limit(_setting("LIMIT_JOIN"), deduct_when=_failed)
failed_join_everywhere = limiter.limit(_setting("LIMIT_JOIN_GLOBAL"), key_func=lambda: "everyone",
                                       deduct_when=_failed)
failed_lookup = limiter.limit(_setting("LIMIT_LOOKUP"), deduct_when=_failed)
answers = limiter.limit(_setting("LIMIT_ANSWER"), key_func=_team_key)
login_address = limiter.limit(_setting("LIMIT_LOGIN_ADDRESS"))
login_account = limiter.limit(_setting("LIMIT_LOGIN_ACCOUNT"), key_func=_account_key)
register = limiter.limit(_setting("LIMIT_REGISTER"))


def init_app(app):
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config["REDIS_URL"] or "memory://")
    app.config.setdefault("RATELIMIT_KEY_PREFIX", app.config["REDIS_PREFIX"])
    # The counts' Redis keys under PUBQUIZ_REDIS_PREFIX too, like everything else the app keeps
    # there: flask-limiter's own keys all start "LIMITS", and its reset deletes every such key.
    app.config.setdefault("RATELIMIT_STORAGE_OPTIONS", {"key_prefix": app.config["REDIS_PREFIX"] + ":limits"})
    # If Redis is down, limits fall back to this process's memory instead of failing requests.
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    app.config.setdefault("RATELIMIT_SWALLOW_ERRORS", True)
    # No X-RateLimit headers: computing them costs a Redis round trip on every limited request
    # (a third of an answer's time, measured), and browsers do nothing with them.
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", False)
    limiter.init_app(app)
