"""Rate limits: they trigger, say so kindly, and reset, with memory and with Redis storage."""

import time
from collections import Counter

import pytest
from night import query
from test_access import request_as, world  # noqa: F401, F811 (world is a fixture)

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


def test_a_host_on_their_own_game_is_no_guesser(app, host):
    """A quiz master who mistyped a code is not locked out of their own console (and its clicks
    cost no look-up in the limit store); the same account guessing other games' codes, another
    host's real one included, still counts."""
    from helpers import CHOICE, HostActions

    app.config["LIMIT_LOOKUP"] = "3 per minute"
    code = host.start_game(host.create_quiz(questions=[CHOICE]))
    other = HostActions(app)
    assert other.register("other@example.org").status_code == 303
    others_code = other.start_game(other.create_quiz(questions=[]))
    guesses = [host.get(f"/host/{c}").status_code for c in (others_code, "NOPE22", "NOPE23", "NOPE24")]
    assert guesses == [404, 404, 404, 429]
    for _ in range(3):
        for action in ("start", "open_question", "close_question", "reveal", "show_leaderboard"):
            assert host.get(f"/host/{code}").status_code == 200
            assert host.act(code, action, htmx=True).status_code == 200
    assert host.get(f"/host/{others_code}").status_code == 429


def test_logins_are_limited_per_account(app, host):
    from helpers import HostActions

    app.config["LIMIT_LOGIN_ACCOUNT"] = "2 per minute"
    for _ in range(2):
        attacker = HostActions(app)
        assert (
            attacker.post("/login", {"email": "host@example.org", "password": "guess guess"}).status_code
            == 422
        )
    attacker = HostActions(app)
    assert (
        attacker.post("/login", {"email": "HOST@example.org", "password": "guess again"}).status_code == 429
    )


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


def test_guessers_on_other_addresses_cannot_stop_an_honest_team_joining(app, host, new_team):
    """No budget is shared by all addresses: four guessers spending theirs leave a fifth address,
    with the right code, free to join."""
    code = host.start_game(host.create_quiz(questions=[]))
    for number in range(4):
        guesser = new_team()
        guesser.client.environ_base["REMOTE_ADDR"] = f"198.51.100.{number + 1}"
        statuses = Counter(guesser.join(f"NP{number}{guess:03d}", "Bots").status_code for guess in range(30))
        assert statuses == {422: 10, 429: 20}  # each address is stopped after its own ten
    honest = new_team()
    honest.client.environ_base["REMOTE_ADDR"] = "198.51.100.5"
    assert honest.join(code, "Honest").status_code == 303


def test_the_same_wrong_guess_again_counts_once(app, host, new_team):
    """A team retyping the same wrong code, or a page retrying it, is not guessing."""
    app.config["LIMIT_JOIN"] = "3 per minute"
    code = host.start_game(host.create_quiz(questions=[]))
    team = new_team()
    assert {team.join("WRONG1", "Reds").status_code for _ in range(10)} == {422}
    assert team.join(code, "Reds").status_code == 303


