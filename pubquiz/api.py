"""The JSON API for automation (a Stream Deck / Bitfocus Companion button, a script): start a
game from a quiz, press the console's buttons, read where a game is and its results, import a
quiz file. Described by /api/openapi.json (openapi.json next to this file).

A request names its host by a bearer token (tokens.py), never by a cookie: the API ignores the
session, so a page on another site cannot make a browser use it, and it needs no CSRF token.
Every answer is JSON, errors included (errors.py): {"error": "...", "field": "..."}."""

import functools
import json
from pathlib import Path

from flask import Blueprint, abort, current_app, g, jsonify, request, url_for

from . import controls, db, games, library, limits, quizfile, rules, snapshot, standings, tokens, views

bp = Blueprint("api", __name__, url_prefix="/api")
OPENAPI = json.loads(Path(__file__).with_name("openapi.json").read_text())
# What a button may press: the API's names for the console's controls.
ACTIONS = ("next", "reveal", "pause", "resume")
MAX_VENUE = 120


@bp.get("/openapi.json")
def openapi():
    return jsonify(OPENAPI)


def needs(scope):
    """The view needs a live token with this scope: 401 without one, 403 without the scope.
    The token's host is the request's host (g.host) for owned() and the audit log."""

    def decorate(view):
        @functools.wraps(view)
        def wrapped(**kwargs):
            token = tokens.authenticate(request.headers.get("Authorization"))
            if token is None:
                abort(401, "Send a live API token: Authorization: Bearer pq_...")
            if scope not in token["scopes"]:
                abort(403, f"This token lacks the scope {scope}.")
            g.host = {"id": token["host_id"], "email": token["email"], "language": token["language"]}
            g.api_token = token
            return view(**kwargs)

        return limits.api(wrapped)

    return decorate


def _invalid(field, message, status=422):
    response = jsonify(error=message, field=field)
    response.status_code = status
    return response


def _body():
    body = request.get_json(silent=True)
    return body if isinstance(body, dict) else None


def _actor():
    return f"{g.host['email']} (API token “{g.api_token['name']}”)"


def _base():
    return current_app.config["PUBLIC_URL"] or request.host_url.rstrip("/")


def _urls(code):
    base = _base()
    return {
        "console": base + url_for("host.console", code=code),
        "screen": base + url_for("screen.show", code=code),
        "join": base + url_for("play.join", code=code),
        "results": base + url_for("results.page", code=code),
    }


def _state(snap):
    game = snap.game
    position = rules.position(game)
    ids, mode = snap.outline.question_ids, snap.quiz["leaderboard_mode"]
    playing = snap.phase not in ("lobby", "ended", "tiebreak")
    next_action = rules.next_action(position, ids, mode)
    if snap.paused:
        actions = ["resume"]
    else:
        actions = (["next"] if next_action else []) + (["reveal"] if "reveal" in snap.allowed else [])
        actions += ["pause"] if snap.phase not in ("lobby", "ended") else []
    return {
        "code": game["code"],
        "quiz": {"id": snap.quiz["id"], "title": snap.quiz["title"]},
        "venue": game["venue"],
        "phase": snap.phase,
        "phase_label": rules.PHASE_LABELS[snap.phase],
        "paused": snap.paused,
        "version": game["version"],
        "round": snap.round_number if playing else None,
        "rounds": len(snap.outline.rounds),
        "question": snap.question_number if playing and snap.question_number > 0 else None,
        "questions_in_round": snap.questions_in_round if playing else None,
        "teams": len(snap.teams),
        "answered": snap.answered if snap.phase == "question" else None,
        "seconds_left": round(snap.seconds_left, 1) if snap.phase == "question" else None,
        "next": next_action and rules.ACTION_LABELS[next_action],
        "actions": [] if snap.phase == "ended" else actions,
        "urls": _urls(game["code"]),
    }


