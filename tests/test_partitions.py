"""Answers partitioned by the month of their game (migration 0013): today's table moves over with
nothing lost, every game-path query reads only its game's partition, partitions are made ahead,
and an answer for a month without one is still taken."""

import time
from decimal import Decimal

import psycopg
import pytest
from helpers import CHOICE
from night import play, query, totals
from partition_nights import months_ago, move_to, partition_of_answers, play_night

from pubquiz import create_app, db, games, partitions

BEFORE_0013 = [p for p in sorted((db.SQL / "migrations").glob("*.sql")) if p.name < "0013"]


def _migrate_to_0012(url):
    """As db.migrate did before 0013 existed."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "create table schema_migration (name text primary key, applied_at timestamptz default now())"
        )
        for path in BEFORE_0013:
            with conn.transaction():
                conn.execute(path.read_text())
                conn.execute("insert into schema_migration (name) values (%s)", (path.name,))


def _night_at_0012(conn, code, created_at):
    """An ended night of two questions and three teams, written as the app at 0012 wrote it."""
    host = conn.execute(
        "insert into host (email, password_hash) values (%s, 'x') returning id", (code + "@example.org",)
    ).fetchone()[0]
    quiz = conn.execute(
        "insert into quiz (host_id, title) values (%s, 'Old') returning id", (host,)
    ).fetchone()[0]
    round_id = conn.execute(
        "insert into round (quiz_id, position, title) values (%s, 0, 'R1') returning id", (quiz,)
    ).fetchone()[0]
    questions = [
        conn.execute(
            "insert into question (round_id, position, kind, prompt, options, correct_option, points) "
            "values (%s, %s, 'choice', 'Which?', '{A,B}', 1, 2) returning id",
            (round_id, position),
        ).fetchone()[0]
        for position in range(2)
    ]
    game = conn.execute(
        "insert into game (quiz_id, host_id, code, phase, created_at, ended_at) "
        "values (%s, %s, %s, 'ended', %s, %s) returning id",
        (quiz, host, code, created_at, created_at),
    ).fetchone()[0]
    for number, name in enumerate(("Bears", "Wolves", "Owls")):
        team = conn.execute(
            "insert into team (game_id, name, pin) values (%s, %s, '1234') returning id", (game, name)
        ).fetchone()[0]
        conn.execute(
            "insert into member (team_id, token, captain) values (%s, %s, true)", (team, code + name)
        )
        for position, question in enumerate(questions):
            points = Decimal(number + position) / 2
            conn.execute(
                "insert into answer (game_id, team_id, question_id, choice, correct, points, locked, "
                "submitted_at, seconds_left) values (%s, %s, %s, 1, %s, %s, true, %s, 12.5)",
                (game, team, question, points > 0, points, created_at),
            )
    return game


def test_the_migration_moves_every_answer_into_its_month_and_the_results_stay(empty_database, tmp_path):
    _migrate_to_0012(empty_database)
    old_month, this_month = months_ago(5), months_ago(0, day=1)
    with psycopg.connect(empty_database, autocommit=True) as conn:
        old = _night_at_0012(conn, "OLDNGT", old_month)
        recent = _night_at_0012(conn, "NEWNGT", this_month)
        before = conn.execute("select * from answer order by id").fetchall()
        sums = dict(conn.execute("select team_id, sum(points) from answer group by team_id").fetchall())

    assert "0013_answer_partitions.sql" in db.migrate(empty_database)

    with psycopg.connect(empty_database, autocommit=True) as conn:
        after = conn.execute(
            "select id, game_id, team_id, question_id, choice, text, number, submitted_at, correct, points, "
            "locked, member_id, updated_at, seconds_left from answer order by id"
        ).fetchall()
        where = dict(conn.execute("select game_id, tableoid::regclass::text from answer").fetchall())
        # Ids go on from the old sequence, and a second answer of a team is still refused.
        (team, question, created_at), *_ = conn.execute(
            "select team_id, question_id, game_created_at from answer where game_id = %s", (recent,)
        ).fetchall()
        with pytest.raises(psycopg.errors.UniqueViolation):
            conn.execute(
                "insert into answer (game_id, team_id, question_id, game_created_at) values (%s, %s, %s, %s)",
                (recent, team, question, created_at),
            )
        conn.execute("delete from answer where team_id = %s and question_id = %s", (team, question))
        (new_id,) = conn.execute(
            "insert into answer (game_id, team_id, question_id, game_created_at) values (%s, %s, %s, %s) "
            "returning id",
            (recent, team, question, created_at),
        ).fetchone()
    assert after == [tuple(row) for row in before]
    assert where == {old: f"answer_{old_month:%Y_%m}", recent: f"answer_{this_month:%Y_%m}"}
    assert new_id > max(row[0] for row in before)

    # What the app makes of the old night: each team's total is the sum of its points at 0012.
    app = create_app(
        {"DATABASE_URL": empty_database, "INSTANCE_DIR": str(tmp_path), "DEADLINE_SWEEP_SECONDS": 0}
    )
    teams = query(app, "select id, name from team where game_id = %s", old)
    assert totals(app, "OLDNGT") == {team["name"]: sums[team["id"]] for team in teams}
    app.extensions["db_pool"].close()


def _scanned(plan):
    """The answer partitions a plan reads (scans, not the table an INSERT names)."""
    found = set()
    if "Scan" in plan["Node Type"] and plan.get("Relation Name", "").startswith("answer"):
        found.add(plan["Relation Name"])
    for child in plan.get("Plans", []):
        found |= _scanned(child)
    return found


def _explain(app, query_name, **params):
    with app.app_context(), db.transaction() as tx:
        (row,) = (
            tx.conn.execute("explain (format json) " + db.QUERIES[query_name], params).fetchone().values()
        )
        return _scanned(row[0]["Plan"])


def test_every_game_path_query_reads_only_its_games_partition(app, host, new_team):
    """With games in three other months, each statement tonight's game runs on answers reads only
    tonight's partition."""
    for months in (1, 2, 14):
        _, old_game = play_night(host, new_team)
        move_to(app, old_game, months_ago(months))
    quiz_id = host.create_quiz("Tonight", [CHOICE])
    code = host.start_game(quiz_id)
    bears, wolves = new_team(), new_team()
    bears.join(code, "Bears"), wolves.join(code, "Wolves")
    host.act(code, "start")
    host.act(code, "open_question")
    (game,) = query(app, "select id, question_id, created_at from game where code = %s", code)
    question, created_at = game["question_id"], game["created_at"]
    assert bears.answer(code, question, choice="1").status_code == 303
    (answer,) = query(app, "select id, team_id from answer where game_id = %s", game["id"])
    (member,) = query(app, "select token from member where team_id = %s", answer["team_id"])
    (other,) = query(
        app, "select id from team where game_id = %s and id <> %s", game["id"], answer["team_id"]
    )
    tonight = f"answer_{game['created_at']:%Y_%m}"
    assert partition_of_answers(app, game["id"]) == {tonight}

    ids = {"game_id": game["id"], "game_created_at": created_at, "question_id": question}
    team = dict(game_created_at=created_at, question_id=question, team_id=answer["team_id"])
    reads = {
        "lock_answer": dict(team, token=member["token"]),
        "answer_of_team": team,
        "answers_to_question": ids,
        "count_answers": ids,
        "game_state": ids,
        "set_scores": dict(
            game_created_at=created_at, ids=[answer["id"]], correct=[True], points=[Decimal(2)]
        ),
        "merge_answers": {"game_created_at": created_at, "from": other["id"], "into": answer["team_id"]},
    }
    for name, params in reads.items():
        assert _explain(app, name, **params) == {tonight}, name
    # The insert reads no answer partition at all: the row goes to its game's month.
    insert = dict(code=code, token=member["token"], question_id=question, choice=0, text=None, number=None)
    assert _explain(app, "insert_answer", **insert) == set()