def test_an_ipv6_network_is_one_client(app, new_team):
    """One subscriber gets a whole /64: addresses in it share their budget."""
    app.config["LIMIT_JOIN"] = "2 per minute"
    statuses = []
    for number in range(3):
        guesser = new_team()
        guesser.client.environ_base["REMOTE_ADDR"] = f"2001:db8:1:2::{number + 1}"
        statuses.append(guesser.join(f"NOPE{number:02d}", "Bots").status_code)
    assert statuses == [422, 422, 429]
    elsewhere = new_team()
    elsewhere.client.environ_base["REMOTE_ADDR"] = "2001:db8:1:3::1"
    assert elsewhere.join("NOPE99", "Bots").status_code == 422


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
    """Guessing join codes with the shipped limits: one address gets ten answers a minute, on the
    join form and on every URL with a code alike, while the code space makes each answer a 1 in
    887 million chance per live game (the README has the daily arithmetic)."""
    from pubquiz import games

    assert len(games.CODE_ALPHABET) ** games.CODE_LENGTH > 887_000_000
    assert not set("01IOL") & set(games.CODE_ALPHABET)  # nothing to misread on a projector
    real = {host.start_game(host.create_quiz(questions=[])) for _ in range(3)}
    guesses = (code for code in (games.new_code() for _ in range(1000)) if code not in real)

    guesser = new_team()
    joins = Counter(guesser.join(next(guesses), "Bots").status_code for _ in range(30))
    assert joins == {422: 10, 429: 20}
    lookups = Counter(guesser.get(f"/screen/{next(guesses)}").status_code for _ in range(60))
    assert lookups == {404: 30, 429: 30}
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
    question_id = int(
        neighbour.get(f"/play/{code}")
        .get_data(as_text=True)
        .split('name="question_id" value="')[1]
        .split('"')[0]
    )
    statuses = Counter(
        flooder.answer(code, question_id, htmx=True, choice=str(n % 3)).status_code for n in range(40)
    )
    assert statuses[429] == 10  # the 31st answer within a minute and after
    calm = neighbour.answer(code, question_id, htmx=True, choice="1").get_data(as_text=True)
    assert "Answer locked in" in calm
    assert query(app, "select count(*) as n from answer")[0]["n"] == 2  # one per team


def test_one_address_cannot_fill_a_game(app, host, new_team):
    """A script behind one address makes teams as fast as it can: it gets LIMIT_NEW_TEAMS (60)
    of them, a pub's router enough for its fifty, and an honest team elsewhere still joins; the
    flooder's own teammates still join their teams with the PIN."""
    code = host.start_game(host.create_quiz(questions=[]))
    # A fresh cookie jar each time, as a script would: a browser already in the game is just
    # sent back to it.
    statuses = Counter(new_team().join(code, f"Fake {number}").status_code for number in range(200))
    assert statuses == {303: 60, 422: 140}
    refused = new_team().join(code, "Fake 201").get_data(as_text=True)
    assert "So many teams have joined this game from this network" in refused
    pin = query(app, "select pin from team where name = 'Fake 1'")[0]["pin"]
    assert new_team().post("/join", {"code": code, "name": "Fake 1", "pin": pin}).status_code == 303
    honest = new_team()
    honest.client.environ_base["REMOTE_ADDR"] = "198.51.100.7"
    assert honest.join(code, "Honest").status_code == 303


def test_a_closed_lobby_takes_no_new_teams_but_lets_its_teams_back_in(app, host, new_team):
    code = host.start_game(host.create_quiz(questions=[]))
    captain, latecomer, teammate = new_team(), new_team(), new_team()
    assert captain.join(code, "Reds").status_code == 303
    console = host.get(f"/host/{code}").get_data(as_text=True)
    assert "Close the lobby to new teams" in console
    assert host.post(f"/host/{code}/manage/lobby", {"closed": "1"}).status_code == 303
    assert "Reopen the lobby" in host.get(f"/host/{code}").get_data(as_text=True)

    refused = latecomer.join(code, "Blues")
    assert refused.status_code == 422
    assert "The quiz master has closed this game to new teams" in refused.get_data(as_text=True)
    pin = query(app, "select pin from team where name = 'Reds'")[0]["pin"]
    assert teammate.post("/join", {"code": code, "name": "Reds", "pin": pin}).status_code == 303
    assert captain.get(f"/play/{code}").status_code == 200  # back in after a reload
    assert captain.join(code, "Reds").headers["Location"] == f"/play/{code}"
    assert query(app, "select action from audit order by id desc limit 1")[0]["action"] == "close lobby"

    assert host.post(f"/host/{code}/manage/lobby", {"closed": "0"}).status_code == 303
    assert latecomer.join(code, "Blues").status_code == 303


def _code_routes(app, params, code):
    """(endpoint, method, path) of every route that takes a join code, filled in for `code`; a
    marker link with a token that is wrong for every game."""
    adapter = app.url_map.bind("localhost")
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "code" not in rule.arguments:
            continue
        values = dict({name: params[name] for name in rule.arguments}, code=code, token="not-the-token")
        for method in ("GET", "POST"):
            if method in rule.methods:
                yield rule.endpoint, method, adapter.build(rule.endpoint, values)


