"""DATABASE_REPLICA_URL against a real streaming replica (tests/replication.py): the pages that may
be seconds stale read it, the game never does, and a replica that stops or falls behind sends
those reads to the primary, from which they come back once it is current again.

Which server answered is told by the data: with the replica's replay paused, a team renamed on the
primary keeps its old name on the replica. Where both hold the same data, the replica's own
pg_stat_activity says whether our reading connections ran a query."""

import io
import os
import re
import secrets
import socket
import subprocess
import sys
import time

import pytest
from helpers import CHOICE, HostActions, Stream, TeamActions, require
from night import play
from openpyxl import load_workbook
from replication import Replication, server_binaries

from harness.processes import free_port
from pubquiz import config, create_app, db, replica

OLD, NEW = "Quizzy Rascals", "Renamed Upstairs"


@pytest.fixture(scope="module")
def replication():
    bin_dir = server_binaries()
    require(bin_dir, "no PostgreSQL server in /usr/lib/postgresql/*/bin (apt-get install postgresql)")
    clusters = Replication(bin_dir)
    try:
        clusters.start()
        db.migrate(clusters.primary.url)
        yield clusters
    finally:
        clusters.stop()


@pytest.fixture
def make_app(replication, tmp_path):
    """An app on our primary with our replica, which may lag by max_lag seconds."""
    made = []

    def make(max_lag, replica_url=replication.replica.url):
        app = create_app(
            {
                "TESTING": True,
                "DATABASE_URL": replication.primary.url,
                "DATABASE_REPLICA_URL": replica_url,
                "DATABASE_REPLICA_MAX_LAG": max_lag,
                "SECRET_KEY": "test-secret-" + secrets.token_hex(8),
                "INSTANCE_DIR": str(tmp_path),
                "DEADLINE_SWEEP_SECONDS": 0,
            }
        )
        made.append(app)
        return app

    replication.ready()
    replication.primary.sql("truncate host, season restart identity cascade")
    replication.wait_until_current()
    yield make
    for app in made:
        app.extensions["background"].stop()
        app.extensions["hub"].stop()
        app.extensions["bus"].close()
        db.close(app)


def _night(app, played=False):
    """A host with a quiz and a game of a season that team OLD has joined (and, played, answered
    its question in): (host, season id, code)."""
    host = HostActions(app)
    assert host.register().status_code == 303
    quiz_id = host.create_quiz("Replica quiz", [CHOICE])
    season = host.post("/seasons", {"name": "Red Lion league", "scoring": "total"})
    season_id = int(season.headers["Location"].rsplit("/", 1)[1])
    started = host.post(f"/quizzes/{quiz_id}/games", {"season_id": str(season_id)})
    code = started.headers["Location"].rsplit("/", 1)[1]
    team = TeamActions(app)
    assert team.join(code, OLD).status_code == 303
    if played:
        host.act(code, "start")
        play(host, code, {team: {"choice": "1"}})
    return host, season_id, code


def _rename_on_primary(replication, name):
    """The team, in the game and in the season (its name there is claimed by the game's team)."""
    replication.primary.sql("update team set name = %s", (name,))
    replication.primary.sql("update season_team set name = %s", (name,))


def _replica_reads_since(replication, moment):
    """Queries our reading connections ran on the replica since that moment (the replica's clock)."""
    return replication.replica.sql(
        "select count(*) from pg_stat_activity where application_name = 'pubquiz-reads' and query_start > %s",
        (moment,),
    )[0][0]


def _replica_now(replication):
    return replication.replica.sql("select clock_timestamp()")[0][0]


def _teams_in_workbook(response):
    assert response.status_code == 200
    return [
        row[1]
        for row in load_workbook(io.BytesIO(response.data)).active.iter_rows(min_row=2, values_only=True)
    ]


def _text(browser, path):
    response = browser.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return response.get_data(as_text=True)


