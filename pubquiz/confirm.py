"""Confirming what cannot be undone (ending a game early, deleting a quiz or a round, removing or
merging a team): the words that say what will happen, and the confirmation page.

A destructive POST without confirm=1 changes nothing and answers with the page below: a stray
click, a double tap or an old form cannot destroy a night. With JavaScript the same words appear
in a dialog (static/js/pubquiz.js reads them from the button's data-confirm) and it sends confirm=1.
"""

from flask import make_response, redirect, render_template, request

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


def plural(count, word):
    return f"{count} {word}{'' if count == 1 else 's'}"


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
        return "The last question's answer has not been revealed yet; the podium shows the scores so far."
    verb = "is" if left == 1 else "are"
    return f"{plural(left, 'question')} {verb} left; the podium shows the scores so far."


def delete_quiz(contents):
    games = contents["game_count"]
    played = f" and {plural(games, 'game')} played with it (scores included)" if games else ""
    return (
        f"The quiz, its {plural(contents['round_count'], 'round')}, "
        f"{plural(contents['question_count'], 'question')}{played} are deleted for good."
    )


def delete_round(questions):
    return (
        f"The round and its {plural(questions, 'question')} are deleted for good, with their answers "
        "in games already played."
    )


def remove_team(team):
    return (
        f"“{team['name']}” leaves the game: its phones are sent back to the join page and it "
        "drops off the leaderboard. The name stays taken."
    )


def merge(team, into):
    return (
        f"“{team['name']}”'s phones, answers and scores move to “{into['name']}” (where "
        f"“{into['name']}” has none), then “{team['name']}” is gone. This cannot be undone."
    )
