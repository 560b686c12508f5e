"""Teams: join a game (or a team, with its PIN), come back as the same member, pick and lock in
answers, play the joker."""

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext

from . import db, errors, games, i18n, limits, live, metrics, questions, snapshot, stream, teams, views
from .validation import Validation

bp = Blueprint("play", __name__)
MAX_TEXT_ANSWER = 200
CODE_LENGTH_MESSAGE = lazy_gettext("Codes have %(length)s characters.", length=games.CODE_LENGTH)
JOKER_REFUSED = lazy_gettext("The joker can only be played once, on a joker round that has not started.")
# Field labels, translated only when a message names them: an accepted answer names none.
QUESTION = lazy_gettext("Question")
YOUR_CHOICE = lazy_gettext("Your choice")
YOUR_ANSWER = lazy_gettext("Your answer")


def _join_form(code="", name="", pin="", errors=None, status=200, home=False):
    form = {"code": code, "name": name, "pin": pin}
    return render_template(
        "play/join.html", form=form, errors=errors or {}, home=home, code_length_message=CODE_LENGTH_MESSAGE
    ), status


@bp.get("/")
def home():
    return _join_form(games.normalise_code(request.args.get("code", "")), home=True)


@bp.get("/join/<code>")
def join(code):
    """The join link and QR code. With ?team=&pin= (a team's own link) the form is filled in."""
    game = games.by_code(code)
    if game and teams.identity(game):
        return redirect(url_for("play.show", code=game["code"]), 303)
    if game:  # a game's own join link speaks the game's language
        i18n.use(game.get("language"))
    return _join_form(
        games.normalise_code(code),
        request.args.get("team", "")[: teams.MAX_NAME],
        request.args.get("pin", "")[:4],
    )


@bp.post("/join")
@limits.failed_join
def join_game():
    code = games.normalise_code(request.form.get("code"))
    game = games.by_code(code)
    if game:  # the form's messages speak the game's language
        i18n.use(game.get("language"))
    v = Validation(request.form)
    name = v.text("name", _("Team name"), max_length=teams.MAX_NAME)
    pin = (request.form.get("pin") or "").strip()
    if not code:
        v.error("code", _("Enter the game code shown on the screen."))
    elif len(code) != games.CODE_LENGTH:
        v.error("code", CODE_LENGTH_MESSAGE)
    elif game is None:
        limits.wrong_guess()
        v.error("code", views.NO_SUCH_GAME)
    elif game["phase"] == "ended":
        v.error("code", _("This game has ended."))
    # ASCII digits only: isdigit() alone takes "１２３４", which compare_digest cannot compare.
    if pin and not (len(pin) == 4 and pin.isascii() and pin.isdigit()):
        v.error("pin", _("A team PIN is four digits."))
    if v.ok and teams.identity(game):
        return redirect(url_for("play.show", code=game["code"]), 303)
    if v.ok:
        member, snap, problem = teams.join(
            game["id"],
            name,
            pin,
            current_app.config["MAX_TEAMS"],
            may_add_team=lambda: limits.may_add_team(game["code"]),
        )
        if member:
            teams.remember(game["code"], member)
            live.publish(snap)
            return redirect(url_for("play.show", code=game["code"]), 303)
        v.error("pin" if pin else "name", problem)
    return _join_form(code, request.form.get("name", "")[: teams.MAX_NAME * 2], pin, v.errors, 422)


def _team_state(game_id, member):
    snap = snapshot.load(game_id)
    answer = None
    if snap.question:
        answer = next((a for a in snap.answers if a["team_id"] == member["id"]), None)
    return {"snap": snap, "team": member, "answer": answer, "result": snap.result_of(member["id"])}


@bp.get("/play/<code>")
def show(code):
    game, member = teams.member_or_join(code)
    after = live.last_event_id(game["id"])
    return render_template("play/game.html", after=after, **_team_state(game["id"], member))


@bp.post("/play/<code>/answer")
@limits.answers
def submit_answer(code):
    code = games.normalise_code(code)
    saved = teams.saved_token(code)
    if not saved:
        limits.wrong_guess()
        return redirect(url_for("play.join", code=code), 303)
    v = Validation(request.form)
    question_id = v.integer("question_id", QUESTION, minimum=1, maximum=2**62)
    answer = {"choice": None, "text": None, "number": None}
    if "choice" in request.form:
        answer["choice"] = v.integer("choice", YOUR_CHOICE, minimum=0, maximum=questions.MAX_OPTIONS - 1)
    elif "number" in request.form:
        answer["number"] = v.number("number", YOUR_ANSWER)
    else:
        answer["text"] = v.text("text", YOUR_ANSWER, max_length=MAX_TEXT_ANSWER)
    # The accepted path is this one statement: no reads before it.
    accepted = v.ok and db.one("insert_answer", code=code, token=saved, question_id=question_id, **answer)
    metrics.ANSWERS.labels("accepted" if accepted else "refused").inc()
    if accepted:
        i18n.use(accepted["language"])
        background = current_app.extensions["background"]
        background.answer_accepted(accepted["game_id"], accepted["game_created_at"], question_id)
        if not accepted["locked"]:  # a team of several phones: show the pick on the others
            background.pick_changed(accepted["game_id"], accepted["team_id"])
        return _answered(
            code, question_id, dict(answer, locked=accepted["locked"], option_text=accepted["option_text"])
        )
    game_row = db.one("game_by_id", id=views.game_or_404(code)["id"])  # speaks the game's language
    member = teams.identity(game_row)
    current = member and db.one(
        "answer_of_team",
        game_created_at=game_row["created_at"],
        team_id=member["id"],
        question_id=question_id,
    )
    if v.ok and current and current["locked"] and all(answer[k] == current[k] for k in answer):
        # The same answer again: a retry after its reply was lost on the way (the phone timed out).
        # It counted the first time, once; say so, even if the question has closed since.
        return _answered(code, question_id, current)
    problem = next(iter(v.errors.values()), None) or _refusal(game_row, member, question_id)
    return _answered(code, question_id, current, problem, member)


