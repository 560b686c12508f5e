"""Rate limits (flask-limiter; Redis storage when configured, memory otherwise).

Guessing is limited per client (an address, or an IPv6 /64), never for everyone together: a
budget all addresses share is one a few attackers can spend for every honest team. Wrong guesses
of a join code count per client, each distinct guess once (a phone retrying the same link, a
stream reconnecting, is not guessing), with a daily cap; a team's browser is never counted on its
own game, nor a host on theirs. New teams count per client and game, answers per team, API
requests per token, logins per address and per account (a browser the owner logged in with
before has a budget of its own). The limits are settings (PUBQUIZ_LIMIT_*); the README has the
arithmetic."""

import hashlib
import ipaddress
import logging
import secrets

from flask import current_app, g, request, session
from flask_babel import gettext as _
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from itsdangerous import BadSignature, URLSafeSerializer
from limits import parse_many

from . import games

log = logging.getLogger(__name__)


def client():
    """Who a limit counts: the client's address; for IPv6 its /64, which one subscriber gets
    whole (a single machine can take any address in it)."""
    address = get_remote_address()
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 6 and ip.ipv4_mapped:
        return str(ip.ipv4_mapped)
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return address


limiter = Limiter(key_func=client)


def _setting(name):
    return lambda: current_app.config[name]


def _hit(limit, *key):
    """Counts one against a limit kept by hand (not a decorator; "a; b" is both); False once it
    is spent. Like the decorators, a limit store that is down lets the request through."""
    prefix = current_app.config["RATELIMIT_KEY_PREFIX"]
    try:
        return all([limiter.limiter.hit(item, prefix, *key) for item in parse_many(limit)])
    except Exception:  # whatever the store raises: Redis or the limits library
        log.exception("rate-limit store failed; letting the request through")
        return True


def _fresh_guess(*guess):
    """True the first time today this client makes this guess."""
    digest = hashlib.sha256("\x00".join(guess).encode()).hexdigest()[:32]
    return _hit("1 per day", "guess", client(), digest)


def _code():
    return games.normalise_code((request.view_args or {}).get("code"))


def wrong_guess():
    """The request guessed wrong: no such game, not yours (where the answer is not a 404, which
    counts by itself), or a wrong team PIN. A refusal for a real code (a closed lobby, a name
    taken) is no miss: finding the code was the hit this limit bounds."""
    g.wrong_guess = True


def _once_per_request(decide):
    """flask-limiter asks deduct_when once per limit of "10 per minute; 100 per day", and the
    first answer marks the guess as seen: the later limits must get that same answer, or the
    daily cap never counts anything."""
    key = "deduct_" + decide.__name__

    def decided(response):
        if key not in g:
            setattr(g, key, decide(response))
        return getattr(g, key)

    return decided


@_once_per_request
def _wrong_lookup(response):
    return (response.status_code == 404 or g.get("wrong_guess", False)) and _fresh_guess("look-up", _code())


@_once_per_request
def _wrong_join(response):
    form = request.form
    return g.get("wrong_guess", False) and _fresh_guess(
        "join",
        games.normalise_code(form.get("code")),
        (form.get("name") or "").strip().lower(),
        form.get("pin") or "",
    )


def _own_team():
    """A browser holding a team's signed token for this code is no guesser (and an answer
    costs no extra look-up in the limit store)."""
    return _code() in session.get("teams", {})


def _own_game():
    """A logged-in host on their own game is no guesser either: the console's clicks cost no
    look-up in the limit store. The login's g.host is set before any view's limits are checked
    (the before_request hook runs first; an API token's host only inside the view, so the API
    counts as before); a host guessing other games' codes still counts."""
    host = g.get("host")
    game = host and games.by_code(_code())
    if not game or game["host_id"] != host["id"]:
        return False
    g.own_game = game  # the view's views.own_game takes it: one cache read per click, not two
    return True


def _no_guesser():
    return _own_team() or _own_game()


def _team_key():
    saved = session.get("teams", {}).get(_code())
    return "team:%s" % saved[0] if saved else "address:" + client()


failed_join = limiter.shared_limit(_setting("LIMIT_JOIN"), scope="join", deduct_when=_wrong_join)
# Every route with a code in its path (see guard_code_routes), one budget for all of them.
failed_lookup = limiter.shared_limit(
    _setting("LIMIT_LOOKUP"), scope="look-up", deduct_when=_wrong_lookup, exempt_when=_no_guesser
)
answers = limiter.limit(_setting("LIMIT_ANSWER"), key_func=_team_key)