def test_results_exports_searches_and_leagues_read_the_replica_and_the_console_the_primary(
    make_app, replication
):
    app = make_app(max_lag=60)
    host, season_id, code = _night(app, played=True)
    quiz_id = replication.primary.sql("select id from quiz")[0][0]
    replication.wait_until_current()
    replication.pause()
    _rename_on_primary(replication, NEW)
    replication.primary.sql("update question set prompt = 'Which planet is blue?'")
    replication.primary.sql("update quiz set title = 'Renamed quiz'")

    for path in (
        f"/host/{code}/results",
        f"/host/{code}/results.csv",
        f"/seasons/{season_id}",
        f"/seasons/{season_id}/league.csv",
    ):
        page = _text(host, path)
        assert OLD in page and NEW not in page, path
    assert _teams_in_workbook(host.get(f"/host/{code}/results.xlsx")) == [OLD]
    assert OLD in _text(host, f"/seasons/{season_id}/analytics")
    for path in ("/quizzes/bank?q=planet", f"/host/{code}/analytics", "/analytics"):
        page = _text(host, path)
        assert "Which planet is red?" in page and "blue" not in page, path
    exported = _text(host, f"/quizzes/{quiz_id}/export.json")
    assert '"Replica quiz"' in exported and "Renamed quiz" not in exported
    # The game itself, at the same moment, is the primary's.
    console = _text(host, f"/host/{code}")
    assert NEW in console and OLD not in console


def test_the_game_never_reads_the_replica(make_app, replication):
    """With replay paused and a lag allowed of an hour, the replica holds none of this night: any
    game read from it would miss the quiz, the game or the team."""
    app = make_app(max_lag=3600)
    replication.pause()
    before = _replica_now(replication)
    host, _, code = _night(app)
    team = TeamActions(app)
    assert team.join(code, "Late Arrivals").status_code == 303
    screen = TeamActions(app)
    console = _text(host, f"/host/{code}")
    assert OLD in console and "Late Arrivals" in console
    assert "Late Arrivals" in _text(screen, f"/screen/{code}")
    streams = [
        Stream(team.get(f"/play/{code}/events?after=", buffered=False)),
        Stream(host.get(f"/host/{code}/events?after=", buffered=False)),
        Stream(screen.get(f"/screen/{code}/events?after=", buffered=False)),
    ]
    host.act(code, "start")
    host.act(code, "open_question")
    for stream in streams:
        stream.read_until("Mars")
    play_page = _text(team, f"/play/{code}")
    question_id = re.search(r'name="question_id" value="(\d+)"', play_page).group(1)
    assert "Answer locked in" in team.answer(code, question_id, htmx=True, choice="1").get_data(as_text=True)
    assert "<strong>1</strong> of 2 teams answered" in _text(host, f"/host/{code}")
    host.act(code, "close_question")
    host.act(code, "reveal")
    streams[0].read_until("Right!")
    for stream in streams:
        stream.close()
    assert "Right! +2 points" in _text(team, f"/play/{code}")
    assert _replica_reads_since(replication, before) == 0

    # The replica has not got the game: its results are read on the primary, not a 500.
    assert f"{OLD}" in _text(host, f"/host/{code}/results")
    assert _replica_reads_since(replication, before) > 0  # ... after asking the replica first


