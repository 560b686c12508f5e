"""Quizzes in and out of files: an upload is checked and previewed, and becomes a quiz only when the
host confirms it; a quiz downloads as pubquiz JSON (everything), CSV or XLSX; the spreadsheet
template has an example of each kind of question."""

import io
import re

from flask import Blueprint, abort, flash, g, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext

from . import db, library, questions, quizfile
from .accounts import login_required, owned

bp = Blueprint("transfer", __name__)
SHOWN_PROBLEMS = 100
SHOWN_QUESTIONS = 3


@bp.post("/quizzes/import")
@login_required
def preview_import():
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _preview(problems=[_("Choose a quiz file to upload (JSON, CSV or XLSX).")], status=422)
    quiz, problems = quizfile.read(upload.read(quizfile.MAX_JSON + 1), upload.filename)
    if problems:
        return _preview(problems=problems, filename=upload.filename, status=422)
    return _preview(quiz=quiz, filename=upload.filename, import_id=library.keep_import(g.host["id"], quiz))


# The largest file we read, and the form around it (read by the app before this view runs).
preview_import.max_content_length = quizfile.MAX_JSON + 64 * 1024
preview_import.too_large = lazy_gettext(
    "A quiz file can be at most %(json)s MB (a spreadsheet %(sheet)s MB).",
    json=quizfile.MAX_JSON // quizfile.MB,
    sheet=quizfile.MAX_SHEET // quizfile.MB,
)


def _preview(quiz=None, problems=(), filename="", import_id=None, status=200):
    return render_template(
        "quizzes/import.html",
        quiz=quiz,
        problems=problems[:SHOWN_PROBLEMS],
        more_problems=max(0, len(problems) - SHOWN_PROBLEMS),
        filename=filename,
        import_id=import_id,
        shown_questions=SHOWN_QUESTIONS,
        kinds=questions.KINDS,
    ), status


@bp.post("/quizzes/import/<int:import_id>")
@login_required
def create_import(import_id):
    quiz = library.take_import(g.host["id"], import_id)
    if quiz is None:
        flash(
            _("That import was created already, or a newer upload replaced it: upload the file again."),
            "error",
        )
        return redirect(url_for("quizzes.index"), 303)
    quiz_id = library.save(g.host["id"], quiz)
    flash(
        _(
            "Quiz imported: %(rounds)s rounds, %(questions)s questions.",
            rounds=len(quiz.rounds),
            questions=quiz.question_count(),
        )
    )
    return redirect(url_for("quizzes.edit", quiz_id=quiz_id), 303)


@bp.get("/quizzes/<int:quiz_id>/export.<fmt>")
@login_required
def export(quiz_id, fmt):
    quiz_row = owned(db.one("quiz_by_id", id=quiz_id))
    if fmt not in quizfile.FORMATS:
        abort(404)
    data, content_type = quizfile.write(db.may_be_stale(library.load, quiz_id), fmt)
    return _download(data, content_type, f"{_slug(quiz_row['title'])}.{fmt}")


@bp.get("/quizzes/template.<fmt>")
@login_required
def template(fmt):
    if fmt not in quizfile.TEMPLATES:
        abort(404)
    return _download(quizfile.TEMPLATES[fmt](), quizfile.FORMATS[fmt][0], f"pubquiz-template.{fmt}")


def _download(data, content_type, name):
    return send_file(io.BytesIO(data), mimetype=content_type, as_attachment=True, download_name=name)


def _slug(title):
    return re.sub(r"[^\w]+", "-", title.casefold()).strip("-")[:60] or "quiz"