def test_no_route_tells_a_game_that_is_not_there_from_one_that_is_not_yours(app, world):  # noqa: F811
    """Walking the URL map: for everyone a route denies, a real game's code and a made-up one get
    the same answer (status, redirect, page) but for the code itself."""
    from test_access import ACCESS, RULES

    clients, params = world
    app.config["LIMIT_LOOKUP"] = "100000 per minute"  # this test is about the answers
    real, unknown = params["code"], "ZZZZZZ"
    problems, compared = [], 0
    for (endpoint, method, path), (_, _, unknown_path) in zip(
        _code_routes(app, params, real), _code_routes(app, params, unknown), strict=True
    ):
        for role in ("anonymous", "other_team", "other_host"):
            if role in RULES[ACCESS[endpoint]] and endpoint != "marking.join":
                continue  # allowed: a real game is meant to answer differently
            answers = []
            for target in (path, unknown_path):
                response = request_as(clients[role], method, target)
                body = response.get_data(as_text=True) if not response.is_streamed else ""
                answers.append((response.status_code, response.headers.get("Location", ""), body))
            seen_real, seen_unknown = (
                tuple(part.replace(code, "<code>") for part in map(str, answer))
                for answer, code in zip(answers, (real, unknown), strict=True)
            )
            compared += 1
            if seen_real != seen_unknown:
                differ = "" if seen_real[:2] != seen_unknown[:2] else " (the pages differ)"
                problems.append(
                    f"{method} {path} as {role}: {seen_real[:2]}, for no such game {seen_unknown[:2]}{differ}"
                )
    assert compared > 60
    assert not problems, "\n".join(problems)


def test_every_route_with_a_code_counts_a_wrong_one(app, world):  # noqa: F811
    """One budget for wrong codes whatever the URL: a wrong code on any route spends it."""
    from pubquiz import limits

    clients, params = world
    app.config["LIMIT_LOOKUP"] = "1 per minute"
    guesser = clients["other_host"]  # logged in, no team, owns nothing here: denied everywhere
    uncounted = []
    for number, (endpoint, method, path) in enumerate(_code_routes(app, params, "ZZZZZZ")):
        if endpoint == "play.join":
            continue  # the join form: the same page for every code, it never refuses
        if endpoint.startswith("api."):
            continue  # without a token no code is looked at (401); a token's: tests/test_api.py
        limits.limiter.reset()
        request_as(guesser, method, path.replace("ZZZZZZ", f"ZZZZ{number:02d}"))
        if request_as(guesser, "GET", "/screen/YYYYYY").status_code != 429:
            uncounted.append(f"{method} {path} ({endpoint})")
    assert not uncounted, "wrong codes here do not count:\n" + "\n".join(uncounted)


def test_a_spent_daily_cap_says_so_instead_of_wait_a_minute(app, host, new_team, client):
    app.config["LIMIT_JOIN"] = "100 per minute; 2 per day"
    app.config["LIMIT_LOOKUP"] = "100 per minute; 2 per day"
    guesser = new_team()
    for attempt in range(2):
        assert guesser.join(f"WRONG{attempt}", "Guessers").status_code == 422
    looker = [client.get(f"/screen/NOPE0{n}") for n in range(3)][-1]
    for page in (guesser.join("WRONG9", "Guessers"), looker):
        said = page.get_data(as_text=True)
        assert page.status_code == 429
        assert "Too many wrong codes from your network today" in said
        assert "Check the code on the screen, or ask the quiz master for the join link." in said
        assert "Wait a minute" not in said


def test_a_spent_hourly_limit_says_wait_an_hour(app):
    from helpers import HostActions

    app.config["LIMIT_REGISTER"] = "1 per hour"
    newcomer = HostActions(app)
    assert newcomer.register("first@example.org").status_code == 303
    refused = newcomer.register("second@example.org")
    assert refused.status_code == 429
    assert "Wait an hour, then try again." in refused.get_data(as_text=True)