@bp.post("/v1/games")
@needs("games:create")
def create_game():
    body = _body()
    if body is None:
        return _invalid("body", 'Send a JSON object: {"quiz_id": 12, "venue": "The Red Lion"}.', 400)
    quiz_id = body.get("quiz_id")
    if type(quiz_id) is not int or not 1 <= quiz_id <= 2**62:
        return _invalid("quiz_id", "quiz_id must be the id of one of your quizzes (a whole number).")
    venue = body.get("venue")
    if venue is not None and not isinstance(venue, str):
        return _invalid("venue", "venue must be text, or left out.")
    venue = " ".join((venue or "").split())
    if len(venue) > MAX_VENUE or "\x00" in venue:
        return _invalid("venue", f"venue must be at most {MAX_VENUE} characters of text.")
    quiz = db.one("quiz_by_id", id=quiz_id)
    if quiz is None or quiz["host_id"] != g.host["id"]:
        return _invalid("quiz_id", "You have no quiz with this id.", 404)
    # It speaks its host's language, as "Start a game" on the host's page offers first.
    game = games.create(quiz_id, g.host["id"], venue or None, language=g.host["language"])
    return jsonify(_state(snapshot.load(game["id"]))), 201


@bp.get("/v1/games/<code>")
@needs("games:control")
def game_state(code):
    return jsonify(_state(snapshot.load(views.own_game(code)["id"])))


@bp.post("/v1/games/<code>/actions/<action>")
@needs("games:control")
def press(code, action):
    """A console button: "next" is the console's first control (rules.next_action)."""
    game = views.own_game(code)
    if action not in ACTIONS:
        abort(404, f"There is no action {action!r}: use one of {', '.join(ACTIONS)}.")
    try:
        if action in ("pause", "resume"):
            snap = controls.pause(game["id"], action == "pause", None, _actor())
        else:
            snap = controls.move(game["id"], action, None, _actor())
    except rules.IllegalMove as refused:
        return jsonify(error=str(refused)), 409
    return jsonify(_state(snap))


@bp.get("/v1/games/<code>/results")
@needs("results:read")
def results(code):
    snap = snapshot.load(views.own_game(code)["id"])
    return jsonify(
        code=snap.game["code"],
        quiz={"id": snap.quiz["id"], "title": snap.quiz["title"]},
        phase=snap.phase,
        final=snap.phase == "ended",
        rounds=[r["title"] for r in snap.outline.rounds],
        teams=[
            {
                "rank": line.rank,
                "team": line.team,
                "paper": line.paper,
                "rounds": [standings.number(points) for points in line.rounds],
                "joker": standings.number(line.joker),
                "corrections": standings.number(line.corrections),
                "total": standings.number(line.total),
            }
            for line in standings.lines(snap)
        ],
    )


@bp.post("/v1/quizzes")
@needs("quizzes:import")
def import_quiz():
    """The file as the request's body (pubquiz JSON, Open Trivia DB JSON, CSV or XLSX), or as
    the field "file" of a form upload; the same problems the import page lists."""
    upload = request.files.get("file")
    data, filename = (
        (upload.read(quizfile.MAX_JSON + 1), upload.filename) if upload else (request.get_data(), "")
    )
    if not data:
        return _invalid("file", "Send the quiz file as the body, or as the form field “file”.", 400)
    quiz, problems = quizfile.read(data, filename or "")
    if problems:
        response = jsonify(
            error="The file has problems; nothing was imported.", field="file", problems=problems
        )
        return response, 422
    quiz_id = library.save(g.host["id"], quiz)
    return jsonify(
        id=quiz_id,
        title=quiz.values["title"],
        rounds=len(quiz.rounds),
        questions=quiz.question_count(),
        url=_base() + url_for("quizzes.edit", quiz_id=quiz_id),
    ), 201


import_quiz.max_content_length = quizfile.MAX_JSON + 64 * 1024
import_quiz.too_large = f"A quiz file can be at most {quizfile.MAX_JSON // quizfile.MB} MB."
