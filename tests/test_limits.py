"""Rate limits: they trigger, say so kindly, and reset, with memory and with Redis storage."""
import time
from collections import Counter

import pytest
from night import query

pytestmark = pytest.mark.parametrize("backend", ["memory", "redis"], indirect=True)


def test_failed_joins_are_limited_per_address_and_the_limit_resets(app, host, new_team):
    app.config["LIMIT_JOIN"] = "3 per 2 second"
    code = host.start_game(host.create_quiz(questions=[]))
    guesser = new_team()
    for attempt in range(3):
        assert guesser.join(f"WRONG{attempt}", "Guessers").status_code == 422
    limited = guesser.join("WRONG9", "Guessers")
    assert limited.status_code == 429
    assert "Too many attempts from here" in limited.get_data(as_text=True)
    # Even the right code waits until the window has passed: guessing cannot continue.
    assert guesser.join(code, "Guessers").status_code == 429
    # The window is 2 s: after it the right code joins. Polled with a generous bound that only
    # turns "never resets" into a failure rather than a hang; a loaded machine may be slow.
    deadline = time.monotonic() + 30
    while (joined := guesser.join(code, "Guessers")).status_code == 429:
        assert time.monotonic() < deadline, "the join limit did not reset"
        time.sleep(0.1)
    assert joined.status_code == 303 and joined.headers["Location"] == f"/play/{code}"


def test_successful_joins_do_not_count(app, host, new_team):
    """Fifty teams behind one pub router share an address: joining must not lock them out."""
    app.config["LIMIT_JOIN"] = "3 per minute"
    code = host.start_game(host.create_quiz(questions=[]))
    for number in range(6):
        assert new_team().join(code, f"Team {number}").status_code == 303


def test_unknown_codes_on_the_projector_url_are_limited(app, client):
    app.config["LIMIT_LOOKUP"] = "2 per minute"
    assert client.get("/screen/AAAAAA").status_code == 404
    assert client.get("/screen/BBBBBB").status_code == 404
    assert client.get("/screen/CCCCCC").status_code == 429


def test_logins_are_limited_per_account(app, host):
    from helpers import HostActions

    app.config["LIMIT_LOGIN_ACCOUNT"] = "2 per minute"
    for _ in range(2):
        attacker = HostActions(app)
        assert attacker.post("/login", {"email": "host@example.org", "password": "guess guess"}).status_code == 422
    attacker = HostActions(app)
    assert attacker.post("/login", {"email": "HOST@example.org", "password": "guess again"}).status_code == 429


def test_behind_a_trusted_proxy_limits_key_on_the_real_client(request, monkeypatch, backend):
    from helpers import TeamActions, app_with_environment

    app = app_with_environment(request, monkeypatch, PUBQUIZ_TRUSTED_PROXIES="1")
    app.config["LIMIT_JOIN"] = "1 per minute"
    first, second = TeamActions(app), TeamActions(app)  # both from the proxy's address
    first.client.environ_base["HTTP_X_FORWARDED_FOR"] = "203.0.113.1"
    second.client.environ_base["HTTP_X_FORWARDED_FOR"] = "203.0.113.2"
    assert first.join("NOPE22", "A").status_code == 422
    assert first.join("NOPE23", "A").status_code == 429
    assert second.join("NOPE24", "B").status_code == 422  # another client behind the same proxy


def test_failed_joins_are_limited_for_everyone_together(app, new_team):
    """Guesses spread over many addresses are stopped too."""
    app.config["LIMIT_JOIN_GLOBAL"] = "4 per minute"
    statuses = []
    for number in range(5):
        guesser = new_team()
        guesser.client.environ_base["REMOTE_ADDR"] = f"198.51.100.{number + 1}"
        statuses.append(guesser.join(f"NOPE{number:02d}", "Bots").status_code)
    assert statuses == [422, 422, 422, 422, 429]


def test_a_game_has_a_maximum_number_of_teams(app, host, new_team):
    from helpers import CHOICE

    app.config["MAX_TEAMS"] = 2
    code = host.start_game(host.create_quiz(questions=[CHOICE]))
    first, second, third = new_team(), new_team(), new_team()
    assert first.join(code, "One").status_code == 303
    assert second.join(code, "Two").status_code == 303
    full = third.join(code, "Three")
    assert full.status_code == 422 and "This game is full: it has 2 teams" in full.get_data(as_text=True)
    pin = first.get(f"/play/{code}").get_data(as_text=True).split('class="code">')[2].split("<")[0]
    assert third.post("/join", {"code": code, "name": "One", "pin": pin}).status_code == 303  # a teammate


def test_streams_per_address_are_limited(app, host, new_team):
    from helpers import CHOICE

    app.extensions["hub"].max_per_address = 2
    code = host.start_game(host.create_quiz(questions=[CHOICE]))
    viewer = new_team()
    open_streams = [viewer.get(f"/screen/{code}/events", buffered=False) for _ in range(2)]
    refused = viewer.get(f"/screen/{code}/events")
    assert refused.status_code == 429
    assert "Too many pages of this quiz are open" in refused.get_data(as_text=True)
    for response in open_streams:
        next(iter(response.response))
        response.close()
    reopened = viewer.get(f"/screen/{code}/events", buffered=False)
    assert reopened.status_code == 200
    reopened.close()


def test_a_brute_force_run_against_the_default_limits_is_stopped(app, host, new_team):
    """Guessing join codes with the shipped limits: one address gets 30 answers, a botnet of many
    addresses 120 together, then 429s, while the code space makes each answer a 1 in 887
    million chance per live game."""
    from pubquiz import games

    assert len(games.CODE_ALPHABET) ** games.CODE_LENGTH > 887_000_000
    assert not set("01IOL") & set(games.CODE_ALPHABET)  # nothing to misread on a projector
    real = {host.start_game(host.create_quiz(questions=[])) for _ in range(3)}
    guesses = (code for code in (games.new_code() for _ in range(1000)) if code not in real)

    guesser = new_team()
    alone = Counter(guesser.join(next(guesses), "Bots").status_code for _ in range(60))
    assert alone == {422: 30, 429: 30}
    botnet = Counter()
    for number in range(10):
        bot = new_team()
        bot.client.environ_base["REMOTE_ADDR"] = f"198.51.100.{number + 1}"
        botnet.update(bot.join(next(guesses), "Bots").status_code for _ in range(20))
    assert botnet == {422: 120 - 30, 429: 200 - 90}
    assert query(app, "select count(*) as n from team")[0]["n"] == 0  # no guess got in


def test_a_team_flooding_answers_is_slowed_and_its_neighbours_play_on(app, host, new_team):
    """Answers are limited per team, not per address: one phone hammering the button behind the
    pub's router does not stop the team at the next table."""
    from helpers import CHOICE

    code = host.start_game(host.create_quiz(questions=[CHOICE]))
    flooder, neighbour = new_team(), new_team()
    flooder.join(code, "Hammer")
    neighbour.join(code, "Calm")
    host.act(code, "start")
    host.act(code, "open_question")
    question_id = int(neighbour.get(f"/play/{code}").get_data(as_text=True)
                      .split('name="question_id" value="')[1].split('"')[0])
    statuses = Counter(flooder.answer(code, question_id, htmx=True, choice=str(n % 3)).status_code
                       for n in range(40))
    assert statuses[429] == 10  # the 31st answer within a minute and after
    calm = neighbour.answer(code, question_id, htmx=True, choice="1").get_data(as_text=True)
    assert "Answer locked in" in calm
    assert query(app, "select count(*) as n from answer")[0]["n"] == 2  # one per team
