"""A game's results for its host: a printable page with the podium and every team's rounds, and
the same table as CSV and XLSX. A game still being played shows its standings so far, and says so."""

import re

from flask import Blueprint, Response, render_template
from flask_babel import gettext as _

from . import db, snapshot, standings, views
from .accounts import login_required

bp = Blueprint("results", __name__)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _own_snapshot(code):
    # Whose game it is is read on the primary; the results may be a few seconds stale.
    return db.may_be_stale(snapshot.load, views.own_game(code)["id"])


def _download(snap, body, mimetype, extension):
    # The file is named after the quiz and the game, in characters every system accepts.
    stem = re.sub(r"[^A-Za-z0-9]+", "-", snap.quiz["title"]).strip("-").lower() or "quiz"
    name = f"{stem}-{snap.game['code']}-results.{extension}"
    disposition = f'attachment; filename="{name}"'
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": disposition})


@bp.get("/host/<code>/results")
@login_required
def page(code):
    snap = _own_snapshot(code)
    return render_template(
        "results/page.html",
        snap=snap,
        header=[_(title) for title in standings.header(snap)],  # the downloads keep English
        lines=standings.lines(snap),
        podium=standings.podium(snap),
    )


@bp.get("/host/<code>/results.csv")
@login_required
def csv_file(code):
    snap = _own_snapshot(code)
    # With a byte order mark, Excel reads the file as UTF-8 (team names with accents or emoji).
    return _download(snap, "\ufeff" + standings.to_csv(snap), "text/csv", "csv")


@bp.get("/host/<code>/results.xlsx")
@login_required
def xlsx_file(code):
    snap = _own_snapshot(code)
    return _download(snap, standings.to_xlsx(snap), XLSX, "xlsx")