def test_a_game_in_a_month_without_partition_still_takes_answers_and_they_move_in_later(app, host, new_team):
    quiz_id = host.create_quiz("Far off", [CHOICE])
    code = host.start_game(quiz_id)
    (game,) = query(app, "select id from game where code = %s", code)
    lost_month = months_ago(40)
    move_to(app, game["id"], lost_month, partition=False)
    bears = new_team()
    bears.join(code, "Bears")
    host.act(code, "start")
    question = play(host, code, {bears: {"choice": "1"}})
    assert partition_of_answers(app, game["id"]) == {"answer_default"}
    assert totals(app, code) == {"Bears": 2}

    with app.app_context():
        with db.transaction() as tx:
            (created,) = (
                tx.conn.execute("select create_answer_partition(%s::date)", (lost_month,)).fetchone().values()
            )
    assert created == f"answer_{lost_month:%Y_%m}"
    assert partition_of_answers(app, game["id"]) == {created}
    assert query(app, "select points from answer where question_id = %s", question)[0]["points"] == 2
    assert totals(app, code) == {"Bears": 2}


def test_partitions_are_made_months_ahead_once(app):
    with app.app_context():
        first = partitions.create_ahead(7)
        again = partitions.create_ahead(7)
        names = [row["name"] for row in partitions.month_partitions()]
    ahead = f"answer_{months_ago(-7):%Y_%m}"
    assert ahead in names and ahead in first
    assert again == []
    assert f"answer_{months_ago(0):%Y_%m}" in names


def test_the_deadline_sweep_makes_the_partitions_ahead(clean_db, tmp_path):
    """A server left running: its first sweep makes the months ahead it is set to keep."""
    ahead = f"answer_{months_ago(-11):%Y_%m}"
    app = create_app(
        {
            "DATABASE_URL": clean_db,
            "INSTANCE_DIR": str(tmp_path),
            "DEADLINE_SWEEP_SECONDS": 0.05,
            "ANSWER_MONTHS_AHEAD": 11,
        }
    )
    try:
        deadline = time.monotonic() + 15
        while not query(app, "select to_regclass(%s) is not null as there", ahead)[0]["there"]:
            assert time.monotonic() < deadline, f"no {ahead} after 15 s of sweeping"
            time.sleep(0.1)
    finally:
        app.extensions["background"].stop()
        app.extensions["db_pool"].close()


def test_a_game_cached_before_the_migration_is_read_again_for_its_partition(app, host, new_team):
    """A server upgraded mid-game: the cached state of a game has no created_at yet. A request
    that reads the game from the cache (a team's lock-in) gets it read again, created_at and all."""
    code = host.start_game(host.create_quiz("Upgraded", [CHOICE]))
    with app.app_context():
        state = games.by_code(code)
        app.extensions["cache"].put("game:" + code, {k: v for k, v in state.items() if k != "created_at"})
        assert (
            games.created_at(games.by_code(code))
            == query(app, "select created_at from game")[0]["created_at"]
        )
