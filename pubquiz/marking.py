"""Human marking of free-text answers, by the host or a marker the host invited with a link:
answers grouped by their normalised text, near-matches suggested, one click marks a whole group
right, half or wrong (re-scoring every team that gave it), every verdict undoable and logged.
Markers also type in the round scores of teams that play on paper."""

import hmac

from flask import Blueprint, abort, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from rapidfuzz import fuzz, process

from . import contents, db, games, live, scoring, snapshot, stream, templating, views
from .validation import Validation

bp = Blueprint("marking", __name__)
VERDICTS = ("right", "half", "wrong")
SUGGEST_FROM = 80  # rapidfuzz WRatio from which an answer is shown as "looks like ..."


def _access(code):
    """(game, who is marking) for the game's host or one of its invited markers; else 404."""
    game = views.game_or_404(code)
    if g.host is not None and g.host["id"] == game["host_id"]:
        return game, g.host["email"]
    token = session.get("markers", {}).get(game["code"])
    current = token and db.one("game_by_id", id=game["id"])["marker_token"]
    if current and hmac.compare_digest(token, current):
        return game, "marker"
    abort(404, _("There is nothing at this address."))


@bp.get("/mark/<code>/join/<token>")
def join(code, token):
    """The marker link the host hands to a helper: it lets this browser mark this game."""
    game = views.game_or_404(code)
    current = db.one("game_by_id", id=game["id"])["marker_token"]
    if not current or not hmac.compare_digest(token, current):
        abort(404, _("This marker link is not valid (any more). Ask the quiz master for a new one."))
    markers = dict(session.get("markers", {}))
    markers[game["code"]] = token
    session["markers"] = dict(list(markers.items())[-5:])
    session.permanent = True
    return redirect(url_for("marking.queue", code=game["code"]), 303)


def groups(snap, question, answers, markings):
    """The answers to one text question grouped by normalised text, most given first, each with
    its teams, its automatic verdict, the verdict in force, and a near-match suggestion."""
    q = contents.to_scoring_question(question)
    automatic = scoring._correct_set(q, [contents.to_scoring_answer(a) for a in answers])
    current = {}
    for m in markings:  # newest first
        if m["undone_at"] is None:
            current.setdefault(m["answer_key"], m["verdict"])
    accepted = {scoring.normalise(a): a for a in question["accepted"]}
    result = {}
    for a in answers:
        key = scoring.normalise(a["text"])
        group = result.setdefault(
            key,
            {
                "key": key,
                "label": a["text"],
                "teams": [],
                "automatic": "right" if a["id"] in automatic else "wrong",
            },
        )
        group["teams"].append(snap.team_name(a["team_id"]))
    for group in result.values():
        group["verdict"] = current.get(group["key"], group["automatic"])
        group["marked"] = group["key"] in current
        match = process.extractOne(group["key"], list(accepted), scorer=fuzz.WRatio) if accepted else None
        group["suggestion"] = (
            (accepted[match[0]], round(match[1]))
            if (match and match[1] >= SUGGEST_FROM and group["automatic"] == "wrong")
            else None
        )
    return sorted(result.values(), key=lambda g_: (-len(g_["teams"]), g_["label"]))


@bp.get("/mark/<code>")
def queue(code):
    game, who = _access(code)
    after = live.last_event_id(game["id"])
    return render_template(
        "marking/page.html",
        who=who,
        after=after,
        **_current_queue(game["id"], request.args.get("question", type=int)),
    )


def _current_queue(game_id, question_id):
    """The marking queue as the game is now: a read, for the page and its stream."""
    with db.transaction() as tx:
        return _queue_context(tx, snapshot.read(tx, game_id), question_id)


def _queue_context(tx, snap, question_id=None):
    text_questions = snap.closed_text_questions()
    question = next((q for q in text_questions if q["id"] == question_id), None) or (
        text_questions[0] if text_questions else None
    )
    context = {
        "snap": snap,
        "text_questions": text_questions,
        "question": question,
        "groups": [],
        "history": [],
        "next_question": None,
    }
    if question:
        # In the order played: the one after this, or from the last back to the first.
        played = text_questions[::-1]
        after = played.index(question) + 1
        context["next_question"] = (played + played)[after] if len(played) > 1 else None
        answers = tx.all(
            "answers_to_question",
            game_id=snap.game["id"],
            game_created_at=snap.game["created_at"],
            question_id=question["id"],
        )
        history = tx.all("markings_of_question", game_id=snap.game["id"], question_id=question["id"])
        context.update(groups=groups(snap, question, answers, history), history=history)
    return context


