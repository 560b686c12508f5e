"""One change, one pass: a console click is one transaction that writes the change and its audit
row and reads what the screens need; after the commit nothing reads the game back. Counted from
the statements that reach PostgreSQL, not from the code's own counters."""

import threading
from contextlib import contextmanager

import pytest
from helpers import CHOICE, TEXT, HostActions
from night import game_id, query, text

from pubquiz import create_app, db, games

TEAMS = 10
# What a click may cost: the host's session, BEGIN, the lock, the move with its audit row (one
# statement), the one read of what the screens show (game_state), COMMIT; closing also scores the
# answers (reads them and the markers' verdicts, writes the scores) and the snapshot takes those
# answers as scored.
MOST_STATEMENTS = 9
OPENING = ["host_by_id", "begin", "lock_game", "move_game", "game_state", "commit"]


class Statements:
    """Every statement the app sends to PostgreSQL, in order; BEGIN and COMMIT as "begin" and
    "commit" (a rollback leaves no "commit")."""

    def __init__(self, monkeypatch):
        self.sent = []
        execute, transaction = db.Tx.execute, db.transaction
        # The test client runs a request in this thread; the coalesced answer counts and the
        # deadline timers run in threads of their own and are not the click's statements.
        clicking = threading.get_ident()

        def spied_execute(tx, query, params):
            if threading.get_ident() == clicking:
                self.sent.append(query)
            return execute(tx, query, params)

        @contextmanager
        def spied_transaction():
            ours = threading.get_ident() == clicking
            if ours:
                self.sent.append("begin")
            with transaction() as tx:
                yield tx
            if ours:
                self.sent.append("commit")

        monkeypatch.setattr(db.Tx, "execute", spied_execute)
        monkeypatch.setattr(db, "transaction", spied_transaction)

    def clear(self):
        self.sent.clear()


@pytest.fixture
def night(app, host, new_team):
    """(code, teams) of a game of TEAMS teams before its first question."""
    code = host.start_game(host.create_quiz(questions=[CHOICE, CHOICE]))
    teams = [new_team() for _ in range(TEAMS)]
    for number, team in enumerate(teams):
        team.join(code, f"Table {number}")
    host.act(code, "start")
    return code, teams


def _click(host, statements, code, action):
    version = host.version(code)
    statements.clear()
    response = host.act(code, action, version=version, htmx=True)
    assert response.status_code == 200
    return list(statements.sent)


def test_a_console_click_is_one_transaction_and_nothing_is_read_back_after_it(app, host, night, monkeypatch):
    code, teams = night
    statements = Statements(monkeypatch)
    opened = _click(host, statements, code, "open_question")
    question_id = query(app, "select question_id from game where code = %s", code)[0]["question_id"]
    for number, team in enumerate(teams):
        team.answer(code, question_id, choice=str(number % 3))
    closed = _click(host, statements, code, "close_question")
    revealed = _click(host, statements, code, "reveal")
    clicks = {"open": opened, "close": closed, "reveal": revealed}
    for action, sent in clicks.items():
        print(f"{action}: {len(sent)} statements: {' '.join(sent)}")  # shown with pytest -s
    assert opened == OPENING
    for action, sent in clicks.items():
        assert sent.count("begin") == 1, (action, sent)
        assert len(sent) <= MOST_STATEMENTS, (action, len(sent), sent)
        # Publishing renders from what the transaction returned: nothing is sent after its commit.
        assert sent[-1] == "commit", (action, sent)


def _audit(app, code):
    return [
        (row["actor"], row["action"], row["detail"])
        for row in query(app, "select * from audit where game_id = %s order by id", game_id(app, code))
    ]


def test_a_transition_writes_exactly_one_audit_row_in_its_own_transaction(app, host, night, monkeypatch):
    code, _ = night
    statements = Statements(monkeypatch)
    before = _audit(app, code)
    sent = _click(host, statements, code, "open_question")
    assert _audit(app, code)[len(before) :] == [("host@example.org", "open", "R1 Q1 “Which planet is red?”")]
    assert sent.index("move_game") < sent.index("commit")  # the move writes its audit row


def test_a_refused_transition_leaves_no_audit_row(app, host, night):
    code, _ = night
    stale = host.version(code)
    host.act(code, "open_question", version=stale)
    written = _audit(app, code)
    # The same click again (a double click): refused, and nothing is logged for it.
    again = host.act(code, "open_question", version=stale, htmx=True)
    assert "already moved on" in again.get_data(as_text=True)
    assert _audit(app, code) == written