@bp.post("/play/<code>/lock")
@limits.answers
def lock_answer(code):
    game, member = teams.member_or_join(code)
    v = Validation(request.form)
    question_id = v.integer("question_id", QUESTION, minimum=1, maximum=2**62)
    problem = None
    if not member["captain"]:
        problem = _("Only your team's captain (the phone that joined first) can lock in.")
    elif not v.ok or not db.one(
        "lock_answer",
        game_created_at=games.created_at(game),
        team_id=member["id"],
        question_id=question_id,
        token=member["token"],
    ):
        problem = _("There is no open pick to lock in.")
    else:
        current_app.extensions["background"].pick_changed(game["id"], member["id"])
    current = db.one(
        "answer_of_team",
        game_created_at=games.created_at(game),
        team_id=member["id"],
        question_id=question_id,
    )
    return _answered(game["code"], question_id, current, problem, member)


def _answered(code, question_id, answer, problem=None, member=None):
    """The answer box for htmx; without JavaScript, back to the game page (with the problem)."""
    if views.is_htmx():
        # An accepted answer brings its option's words (the accepted path reads nothing); the
        # other paths read the question for the form or the words.
        words = answer and answer.get("locked") and "option_text" in answer
        question = None if words else db.one("question_by_id", id=question_id)
        return render_template(
            "play/_answer_box.html",
            code=code,
            question=question,
            question_id=question_id,
            answer=answer,
            problem=problem,
        )
    if problem and member is None:
        return redirect(url_for("play.join", code=code), 303)
    if problem:
        return _refused(code, problem)
    return redirect(url_for("play.show", code=code), 303)


def _refused(code, problem):
    return errors.refused(problem, url_for("play.show", code=code))


def _refusal(game_row, member, question_id):
    """Why an answer was not accepted, in words a team understands (only on the refused path)."""
    if member is None:
        return _("Your team is not part of this game any more. Join again.")
    if game_row["question_id"] != question_id:
        return _("That question is no longer open.")
    if game_row["paused_at"] is not None:
        return _("The quiz master has paused the game. Send your answer again when it goes on.")
    if db.one(
        "answer_of_team",
        game_created_at=game_row["created_at"],
        team_id=member["id"],
        question_id=question_id,
    ):
        if game_row["phase"] == "question" and game_row["deadline_at"] > db.one("now")["now"]:
            return _("Your team's answer is locked in: it can no longer change.")
    elif game_row["phase"] == "question" and game_row["deadline_at"] > db.one("now")["now"]:
        return _("That answer does not fit this question. Reload the page and try again.")
    return _("Too late: answers for this question have closed.")


def _joker_round(game, member):
    """The round the team asks to play its joker on, if it still may; None otherwise."""
    v = Validation(request.values)
    round_id = v.integer("round_id", _("Round"), minimum=1, maximum=2**62)
    rounds = snapshot.load(game["id"]).joker_rounds_open_for(member["id"])
    return next((r for r in rounds if v.ok and r["id"] == round_id), None)


@bp.get("/play/<code>/joker")
def joker(code):
    """The joker is played once and cannot be taken back: without JavaScript, this page asks
    first (with it, a dialog on the game page does)."""
    game, member = teams.member_or_join(code)
    round_ = _joker_round(game, member)
    if round_ is None:
        return _refused(game["code"], JOKER_REFUSED)
    return render_template("play/joker.html", code=game["code"], round=round_, team=member)


@bp.post("/play/<code>/joker")
def play_joker(code):
    game, member = teams.member_or_join(code)
    round_ = _joker_round(game, member)
    if round_ is None:
        return _refused(game["code"], JOKER_REFUSED)
    if request.form.get("confirm") != "yes":  # a form that did not ask: ask now
        return redirect(url_for("play.joker", code=game["code"], round_id=round_["id"]), 303)
    with db.transaction() as tx:
        played = tx.one("play_joker", team_id=member["id"], round_id=round_["id"], game_id=game["id"])
        snap = played and snapshot.read(tx, game["id"])
    if not played:
        return _refused(game["code"], JOKER_REFUSED)
    live.publish(snap)
    return views.reply(url_for("play.show", code=game["code"]))  # the joker arrives over the stream


@bp.get("/play/<code>/events")
def events(code):
    game = games.by_code(code)
    member = game and teams.identity(game)
    if not member:  # no such game and not yours look the same
        abort(404, _("Join the game first."))
    i18n.use(game.get("language"))
    return stream.respond(
        game["id"],
        ("player", "team:%d" % member["id"]),
        lambda: live.render_pushed("play/_stage.html", **_team_state(game["id"], member)),
    )