def _api_key():
    """The token the request sends (its hash: the text is kept nowhere), whether it is live or
    not; one budget per token, so one busy script never slows another host's button."""
    return "api:" + hashlib.sha256((request.headers.get("Authorization") or "").encode()).hexdigest()


# One budget per token for all the API's routes together.
api = limiter.shared_limit(_setting("LIMIT_API"), scope="api", key_func=_api_key)
register = limiter.limit(_setting("LIMIT_REGISTER"))


def refusal(spent):
    """What a spent limit tells the person: waiting a minute does not lift a daily cap, and a
    team refused for wrong codes needs the right one, not patience."""
    window = spent.limit.get_expiry()
    if window >= 86400 and spent.scope in ("join", "look-up"):
        return _(
            "Too many wrong codes from your network today. Check the code on the screen, "
            "or ask the quiz master for the join link."
        )
    if window >= 86400:
        return _("Too many attempts from here today. Try again tomorrow.")
    if window >= 3600:
        return _("Too many attempts from here. Wait an hour, then try again.")
    return _("Too many attempts from here. Wait a minute, then try again.")


def guard_code_routes(app):
    """Every route that takes a join code counts its wrong guesses in one budget, a route added
    later included: call once the blueprints are registered."""
    for rule in app.url_map.iter_rules():
        if "code" in rule.arguments:
            app.view_functions[rule.endpoint] = failed_lookup(app.view_functions[rule.endpoint])


def may_add_team(code):
    """Counts a new team from this client in this game; False once LIMIT_NEW_TEAMS is spent."""
    return _hit(current_app.config["LIMIT_NEW_TEAMS"], "new-team", client(), code)


# Logins. An attacker with many addresses can spend any budget an account shares, so a browser
# the owner has logged in with (it carries a signed cookie naming the account) has a budget of
# its own: a distributed attack on the account cannot lock the owner out of that browser.
DEVICE_COOKIE = "pubquiz_device"
DEVICE_DAYS = 365


def _email():
    return (request.form.get("email") or "").strip().lower()


def _devices():
    try:
        devices = _serializer().loads(request.cookies.get(DEVICE_COOKIE, ""))
    except BadSignature:
        return {}
    return devices if isinstance(devices, dict) else {}


def _serializer():
    return URLSafeSerializer(current_app.secret_key, salt="login-device")


def _account_key():
    email = _email()
    device = _devices().get(email)
    return f"device:{email}:{device}" if device else "account:" + email


def trust_this_browser(response, email):
    """After a correct password: this browser has its own login budget for this account."""
    devices = _devices()
    devices[email.strip().lower()] = secrets.token_urlsafe(8)
    recent = dict(list(devices.items())[-5:])  # the cookie stays small on a shared laptop
    response.set_cookie(
        DEVICE_COOKIE,
        _serializer().dumps(recent),
        max_age=DEVICE_DAYS * 86400,
        httponly=True,
        samesite="Lax",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )
    return response


login_address = limiter.limit(_setting("LIMIT_LOGIN_ADDRESS"))
login_account = limiter.limit(_setting("LIMIT_LOGIN_ACCOUNT"), key_func=_account_key)


def init_app(app):
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config["REDIS_URL"] or "memory://")
    app.config.setdefault("RATELIMIT_KEY_PREFIX", app.config["REDIS_PREFIX"])
    if app.config["REDIS_URL"]:
        # The storage's own keys start with our prefix too (its default is one "LIMITS:" for
        # everyone): a reset, or another deployment on the same Redis, touches only ours.
        app.config.setdefault(
            "RATELIMIT_STORAGE_OPTIONS", {"key_prefix": app.config["REDIS_PREFIX"] + ":limits"}
        )
    # If Redis is down, limits fall back to this process's memory instead of failing requests.
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    app.config.setdefault("RATELIMIT_SWALLOW_ERRORS", True)
    # No X-RateLimit headers: computing them costs a Redis round trip on every limited request
    # (a third of an answer's time, measured), and browsers do nothing with them.
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", False)
    limiter.init_app(app)
    # Every limit here is a decorator, which checks its own limits. flask-limiter's check before
    # every request looks for default and application limits, of which there are none: it found
    # nothing, at a tenth of a millisecond per request (every answer, click and stream).
    app.before_request_funcs[None].remove(limiter._check_request_limit)
