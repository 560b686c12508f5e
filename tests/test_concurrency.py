"""Exactly once, proven by racing rather than assumed: the deadline sweep run from several threads
(each with its own database connection) at one due question, a console click sent twice at once
from two browsers, and answers arriving while the question closes.

Where a race needs a precise interleaving, a trigger makes the first closer sleep inside its
transaction (holding whatever it locked) and the second one starts only once PostgreSQL reports
the first asleep: the overlap is forced, not hoped for. Without the locks in the SQL (`FOR UPDATE
SKIP LOCKED` in due_games, `FOR UPDATE` in lock_game, `FOR SHARE` in insert_answer) these tests fail.
"""

import threading
import time

import pytest
from helpers import CHOICE, HostActions
from night import game_id, query

from pubquiz import db, games

SLOW_CLOSE = """
create function pubquiz_test_slow_close() returns trigger language plpgsql as $$
begin
  if new.phase = 'closed' and old.phase = 'question' then
    perform pg_sleep(0.3);
  end if;
  return new;
end $$;
create trigger pubquiz_test_slow_close before update on game for each row
  execute function pubquiz_test_slow_close();
"""


def execute(app, sql, *params):
    with app.app_context():
        with db.transaction() as tx:
            tx.conn.execute(sql, params)


@pytest.fixture
def slow_close(app):
    execute(app, SLOW_CLOSE)
    yield
    execute(
        app,
        "drop trigger if exists pubquiz_test_slow_close on game; "
        "drop function if exists pubquiz_test_slow_close()",
    )


def wait_until_asleep(app, seconds=10):
    """Until some connection of this test's database sleeps in the trigger (bounded)."""
    deadline = time.monotonic() + seconds
    while not query(
        app, "select 1 from pg_stat_activity where wait_event = 'PgSleep' and datname = current_database()"
    ):
        assert time.monotonic() < deadline, "the first closer never reached the trigger"
        time.sleep(0.01)


class Worker(threading.Thread):
    """Runs work() in the app's context in its own thread (so with its own pooled connection)."""

    def __init__(self, app, work, start_together=None):
        super().__init__(daemon=True)
        self.app, self.work, self.barrier = app, work, start_together
        self.result = self.error = None

    def run(self):
        with self.app.app_context():
            if self.barrier:
                self.barrier.wait(timeout=10)
            try:
                self.result = self.work()
            except Exception as error:  # reported by the test, not lost in the thread
                self.error = error

    def finish(self):
        self.join(timeout=30)
        assert not self.is_alive(), "a racer never finished"
        if self.error:
            raise self.error
        return self.result


def closed_games():
    """The ids of the games one sweep closed."""
    return [snap.game["id"] for snap in games.close_due()]


def make_due(app, code):
    execute(app, "update game set deadline_at = now() - interval '1 second' where code = %s", code)


def open_game(host, new_team, questions=1, teams=2):
    code = host.start_game(host.create_quiz(questions=[CHOICE] * questions))
    players = [new_team() for _ in range(teams)]
    for number, team in enumerate(players):
        assert team.join(code, f"Team {number}").status_code == 303
    host.act(code, "start")
    host.act(code, "open_question")
    return code, players


def version(app, code):
    return query(app, "select version from game where code = %s", code)[0]["version"]


def test_a_second_sweeper_during_the_first_closes_nothing(app, host, new_team, slow_close):
    code, _ = open_game(host, new_team)
    make_due(app, code)
    before = version(app, code)
    first = Worker(app, closed_games)
    first.start()
    wait_until_asleep(app)  # the first sweeper holds the game, inside its transaction
    second = Worker(app, closed_games)
    second.start()
    closed = first.finish() + second.finish()
    assert closed == [game_id(app, code)]
    assert version(app, code) == before + 1
    assert query(app, "select phase from game")[0]["phase"] == "closed"


