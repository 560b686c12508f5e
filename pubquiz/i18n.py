"""Which language a page or a pushed fragment speaks, and the catalogues it speaks from.

A game's phones and projector speak the game's language (the host picks it), the host's own pages
the host's, and the join page, before a game is known, the browser's Accept-Language. Fragments
pushed to many clients are rendered once per audience inside speaking(), never per client.

English is the source language: the msgids are the English text, and an English page is the
template as written."""

import contextvars
import logging
from contextlib import contextmanager
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import abort, g, has_request_context, request
from flask_babel import Babel, force_locale, get_translations, gettext, refresh
from flask_babel import get_locale as _babel_locale

log = logging.getLogger(__name__)

# The names a person picks from, each in its own language.
LANGUAGES = {"en": "English", "de": "Deutsch", "nl": "Nederlands", "fr": "Français"}
DEFAULT = "en"
TRANSLATIONS = Path(__file__).parent / "translations"


# The locale and catalogue of the fragment being rendered, looked up once for the whole render
# (see one_catalogue); None outside.
_rendering = contextvars.ContextVar("pubquiz_rendering_catalogue", default=None)


def select_locale():
    if not has_request_context():  # background renders always name their language
        return DEFAULT
    language = g.get("language")
    if language:
        return language
    host = g.get("host")
    if host:
        return host["language"]
    return request.accept_languages.best_match(LANGUAGES, DEFAULT)


@contextmanager
def one_catalogue():
    """Within: a template's _() and number filters use the locale and catalogue looked up once
    here. flask-babel looks them up again at every message through five context lookups, which
    was a sixth of a console fragment's render; a fragment changes no locale while it renders.
    Within speaking(), the catalogue it looked up serves."""
    if _rendering.get() is not None:
        yield
    else:
        with _looked_up_now():
            yield


@contextmanager
def speaking(language):
    """Within: fragments render in `language`, all from one look-up of its catalogue (a reveal
    renders a result for each team). Nothing within may change the locale but another
    speaking(), which looks its own catalogue up."""
    with force_locale(language), _looked_up_now():
        yield


@contextmanager
def _looked_up_now():
    token = _rendering.set((_babel_locale(), get_translations()))
    try:
        yield
    finally:
        _rendering.reset(token)


def get_locale():
    rendering = _rendering.get()
    return rendering[0] if rendering else _babel_locale()


def _catalogue():
    rendering = _rendering.get()
    return rendering[1] if rendering else get_translations()


def use(language):
    """From here on this request speaks `language` (a game's, for its phones and projector)."""
    g.language = language if language in LANGUAGES else DEFAULT
    refresh()


def chosen(default=None):
    """The language a form chose; a 400 for one we do not speak (no form of ours sends it)."""
    language = request.form.get("language") or default
    if language not in LANGUAGES:
        abort(400, gettext("Choose one of the languages offered."))
    return language


def refusal(refused):
    """A rules.IllegalMove in this request's language (an action's label translated with it)."""
    params = {name: gettext(value) if name == "action" else value for name, value in refused.params.items()}
    return gettext(refused.message, **params)


def compile_catalogues(directory=TRANSLATIONS):
    """Write each messages.mo that is missing or older than its .po. Done when the app starts, so a
    checkout or a `pip install -e .` needs no build step; `make translations` does it too. The .mo
    is written beside and moved into place: a second worker starting at once never reads half."""
    for po_path in sorted(directory.glob("*/LC_MESSAGES/messages.po")):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        partial = mo_path.with_suffix(".mo.partial")
        try:
            with po_path.open("rb") as po:
                catalogue = read_po(po)
            with partial.open("wb") as mo:
                write_mo(mo, catalogue)
            partial.replace(mo_path)
        except OSError as error:  # a read-only install: it speaks English until compiled
            log.warning("cannot compile %s: %s", po_path, error)


def init_app(app):
    compile_catalogues()
    Babel(app, locale_selector=select_locale)
    app.jinja_env.install_gettext_callables(
        gettext=lambda message: _catalogue().ugettext(message),
        ngettext=lambda singular, plural, n: _catalogue().ungettext(singular, plural, n),
        newstyle=True,
        pgettext=lambda context, message: _catalogue().upgettext(context, message),
        npgettext=lambda context, singular, plural, n: _catalogue().unpgettext(context, singular, plural, n),
    )

    app.jinja_env.globals.update(current_language=lambda: str(get_locale()), languages=LANGUAGES)