def test_a_transition_that_fails_after_its_audit_row_leaves_neither(app, host, night, monkeypatch):
    code, _ = night
    version = host.version(code)
    written = _audit(app, code)
    execute = db.Tx.execute

    def failing_move(tx, query, params):
        if query == "game_state":  # after the move and its audit row
            raise RuntimeError("the database went away mid-transition")
        return execute(tx, query, params)

    monkeypatch.setattr(db.Tx, "execute", failing_move)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    assert host.act(code, "open_question", version=version).status_code == 500
    monkeypatch.undo()
    assert _audit(app, code) == written
    assert host.version(code) == version


def test_pause_and_resume_are_audited_in_the_transaction_that_pauses(app, host, night, monkeypatch):
    code, _ = night
    host.act(code, "open_question")
    statements = Statements(monkeypatch)
    for action in ("pause", "resume"):
        version = host.version(code)
        statements.clear()
        host.post(f"/host/{code}/manage/{action}", {"version": version}, htmx=True)
        assert statements.sent.count("begin") == 1, statements.sent
        assert statements.sent.index("insert_audit") < statements.sent.index("commit")
    assert [a for _, a, _ in _audit(app, code)][-2:] == ["pause", "resume"]


def test_a_deadline_close_is_audited_as_the_clock(app, host, night):
    code, _ = night
    host.act(code, "open_question")
    query(app, "update game set deadline_at = now() - interval '1 second' where code = %s returning id", code)
    with app.app_context():
        assert [snap.game["id"] for snap in games.close_due()] == [game_id(app, code)]
    assert _audit(app, code)[-1] == ("timer", "close", "R1 Q1 “Which planet is red?”")


@pytest.fixture
def other_process(app):
    """A second app on the same database: another gunicorn worker, with its own in-process caches."""
    other = create_app(
        {
            key: app.config[key]
            for key in (
                "TESTING",
                "DATABASE_URL",
                "SECRET_KEY",
                "INSTANCE_DIR",
                "DEADLINE_SWEEP_SECONDS",
                "COUNT_INTERVAL",
            )
        }
    )
    yield other
    other.extensions["background"].stop()
    other.extensions["hub"].stop()
    other.extensions["bus"].close()
    other.extensions["db_pool"].close()


def test_a_key_fixed_and_a_question_edited_in_another_process_are_what_this_one_scores_and_shows(
    app, host, new_team, other_process
):
    code = host.start_game(host.create_quiz(questions=[TEXT, TEXT]))
    first, second = [row["id"] for row in query(app, "select id from question order by position")]
    team = new_team()
    team.join(code, "Bears")
    host.act(code, "start")
    host.act(code, "open_question")  # this process now holds the quiz's contents
    elsewhere = HostActions(other_process)
    assert (
        elsewhere.post(
            "/login", {"email": "host@example.org", "password": "correct horse battery"}
        ).status_code
        == 303
    )
    elsewhere.forget_token()
    assert (
        elsewhere.post(
            f"/questions/{second}", dict(TEXT, prompt="Who composed the Moonlight Sonata?")
        ).status_code
        == 303
    )
    assert (
        elsewhere.post(f"/host/{code}/scores/key/{second}", {"accepted": "Beethoven\nBethoven"}).status_code
        == 303
    )
    for action in ("close_question", "reveal", "open_question"):
        host.act(code, action)
    assert "Who composed the Moonlight Sonata?" in text(host.get(f"/host/{code}"))
    team.answer(code, second, text="Bethoven")
    host.act(code, "close_question")
    assert query(app, "select correct from answer where question_id = %s", second) == [{"correct": True}]
    assert "Bethoven" in host.get(f"/host/{code}/scores").get_data(as_text=True)


def test_marking_and_correcting_publish_from_their_own_transaction(app, host, new_team, monkeypatch):
    code = host.start_game(host.create_quiz(questions=[TEXT]))
    new_team().join(code, "Bears")
    team = query(app, "select id from team")[0]["id"]
    host.act(code, "start")
    host.act(code, "open_question")
    question = query(app, "select question_id from game")[0]["question_id"]
    host.act(code, "close_question")
    statements = Statements(monkeypatch)
    host.post(f"/mark/{code}/{question}", {"verdict": "right", "answer_key": "bethoven"}, htmx=True)
    marked = list(statements.sent)
    statements.clear()
    assert (
        host.post(
            f"/host/{code}/scores/correct",
            {"team_id": team, "question_id": question, "points": "2", "reason": "generous"},
        ).status_code
        == 303
    )
    corrected = list(statements.sent)
    for sent in (marked, corrected):
        assert sent.count("begin") == 1, sent
        assert sent.index("insert_audit") < sent.index("commit")
        assert sent[-1] == "commit", sent