def test_many_sweepers_at_once_close_each_due_question_once(app, host, new_team):
    code, _ = open_game(host, new_team)
    the_game = game_id(app, code)
    for _ in range(25):
        execute(
            app,
            "update game set phase = 'question', deadline_at = now() - interval '1 second' where id = %s",
            the_game,
        )
        before = version(app, code)
        barrier = threading.Barrier(4)
        sweepers = [Worker(app, closed_games, barrier) for _ in range(4)]
        for sweeper in sweepers:
            sweeper.start()
        closed = [game for sweeper in sweepers for game in sweeper.finish()]
        assert closed == [the_game]
        assert version(app, code) == before + 1


def log_in_again(app, email="host@example.org", password="correct horse battery"):
    """The same quiz master in a second browser (another tab, the phone beside the laptop)."""
    browser = HostActions(app)
    assert browser.post("/login", {"email": email, "password": password}).status_code == 303
    browser.forget_token()
    return browser


def test_a_click_sent_from_two_browsers_at_once_applies_once(app, host, new_team, slow_close):
    code, _ = open_game(host, new_team)
    laptop, phone = host, log_in_again(app)
    shown = laptop.version(code)
    assert phone.version(code) == shown
    first = Worker(app, lambda: laptop.act(code, "close_question", version=shown, htmx=True))
    first.start()
    wait_until_asleep(app)
    second = Worker(app, lambda: phone.act(code, "close_question", version=shown, htmx=True))
    second.start()
    replies = [first.finish().get_data(as_text=True), second.finish().get_data(as_text=True)]
    assert version(app, code) == shown + 1
    assert query(app, "select phase from game")[0]["phase"] == "closed"
    assert "already moved on" not in replies[0]
    assert "already moved on" in replies[1]


def test_answers_racing_the_close_are_either_scored_or_refused(app, host, new_team):
    """Eight teams tap while the host closes the question, over ten questions: every answer the
    phone was told is locked in has been scored; every other one is not stored at all."""
    code, players = open_game(host, new_team, questions=10, teams=8)
    for number in range(10):
        question_id = query(app, "select question_id from game where code = %s", code)[0]["question_id"]
        the_version = version(app, code)
        barrier = threading.Barrier(len(players) + 1)
        tappers = [
            Worker(app, lambda team=team, q=question_id: team.answer(code, q, htmx=True, choice="1"), barrier)
            for team in players
        ]
        closer = Worker(
            app,
            lambda v=the_version: games.transition(
                game_id(app, code), "close_question", v, actor="host@example.org"
            ),
            barrier,
        )
        for worker in (*tappers, closer):
            worker.start()
        replies = [tapper.finish().get_data(as_text=True) for tapper in tappers]
        closer.finish()
        told_locked = {f"Team {i}" for i, reply in enumerate(replies) if "locked in" in reply.lower()}
        told_late = {
            f"Team {i}" for i, reply in enumerate(replies) if "Too late" in reply or "no longer open" in reply
        }
        assert told_locked | told_late == {f"Team {i}" for i in range(len(players))}, replies
        stored = query(
            app,
            "select t.name, a.correct from answer a join team t on t.id = a.team_id where a.question_id = %s",
            question_id,
        )
        assert {row["name"] for row in stored} == told_locked
        assert all(row["correct"] is not None for row in stored), "an accepted answer escaped scoring"
        if number < 9:
            host.act(code, "reveal")
            host.act(code, "open_question")


def test_answers_sent_while_the_question_closes_wait_and_are_refused(app, host, new_team, slow_close):
    """The close has scored the answers and is about to move the game when eight taps arrive: they
    wait for it (FOR SHARE on the game) and are told it is too late, none is stored unscored."""
    code, players = open_game(host, new_team, teams=8)
    question_id = query(app, "select question_id from game where code = %s", code)[0]["question_id"]
    closer = Worker(
        app,
        lambda: games.transition(
            game_id(app, code), "close_question", version(app, code), actor="host@example.org"
        ),
    )
    closer.start()
    wait_until_asleep(app)
    tappers = [
        Worker(app, lambda team=team: team.answer(code, question_id, htmx=True, choice="1"))
        for team in players
    ]
    for tapper in tappers:
        tapper.start()
    replies = [tapper.finish().get_data(as_text=True) for tapper in tappers]
    closer.finish()
    assert all("Too late" in reply for reply in replies), replies
    assert query(app, "select count(*) as n from answer")[0]["n"] == 0