def test_a_replica_that_stops_costs_its_pages_little_and_is_read_again_once_back(make_app, replication):
    app = make_app(max_lag=60)
    host, _, code = _night(app)
    replication.wait_until_current()
    replication.pause()
    _rename_on_primary(replication, NEW)
    results = f"/host/{code}/results"
    assert OLD in _text(host, results)

    replication.replica.stop()
    started = time.monotonic()
    page = _text(host, results)  # its pooled connection is dead: read again on the primary
    first_after_stop = time.monotonic() - started
    assert NEW in page
    started = time.monotonic()
    assert NEW in _teams_in_workbook(host.get(f"/host/{code}/results.xlsx"))
    later = time.monotonic() - started
    time.sleep(replica.CHECK_SECONDS)  # the next check finds it refusing connections
    started = time.monotonic()
    assert NEW in _text(host, results)
    checked_while_down = time.monotonic() - started

    replication.ready()  # started, replaying, current: NEW is there too
    replication.pause()
    _rename_on_primary(replication, "Renamed Again")
    back = time.monotonic()
    deadline = back + 10
    while NEW not in _text(host, results):  # the replica's NEW, not the primary's "Renamed Again"
        assert time.monotonic() < deadline, "reads never came back to the replica"
        time.sleep(0.05)
    returned_after = time.monotonic() - back
    print(
        f"\nreplica stopped: first page {first_after_stop * 1000:.0f} ms, next {later * 1000:.0f} ms, "
        f"a check while down {checked_while_down * 1000:.0f} ms; back on the replica "
        f"{returned_after * 1000:.0f} ms after it was current again"
    )
    assert first_after_stop < 2 and later < 1 and checked_while_down < 1
    assert returned_after < replica.CHECK_SECONDS + 1


def test_a_replica_behind_by_more_than_the_limit_is_not_read_and_an_idle_one_is(make_app, replication):
    app = make_app(max_lag=1)
    host, _, code = _night(app)
    results = f"/host/{code}/results"
    replication.wait_until_current()
    replication.pause()
    _rename_on_primary(replication, NEW)
    paused = time.monotonic()
    deadline = paused + 10
    while NEW not in _text(host, results):
        assert time.monotonic() < deadline, "a replica paused for 10 s was still read (limit 1 s)"
        time.sleep(0.1)
    assert time.monotonic() - paused < 1 + replica.CHECK_SECONDS + 1
    assert replication.replica.sql("select name from team")[0][0] == OLD  # it was up, and behind

    # Caught up, with nothing written since: its last replayed transaction is older than the limit,
    # yet it holds all the primary has (the idle-primary trap), so it is read again.
    replication.resume()
    replication.wait_until_current()
    time.sleep(1.5)
    before = _replica_now(replication)
    deadline = time.monotonic() + 5
    while True:
        assert NEW in _text(host, results)
        if _replica_reads_since(replication, before):
            break
        assert time.monotonic() < deadline, "an idle, current replica was not read"
        time.sleep(0.2)


def test_a_bad_lag_setting_is_named_at_start(tmp_path):
    env = dict(os.environ, DATABASE_REPLICA_MAX_LAG="soon", PUBQUIZ_INSTANCE_DIR=str(tmp_path))
    result = subprocess.run(
        [sys.executable, "-m", "pubquiz.cli", "migrate"],
        env=env,
        cwd=config.ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "DATABASE_REPLICA_MAX_LAG must be a number of seconds, like 5 (it is 'soon')" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_replica_that_refuses_connections_is_not_waited_for(make_app, replication):
    app = make_app(max_lag=5, replica_url=f"postgresql://postgres@127.0.0.1:{free_port()}/postgres")
    host, _, code = _night(app)
    started = time.monotonic()
    assert OLD in _text(host, f"/host/{code}/results")
    assert time.monotonic() - started < 1


def test_a_replica_that_does_not_answer_costs_one_page_the_connect_timeout_then_none(make_app, replication):
    """A host that takes the connection and says nothing (a hung server, a firewall that drops)."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        app = make_app(max_lag=5, replica_url=f"postgresql://postgres@127.0.0.1:{silent.getsockname()[1]}/x")
        host, _, code = _night(app)
        took = []
        for _ in range(8):
            started = time.monotonic()
            assert OLD in _text(host, f"/host/{code}/results")
            took.append(time.monotonic() - started)
            time.sleep(replica.CHECK_SECONDS / 2)
    print("\nsilent replica, page times (s):", " ".join(f"{t:.2f}" for t in took))
    assert replica.CONNECT_TIMEOUT - 0.5 < took[0] < replica.CONNECT_TIMEOUT + 1
    assert max(took[1:]) < 0.5  # the next check is 4 connect timeouts away
