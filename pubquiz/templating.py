"""What templates need besides their context: CSRF helpers, labels, number formatting."""
import time
from decimal import Decimal

from . import auth, game, questions


def number(value):
    """1969, 3.5, 0.25: no exponent, no trailing zeros."""
    if value is None or value == "":
        return ""
    value = Decimal(value).normalize()
    return format(value, "f")


def init_app(app):
    app.jinja_env.filters["number"] = number
    app.jinja_env.globals.update(
        csrf_field=auth.csrf_field,
        csrf_token=auth.csrf_token,
        action_label=game.ACTION_LABELS.get,
        shapes=questions.SHAPES,
        letters=questions.LETTERS,
        # Lets the page's script measure its clock against ours for countdowns.
        server_now_ms=lambda: int(time.time() * 1000),
    )
