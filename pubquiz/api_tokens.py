"""The host's API tokens page: make a token (a name and what it may do), see each one's last
use, revoke one at once. The API itself is api.py; the tokens are tokens.py."""

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext

from . import tokens
from .accounts import login_required
from .validation import Validation

bp = Blueprint("api_tokens", __name__)


def _page(new_token=None, form=None, errors=None, status=200):
    return render_template(
        "account/api_tokens.html",
        tokens=tokens.of_host(g.host["id"]),
        scopes=tokens.SCOPES,
        new_token=new_token,
        form=form or {},
        errors=errors or {},
    ), status


@bp.get("/account/api-tokens")
@login_required
def index():
    return _page()


@bp.post("/account/api-tokens")
@login_required
def create():
    v = Validation(request.form)
    name = v.text("name", gettext("Token name"), max_length=tokens.MAX_NAME)
    scopes = request.form.getlist("scope")
    if not scopes or not set(scopes) <= tokens.SCOPES.keys():
        v.error("scope", gettext("Tick what the token may do (at least one)."))
    if not v.ok:
        return _page(form=request.form, errors=v.errors, status=422)
    token, _ = tokens.create(g.host["id"], name, set(scopes))
    # Shown in this answer and never again: a redirect would carry it in the session cookie.
    return _page(new_token={"name": name, "text": token})


@bp.post("/account/api-tokens/<int:token_id>/revoke")
@login_required
def revoke(token_id):
    if not tokens.revoke(g.host["id"], token_id):
        abort(404)  # another host's token looks missing
    flash(gettext("Token revoked: requests with it are refused from now on."))
    return redirect(url_for("api_tokens.index"), 303)
