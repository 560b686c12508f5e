"""Pictures and music for questions: uploaded by the host, checked by their bytes (not by the name
or the type the browser claims), stored in PostgreSQL so every app instance can serve them, and
served under an unguessable address with long cache headers."""

import hmac
from hashlib import sha256

from flask import Blueprint, Response, abort, flash, g, redirect, request, url_for
from flask_babel import gettext as _

from . import db, templating
from .accounts import login_required, owned
from .mediafiles import LIMITS, clean_filename, sniff

bp = Blueprint("media", __name__)


@bp.post("/questions/<int:question_id>/media")
@login_required
def upload(question_id):
    question = owned(db.one("question_by_id", id=question_id))
    back = redirect(url_for("quizzes.edit_question", question_id=question_id), 303)
    upload_ = request.files.get("file")
    if upload_ is None or not upload_.filename:
        flash(_("Choose a picture or a sound file to upload."), "error")
        return back
    data = upload_.read(max(LIMITS.values()) + 1)
    found = sniff(data[:16])
    if found is None:
        flash(
            _("That file is not a picture (PNG, JPEG, GIF, WebP) or a sound (MP3, OGG, WAV, M4A)."), "error"
        )
        return back
    kind, content_type = found
    if len(data) > LIMITS[kind]:
        size = LIMITS[kind] // (1024 * 1024)
        if kind == "image":
            flash(_("That image is too large: at most %(size)s MB.", size=size), "error")
        else:
            flash(_("That audio is too large: at most %(size)s MB.", size=size), "error")
        return back
    filename = clean_filename(upload_.filename)
    with db.transaction() as tx:
        media_id = store(tx, g.host["id"], kind, content_type, filename, data)
        tx.run(
            "set_question_image" if kind == "image" else "set_question_audio",
            id=question["id"],
            media_id=media_id,
        )
    if kind == "image":
        flash(_("Picture “%(file)s” added.", file=filename))
    else:
        flash(_("Sound “%(file)s” added.", file=filename))
    return back


@bp.post("/questions/<int:question_id>/media/remove")
@login_required
def remove(question_id):
    question = owned(db.one("question_by_id", id=question_id))
    query = "set_question_image" if request.form.get("kind") == "image" else "set_question_audio"
    db.run(query, id=question["id"], media_id=None)
    return redirect(url_for("quizzes.edit_question", question_id=question_id), 303)


def store(tx, host_id, kind, content_type, filename, data):
    """Keep a picture or a sound of this host's (an upload, or the demo quiz's own); its id."""
    return tx.value(
        "insert_media",
        host_id=host_id,
        kind=kind,
        content_type=content_type,
        filename=filename,
        size=len(data),
        sha256=sha256(data).hexdigest(),
        bytes=data,
    )


# The largest file and the form around it (read by the app before this view runs).
upload.max_content_length = max(LIMITS.values()) + 64 * 1024


@bp.get("/media/<int:media_id>/<secret>")
def show(media_id, secret):
    row = db.one("media_by_id", id=media_id)
    # The random part, not the sha256: the same bytes elsewhere must not open this address.
    if row is None or not hmac.compare_digest(row["secret"].encode(), secret.encode()):
        abort(404)
    unchanged = request.if_none_match.contains(row["sha256"])
    response = (
        Response(status=304) if unchanged else Response(bytes(row["bytes"]), content_type=row["content_type"])
    )
    response.set_etag(row["sha256"])
    # An address names one upload, whose bytes never change: browsers and Nginx may keep it a year.
    response.headers["Cache-Control"] = templating.IMMUTABLE
    response.headers["Content-Disposition"] = "inline"
    return response
