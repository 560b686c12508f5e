"""What templates need besides their context: CSRF helpers, labels, number formatting."""

import time
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from hashlib import sha256
from pathlib import Path

from babel.dates import format_date
from babel.numbers import get_decimal_symbol
from flask import current_app
from flask.templating import Environment as FlaskEnvironment
from flask_babel import gettext, ngettext

from . import confirm, csrf, links, questions, rules, seasons
from .i18n import get_locale


def _language():
    return get_locale().language


def number(value):
    """1969, 3.5, 0.25 (3,5 and 0,25 where the language writes a decimal comma): no exponent, no
    trailing zeros, no thousands separator (a year or a join code's digits read as they are)."""
    if value is None or value == "":
        return ""
    value = Decimal(value).normalize()
    return format(value, "f").replace(".", get_decimal_symbol(get_locale()))


def option_words(text):
    """An option as the page's language says it: a true-or-false question's options are stored
    as the English "True" and "False"; every other option is the host's own words."""
    return gettext(text) if text in questions.TRUE_FALSE else text


def points(value):
    """Points as a quiz master says them: 7½, ½, −1½ (a real minus sign), never 7.5, in English;
    7,5 and −1,5 where the language writes halves as decimals."""
    if value is None or value == "":
        return ""
    return _points(Decimal(value), _language())


@lru_cache(maxsize=1024)  # a leaderboard says the same few totals over and over
def _points(value, language):
    whole, half = divmod(abs(value) * 2, 2)
    if language == "en":
        text = (str(int(whole)) if whole or not half else "") + ("½" if half else "")
    else:
        text = str(int(whole)) + (",5" if half else "")
    return ("−" if value < 0 else "") + text


def plural_count(value):
    """The whole number gettext's plural rules choose a form by, for points that go in halves:
    English says "½ point" and "1½ points", French "1,5 point", German and Dutch "0,5 Punkte"."""
    size = abs(Decimal(value or 0))
    if _language() == "en":
        return 1 if 0 < size <= 1 else 2
    if _language() == "fr":
        return 1 if size < 2 else 2
    return 1 if size == 1 else 2


def points_said(value):
    """ "½ point", "1 point", "0 points", "7½ points" (and "7,5 Punkte"): for messages."""
    return ngettext("%(points)s point", "%(points)s points", plural_count(value), points=points(value))


def ordinal(place):
    """1st, 2nd (1., 2. in German; 1er, 2e in French; 1e, 2e in Dutch)."""
    language = _language()
    if language == "de":
        return f"{place}."
    if language == "nl":
        return f"{place}e"
    if language == "fr":
        return f"{place}er" if place == 1 else f"{place}e"
    return f"{place}{'th' if 10 <= place % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(place % 10, 'th')}"


# How each page writes a day: "12 Nov 2026" (12.11.2026 in German), "12 November 2026" on the
# printed results (12. November 2026), "12 Nov" beside a time. English keeps its day-month order.
DAYS = {"short": ("d MMM y", "medium"), "long": ("dd MMMM y", "long"), "month": ("dd MMM", "dd MMM")}


def day(value, style="short"):
    """A date, or a timestamp's (as stored: no time zone conversion), as the language writes it."""
    english, other = DAYS[style]
    value = value.date() if isinstance(value, datetime) else value
    return format_date(value, english if _language() == "en" else other, locale=get_locale())


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


class Environment(FlaskEnvironment):
    """Flask's Jinja environment, in which a template's globals are the environment's own dict.

    Jinja gives each template a ChainMap of its own globals (none here) over the environment's,
    and copies it into a new dict at every render, include and import: with the first map empty,
    that is a KeyError for each of the 34 names, measured at 30 µs a render, a third of a small
    fragment's. Nothing here loads a template with globals of its own (get_template's globals=),
    so the environment's dict serves every template, and a name added to it later is still seen."""

    def make_globals(self, d):
        return self.globals if not d else super().make_globals(d)


def init_app(app):
    app.jinja_env.filters["number"] = number
    app.jinja_env.filters["points"] = points
    app.jinja_env.filters["points_said"] = points_said
    app.jinja_env.filters["day"] = day
    app.jinja_env.globals.update(
        ordinal=ordinal,
        option_words=option_words,
        plural_count=plural_count,
        asset=asset,
        csrf_field=csrf.csrf_field,
        csrf_token=csrf.csrf_token,
        external_url=links.external,
        url_for=links.path_for,
        action_label=lambda action: gettext(rules.ACTION_LABELS[action]),
        phase_label=lambda phase: gettext(rules.PHASE_LABELS[phase]),
        ends_early=confirm.ends_early,
        end_warning=confirm.end_game,
        shapes=questions.SHAPES,
        letters=questions.LETTERS,
        lobby_with_league=seasons.LOBBY_WITH_LEAGUE,
        # Lets the page's script measure its clock against ours for countdowns.
        server_now_ms=lambda: int(time.time() * 1000),
    )
