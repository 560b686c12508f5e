"""Helpers for the quiz-night tests (teams, marking, scores, media): building a quiz with rounds
and settings through the host's forms, reading what a page shows, and reading SSE streams."""

import html
import re

from harness.quiz import Quiz
from pubquiz import db, snapshot


def visible(page):
    """The text a person reads on a page: no tags, no scripts, entities decoded, spaces collapsed."""
    page = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", page)
    page = re.sub(r"(?s)<[^>]+>", " ", page)
    return " ".join(html.unescape(page).split())


def text(response):
    return visible(response.get_data(as_text=True))


def leaderboard(app, code):
    """[(rank, name, total)] as the game's snapshot ranks it."""
    with app.app_context():
        snap = snapshot.load(db.one("game_by_code", code=code)["id"])
    return [(rank, row["name"], row["total"]) for rank, row in snap.leaderboard]


def totals(app, code):
    return {name: total for _, name, total in leaderboard(app, code)}


def query(app, sql, *params):
    """Rows (dicts) of a plain SQL query: what the database holds."""
    with app.app_context():
        with db.transaction() as tx:
            return tx.conn.execute(sql, params).fetchall()


def game_id(app, code):
    return query(app, "select id from game where code = %s", code)[0]["id"]


def team_id(app, code, name):
    rows = query(
        app,
        "select t.id from team t join game g on g.id = t.game_id "
        "where g.code = %s and lower(t.name) = lower(%s)",
        code,
        name,
    )
    return rows[0]["id"]


def question_id(page):
    return int(re.search(r'name="question_id" value="(\d+)"', page).group(1))


def build_quiz(host, title="Pub night", rounds=(), leaderboard_mode="question", leaderboard_top=None):
    """rounds: harness.quiz Round; pub rules, with this leaderboard. Returns (quiz id, [round ids],
    [[question ids] per round]) in play order."""
    settings = {
        "scoring": "pub",
        "leaderboard_mode": leaderboard_mode,
        "leaderboard_top": "" if leaderboard_top is None else str(leaderboard_top),
    }
    built = host.build_quiz(Quiz(title, list(rounds), settings))
    return built.quiz_id, built.round_ids, built.question_ids


def play(host, code, answers=(), reveal=True):
    """Open the next question, let teams answer ({team: fields}), close it, and reveal it."""
    assert host.act(code, "open_question").status_code == 303
    current = _current_question(host, code)
    for team, fields in dict(answers).items():
        answered = team.answer(code, current, htmx=True, **fields)
        assert answered.status_code == 200 and 'role="alert"' not in answered.get_data(as_text=True), (
            answered.get_data(as_text=True)
        )
    host.act(code, "close_question")
    if reveal:
        host.act(code, "reveal")
    return current


def _current_question(host, code):
    return query(host.client.application, "select question_id from game where code = %s", code)[0][
        "question_id"
    ]
