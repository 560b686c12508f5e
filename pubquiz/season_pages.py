"""A host's seasons (a venue's league): the list, a new season with its scoring rule, a season's
league table (a page, CSV and XLSX, written like a game's results), and putting a game in a
season or taking it out."""

import re

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from . import db, league, live, seasons, snapshot, standings, views
from .accounts import login_required, owned
from .validation import Validation

bp = Blueprint("seasons", __name__)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_WEEKS = 520


def _index_page(form=None, errors=None, status=200):
    return render_template(
        "seasons/index.html",
        seasons=seasons.own(g.host["id"]),
        scoring={name: _(words) for name, words in league.SCORING.items()},
        default_places=", ".join(str(p) for p in league.DEFAULT_PLACE_POINTS),
        form=form or {},
        errors=errors or {},
    ), status


@bp.get("/seasons")
@login_required
def index():
    return _index_page()


@bp.post("/seasons")
@login_required
def create():
    v = Validation(request.form)
    name = v.text("name", _("Season name"), max_length=80)
    scoring = request.form.get("scoring", "")
    best_of = places = None
    if scoring not in league.SCORING:
        v.error("scoring", _("Choose how the league is scored."))
    elif scoring == "best":
        best_of = v.integer("best_of", _("Best weeks"), minimum=1, maximum=MAX_WEEKS)
    elif scoring == "places":
        places = league.parse_place_points(request.form.get("place_points", ""))
        if places is None:
            v.error("place_points", _("Points by place are whole numbers from 1st down, like 10, 8, 6, 5."))
    if not v.ok:
        return _index_page(request.form, v.errors, 422)
    season_id = seasons.create(g.host["id"], name, scoring, best_of, places)
    return redirect(url_for("seasons.show", season_id=season_id), 303)


def _own_table(season_id):
    season = owned(db.one("season_by_id", id=season_id))
    return (season, *db.may_be_stale(seasons.table, season))


@bp.get("/seasons/<int:season_id>")
@login_required
def show(season_id):
    season, weeks, rows = _own_table(season_id)
    return render_template(
        "seasons/show.html",
        season=season,
        weeks=weeks,
        rows=rows,
        games=db.may_be_stale(db.all, "games_of_season", season_id=season_id),
        rule=seasons.rule(season).describe(_),
        tie_rules=_(league.TIE_RULES),
    )


def _download(season, body, mimetype, extension):
    stem = re.sub(r"[^A-Za-z0-9]+", "-", season["name"]).strip("-").lower() or "season"
    disposition = f'attachment; filename="{stem}-league.{extension}"'
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": disposition})


@bp.get("/seasons/<int:season_id>/league.csv")
@login_required
def csv_file(season_id):
    season, weeks, rows = _own_table(season_id)
    body = standings.csv_table(seasons.header(weeks), [seasons.cells(r) for r in rows])
    return _download(season, "\ufeff" + body, "text/csv", "csv")


@bp.get("/seasons/<int:season_id>/league.xlsx")
@login_required
def xlsx_file(season_id):
    season, weeks, rows = _own_table(season_id)
    body = standings.xlsx_table("League", seasons.header(weeks), [seasons.cells(r) for r in rows])
    return _download(season, body, XLSX, "xlsx")


@bp.post("/host/<code>/season")
@login_required
def put_game(code):
    """Put a game in one of the host's seasons (or none): its projector shows that league."""
    game = views.own_game(code)
    raw = request.form.get("season_id", "")
    season = None
    if raw:
        v = Validation(request.form)
        season_id = v.integer("season_id", _("Season"), minimum=1, maximum=2**62)
        season = v.ok and db.one("season_by_id", id=season_id)
        if not season or season["host_id"] != g.host["id"]:
            abort(404)
    db.run("set_game_season", id=game["id"], season_id=season and season["id"])
    live.publish(snapshot.load(game["id"]))
    flash(
        _("The game is in the season “%(season)s”.", season=season["name"])
        if season
        else _("The game is in no season.")
    )
    return redirect(url_for("host.console", code=code), 303)
