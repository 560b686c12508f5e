"""Confirming what cannot be undone (ending a game early, deleting a quiz or a round, removing or
merging a team): the words that say what will happen, and the confirmation page.

A destructive POST without confirm=1 changes nothing and answers with the page below: a stray
click, a double tap or an old form cannot destroy a night. With JavaScript the same words appear
in a dialog (static/js/pubquiz.js reads them from the button's data-confirm) and it sends confirm=1.
"""

from flask import make_response, redirect, render_template, request
from flask_babel import gettext as _
from flask_babel import ngettext

from . import rules


def confirmed():
    return request.form.get("confirm") == "1"


def ask(url):
    """The answer to an unconfirmed destructive POST: its confirmation page (htmx is told to go
    there, as a plain form is redirected)."""
    if request.headers.get("HX-Request"):
        response = make_response("", 200)
        response.headers["HX-Redirect"] = url
        return response
    return redirect(url, 303)


def page(question, consequence, action, label, cancel, fields=None):
    return render_template(
        "confirm.html",
        question=question,
        consequence=consequence,
        action=action,
        label=label,
        cancel=cancel,
        fields=fields or {},
    )


def ends_early(snap):
    """Ending now skips questions or the last reveal: the natural end (after the last question's
    answer was revealed) needs no confirmation."""
    return not (
        rules.is_last_question(rules.position(snap.game), snap.outline.question_ids)
        and snap.phase in ("reveal", "leaderboard")
    )


def end_game(snap):
    left = sum(len(ids) for ids in snap.outline.question_ids) - len(snap.played())
    if left == 0:
        return _("The last question's answer has not been revealed yet; the podium shows the scores so far.")
    return ngettext(
        "%(num)s question is left; the podium shows the scores so far.",
        "%(num)s questions are left; the podium shows the scores so far.",
        left,
    )


def delete_quiz(contents):
    rounds = ngettext("%(num)s round", "%(num)s rounds", contents["round_count"])
    questions = ngettext("%(num)s question", "%(num)s questions", contents["question_count"])
    if not contents["game_count"]:
        return _(
            "The quiz, its %(rounds)s, %(questions)s are deleted for good.",
            rounds=rounds,
            questions=questions,
        )
    games = ngettext("%(num)s game", "%(num)s games", contents["game_count"])
    return _(
        "The quiz, its %(rounds)s, %(questions)s and %(games)s played with it (scores included) are "
        "deleted for good.",
        rounds=rounds,
        questions=questions,
        games=games,
    )


def delete_round(questions):
    return ngettext(
        "The round and its %(num)s question are deleted for good, with their answers in games "
        "already played.",
        "The round and its %(num)s questions are deleted for good, with their answers in games "
        "already played.",
        questions,
    )


def remove_team(team):
    return _(
        "“%(team)s” leaves the game: its phones are sent back to the join page and it drops off the "
        "leaderboard. The name stays taken.",
        team=team["name"],
    )


def merge(team, into):
    return _(
        "“%(team)s”'s phones, answers and scores move to “%(into)s” (where “%(into)s” has none), "
        "then “%(team)s” is gone. This cannot be undone.",
        team=team["name"],
        into=into["name"],
    )