@bp.post("/mark/<code>/<int:question_id>")
def mark(code, question_id):
    game, who = _access(code)
    question = db.one("question_by_id", id=question_id)
    if question is None or question["quiz_id"] != game["quiz_id"] or question["kind"] != "text":
        abort(404)
    verdict = request.form.get("verdict")
    key = scoring.normalise(request.form.get("answer_key", ""))
    if verdict not in VERDICTS or not key:
        abort(400, _("Mark a group of answers right, half or wrong."))
    with db.transaction() as tx:
        tx.run(
            "insert_marking",
            game_id=game["id"],
            question_id=question_id,
            answer_key=key,
            verdict=verdict,
            actor=who,
        )
        game_row = tx.one("game_by_id", id=game["id"])
        games.rescore(tx, game_row, question_id)
        snap = snapshot.build(tx, game_row)
        games.audit(tx, game["id"], who, "mark", f"“{key}” {verdict} ({snap.outline.describe(question)})")
        queue = _queue_context(tx, snap, question_id)
    return _marked(game, snap, queue, question_id)


@bp.post("/mark/<code>/undo/<int:marking_id>")
def undo(code, marking_id):
    game, who = _access(code)
    with db.transaction() as tx:
        undone = tx.one("undo_marking", id=marking_id, game_id=game["id"])
        if undone is None:
            abort(409, _("That marking was undone already."))
        game_row = tx.one("game_by_id", id=game["id"])
        games.rescore(tx, game_row, undone["question_id"])
        snap = snapshot.build(tx, game_row)
        question = snap.questions[undone["question_id"]]
        games.audit(
            tx,
            game["id"],
            who,
            "undo marking",
            f"“{undone['answer_key']}” {undone['verdict']} ({snap.outline.describe(question)})",
        )
        queue = _queue_context(tx, snap, undone["question_id"])
    return _marked(game, snap, queue, undone["question_id"])


@bp.post("/mark/<code>/paper")
def paper_score(code):
    """A paper team's score for a round, typed in from its answer sheet."""
    game, who = _access(code)
    v = Validation(request.form)
    team_id = v.integer("team_id", _("Team"), minimum=1, maximum=2**62)
    round_id = v.integer("round_id", _("Round"), minimum=1, maximum=2**62)
    points = v.points("points", _("Points"))
    team = v.ok and db.one("team_by_id", id=team_id, game_id=game["id"])
    if v.errors.get("points"):
        abort(400, v.errors["points"])
    refused = _("Give a paper team of this game and one of its rounds.")
    if not v.ok or not team or not team["paper"]:
        abort(400, refused)
    with db.transaction() as tx:
        game_row = tx.one("game_by_id", id=game["id"])
        outline = contents.quiz_contents(tx, game["quiz_id"], game_row["quiz_revision"]).outline
        if round_id not in {r["id"] for r in outline.rounds}:
            abort(400, refused)  # nothing written yet
        tx.run("set_paper_score", team_id=team_id, round_id=round_id, points=points)
        games.audit(
            tx,
            game["id"],
            who,
            "paper score",
            f"{team['name']}, {outline.describe_round(round_id)}: {templating.points(points)}",
        )
        snap = snapshot.build(tx, game_row)
    live.publish(snap)
    return redirect(url_for("marking.queue", code=game["code"]), 303)


def _marked(game, snap, queue, question_id):
    """Every marker's page shows the new verdicts: the question's queue goes out with the state."""
    live.publish(snap, extra={"marking": live.render_pushed("marking/_queue.html", **queue)})
    # The queue arrives over the stream, for every marker at once.
    return views.reply(url_for("marking.queue", code=game["code"], question=question_id))


@bp.get("/mark/<code>/events")
def events(code):
    game, _ = _access(code)
    question_id = request.args.get("question", type=int)
    return stream.respond(
        game["id"],
        ("marking",),
        lambda: live.render_pushed("marking/_queue.html", **_current_queue(game["id"], question_id)),
    )
