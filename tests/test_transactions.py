"""Every transition is one transaction: when PostgreSQL goes away in the middle of one (here the
connection is killed just before its last statement), nothing of it is kept, the host reads a
clear 503, and the same click works once the database is back."""

import pytest
from helpers import CHOICE
from night import query

from pubquiz import db

KILL_ON_CLOSE = """
create function pubquiz_test_kill() returns trigger language plpgsql as $$
begin
  if new.phase = 'closed' then
    perform pg_terminate_backend(pg_backend_pid());
  end if;
  return new;
end $$;
create trigger pubquiz_test_kill before update on game for each row execute function pubquiz_test_kill();
"""


def execute(app, sql):
    with app.app_context():
        with db.transaction() as tx:
            tx.conn.execute(sql)


@pytest.fixture
def killer(app):
    execute(app, KILL_ON_CLOSE)
    yield
    execute(
        app, "drop trigger if exists pubquiz_test_kill on game; drop function if exists pubquiz_test_kill()"
    )


def state(app):
    return (
        query(app, "select phase, version, question_id from game"),
        query(app, "select team_id, choice, points, correct from answer order by team_id"),
    )


def test_postgresql_lost_in_the_middle_of_closing_a_question_leaves_nothing_half_done(
    app, host, new_team, killer
):
    code = host.start_game(host.create_quiz(questions=[CHOICE]))
    teams = [new_team(), new_team()]
    for number, team in enumerate(teams):
        team.join(code, f"Team {number}")
    host.act(code, "start")
    host.act(code, "open_question")
    question_id = query(app, "select question_id from game")[0]["question_id"]
    teams[0].answer(code, question_id, choice="1")
    teams[1].answer(code, question_id, choice="0")
    before = state(app)
    assert before[0][0]["phase"] == "question" and len(before[1]) == 2

    # Closing scores both answers, then moves the game: the connection dies before the move.
    refused = host.act(code, "close_question")
    assert refused.status_code == 503
    assert "database is not reachable" in refused.get_data(as_text=True)
    assert state(app) == before  # no answer scored, the game not moved

    execute(app, "drop trigger pubquiz_test_kill on game")
    assert host.act(code, "close_question").status_code in (200, 303)  # the pool replaced the connection
    phase, answers = state(app)
    assert phase[0]["phase"] == "closed" and phase[0]["version"] == before[0][0]["version"] + 1
    assert [(a["choice"], a["correct"], a["points"]) for a in answers] == [(1, True, 2), (0, False, 0)]
