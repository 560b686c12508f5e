"""What templates need besides their context: CSRF helpers, labels, number formatting."""

import time
from decimal import Decimal
from functools import lru_cache
from hashlib import sha256
from pathlib import Path

from flask import current_app

from . import confirm, csrf, links, questions, rules, seasons


def number(value):
    """1969, 3.5, 0.25: no exponent, no trailing zeros."""
    if value is None or value == "":
        return ""
    value = Decimal(value).normalize()
    return format(value, "f")


@lru_cache(maxsize=1024)  # a leaderboard says the same few totals over and over
def points(value):
    """Points as a quiz master says them: 7½, ½, −1½ (a real minus sign), never 7.5."""
    if value is None or value == "":
        return ""
    value = Decimal(value)
    whole, half = divmod(abs(value) * 2, 2)
    text = (str(int(whole)) if whole or not half else "") + ("½" if half else "")
    return ("−" if value < 0 else "") + text


def points_said(value):
    """ "½ point", "1 point", "0 points", "7½ points": for messages written in Python."""
    return f"{points(value)} point{'' if 0 < abs(Decimal(value)) <= 1 else 's'}"


# For a static file asked for by its fingerprint, and for media (whose address names its bytes).
IMMUTABLE = "public, max-age=31536000, immutable"


@lru_cache(maxsize=64)
def _fingerprint(path):
    return sha256(path.read_bytes()).hexdigest()[:12]


def asset(filename):
    """A static file's URL with its content's fingerprint: Nginx and browsers may cache it for
    a year without asking again, and a deploy that changes the file changes the URL."""
    fingerprint = _fingerprint(Path(current_app.static_folder) / filename)
    return links.path_for("static", filename=filename, v=fingerprint)


def fingerprinted(filename, v):
    """Whether a static file was asked for by its current fingerprint (an old page's URL gets the
    new bytes, which must not be kept as if they were the old ones)."""
    return v is not None and v == _fingerprint(Path(current_app.static_folder) / filename)


def init_app(app):
    app.jinja_env.filters["number"] = number
    app.jinja_env.filters["points"] = points
    app.jinja_env.filters["points_said"] = points_said
    app.jinja_env.globals.update(
        asset=asset,
        csrf_field=csrf.csrf_field,
        csrf_token=csrf.csrf_token,
        external_url=links.external,
        url_for=links.path_for,
        action_label=rules.ACTION_LABELS.get,
        phase_label=rules.PHASE_LABELS.get,
        ends_early=confirm.ends_early,
        end_warning=confirm.end_game,
        shapes=questions.SHAPES,
        letters=questions.LETTERS,
        lobby_with_league=seasons.LOBBY_WITH_LEAGUE,
        # Lets the page's script measure its clock against ours for countdowns.
        server_now_ms=lambda: int(time.time() * 1000),
    )
