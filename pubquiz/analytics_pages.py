"""The analytics dashboard: for a host, how a game went (% right per question, the hardest and
easiest, how long teams took), the same across their games, and the teams of a season; for an
operator, games per day, the busiest second of answers and the most live streams at once.

Every chart is SVG drawn here on the server (charts.py) with a table of the same numbers beside it.
These pages only read, and may be a few seconds stale: every figure is read through _read(), on the
read replica when there is one (db.may_be_stale); what the page is about, like its owner, is read
on the primary."""

from datetime import UTC, datetime, time, timedelta

from flask import Blueprint, abort, current_app, g, render_template, request
from flask_babel import format_date, gettext

from . import analytics, charts, db, seasons, templating, views
from .accounts import login_required, owned

bp = Blueprint("analytics", __name__)
OPERATOR_DAYS = 14  # the operator's page shows this many days up to today unless told otherwise
MAX_DAYS = 366
DAY_TICKS = 7


def _read(query, /, **params):
    """Every figure these pages show comes from here."""
    return db.may_be_stale(db.all, query, **params)


def _questions(rows, with_quiz=False):
    return [
        analytics.Question(
            label=(f"{r['quiz_title']} · " if with_quiz else "")
            + gettext("R%(round)s Q%(number)s", round=r["round_number"], number=r["number"]),
            prompt=r["prompt"],
            answers=r["answers"],
            right=r["right_answers"],
            mean_seconds=r.get("mean_seconds"),
        )
        for r in rows
    ]


def _figures(questions):
    """What a page of questions shows: the whole % right, hardest, easiest, and the chart."""
    bars = analytics.percent_bars(questions)
    return {
        "questions": questions,
        "overall": analytics.overall_percent(questions),
        "hardest": analytics.hardest(questions),
        "easiest": analytics.easiest(questions),
        "percent_chart": charts.bars(
            "percent-right", gettext("%(sign)s right per question", sign="%"), bars, 100
        ),
    }


def _day(field, what, errors):
    """The date typed in the query string's `field`, or None (left empty, or wrong: then errors
    says why, naming the field by its label `what`)."""
    typed = request.args.get(field)
    try:
        return analytics.parse_day(typed)
    except ValueError:
        errors[field] = gettext(
            "%(what)s must be a date like 2026-03-31, not “%(text)s”.", what=what, text=typed[:40]
        )
        return None


def _start_of(day):
    return None if day is None else datetime.combine(day, time(), UTC)


@bp.get("/host/<code>/analytics")
@login_required
def game(code):
    game = views.own_game(code)
    questions = _questions(_read("analytics_game_questions", game_id=game["id"]))
    bins = analytics.time_bins(
        [float(r["seconds"]) for r in _read("analytics_game_times", game_id=game["id"])]
    )
    return render_template(
        "analytics/game.html",
        game=db.all("game_by_code", code=game["code"])[0],
        quiz=db.all("quiz_by_id", id=game["quiz_id"])[0],
        **_figures(questions),
        bins=bins,
        time_chart=charts.histogram(
            "answer-times",
            gettext("How long teams took to answer"),
            bins,
            gettext("seconds"),
            span=gettext("%(start)s to %(end)s"),
        ),
    )


@bp.get("/analytics")
@login_required
def across_games():
    """The host's games (of one quiz, or all) started between two dates (either may be left
    out): the questions' % right, hardest and easiest. A bad filter re-renders the form (400)."""
    quizzes = _read("quizzes_of_host", host_id=g.host["id"])
    errors, quiz_id = {}, None
    first, last = _day("from", gettext("From"), errors), _day("to", gettext("To"), errors)
    if first and last and last < first:
        errors["to"] = gettext("“To” is before “From”: choose a later end date.")
    raw_quiz = request.args.get("quiz", "")
    if raw_quiz:
        quiz_id = next((q["id"] for q in quizzes if str(q["id"]) == raw_quiz), None)
        if quiz_id is None:
            errors["quiz"] = gettext("Choose one of your quizzes, or all of them.")
    context = {"quizzes": quizzes, "form": request.args, "errors": errors}
    if errors:
        return render_template("analytics/games.html", **context), 400
    bounds = {
        "host_id": g.host["id"],
        "quiz_id": quiz_id,
        "first": _start_of(first),
        "after": _start_of(last and last + timedelta(days=1)),
    }
    questions = _questions(_read("analytics_host_questions", **bounds), with_quiz=True)
    return render_template(
        "analytics/games.html",
        **context,
        summary=_read("analytics_host_games", **bounds)[0],
        **_figures(questions),
        is_operator=_is_operator(),
    )


@bp.get("/seasons/<int:season_id>/analytics")
@login_required
def season(season_id):
    """The season's teams week by week: league points as bars, and each team's weeks played."""
    season = owned(db.one("season_by_id", id=season_id))
    weeks, rows = db.may_be_stale(seasons.table, season)
    bars = [charts.Bar(r.team, float(r.points), templating.points(r.points)) for r in rows]
    return render_template(
        "analytics/season.html",
        season=season,
        weeks=weeks,
        rows=rows,
        chart=charts.bars(
            "league-points", gettext("League points in %(season)s", season=season["name"]), bars
        ),
    )


def _is_operator():
    operators = {e.strip().lower() for e in current_app.config["OPERATORS"].split(",") if e.strip()}
    return g.host is not None and g.host["email"].lower() in operators


@bp.get("/operator")
@login_required
def operator():
    """Games per day, their answers and busiest second, and the most live streams at once. A
    host who is not an operator (PUBQUIZ_OPERATORS) finds nothing here."""
    if not _is_operator():
        abort(404)
    errors = {}
    last = _day("to", gettext("To"), errors) or datetime.now(UTC).date()
    first = _day("from", gettext("From"), errors) or last - timedelta(OPERATOR_DAYS - 1)
    if not errors and not first <= last <= first + timedelta(MAX_DAYS - 1):
        errors["to"] = gettext("Choose a “From” before “To”, at most %(days)s days apart.", days=MAX_DAYS)
    if errors:
        return render_template("analytics/operator.html", form=request.args, errors=errors), 400
    rows = {
        r["day"]: r
        for r in _read("analytics_days", first=_start_of(first), after=_start_of(last + timedelta(1)))
    }
    peaks = current_app.extensions["stream_peaks"]
    days = analytics.days(first, last, rows)
    stream_peaks = peaks.peaks([day for day, _ in days])
    games = [
        charts.Bar(
            format_date(day, "EEE dd MMM"), row["games"] if row else 0, str(row["games"] if row else 0)
        )
        for day, row in days
    ]
    # The day of the month under its column, for at most DAY_TICKS days (the table has them all).
    step = -(-len(days) // DAY_TICKS)
    ticks = [(i + 0.5, f"{day:%d}") for i, (day, _) in enumerate(days)][::step]
    return render_template(
        "analytics/operator.html",
        form={"from": first.isoformat(), "to": last.isoformat()},
        errors=errors,
        days=days,
        stream_peaks=stream_peaks,
        streams_now=peaks.now(),
        chart=charts.columns(
            "games-per-day",
            gettext("Games started per day"),
            games,
            ticks,
            gettext(
                "%(first)s to %(last)s (UTC)",
                first=templating.day(first, "month"),
                last=templating.day(last, "month"),
            ),
        ),
        heartbeat=current_app.config["HEARTBEAT_SECONDS"],
    )
