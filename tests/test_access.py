"""The authorization matrix: every route of the app, requested as every kind of visitor, is allowed
or denied as the table ACCESS says. A new route without an entry in ACCESS fails the test.

The world (built afresh for each endpoint, so a delete or a logout cannot spoil the next case):
host A owns quiz Q (one round: a choice question with a small PNG picture, and a text question) and
game G with one phone team and an invited marker, and one marking; host B owns game G2 with its own
phone team. Host A is an operator (PUBQUIZ_OPERATORS). Every URL is filled in from G and Q.

Denied: 403 or 404, or a redirect to /login or /join/... . Allowed: anything else but a 5xx (a
400/409/422 for the empty form we send means the authorization check passed). No response may be
a 5xx.
"""

import io
import re
import struct
import zlib
from urllib.parse import urlsplit

import pytest
from helpers import CHOICE, TEXT, Browser, HostActions, TeamActions, csrf_token
from night import build_quiz, query, team_id

from harness.quiz import Round

# Who may use a route: (the owning host is host A, the game is G).
RULES = {
    "public": {"anonymous", "team", "other_team", "host", "other_host", "marker"},
    "anyone-with-token": {"anonymous", "team", "other_team", "host", "other_host", "marker"},
    "login": {"host", "other_host"},  # any logged-in host (acting on their own things)
    "host": {"host"},  # only the host who owns the quiz or game
    "operator": {"host"},  # a host named in PUBQUIZ_OPERATORS (in this world host A is one)
    "marker": {"host", "marker"},  # the owning host or a marker invited to the game
    "team": {"team"},  # only a team (member) of this game
    # The JSON API takes a bearer token and never a session cookie: no browser gets in by its
    # cookies, whoever it belongs to (tokens and their scopes: tests/test_api.py).
    "api-token": set(),
}

ACCESS = {
    # Accounts: everyone may see and post the forms (logging out when not logged in is harmless).
    "auth.register": "public",
    "auth.register_post": "public",
    "auth.login": "public",
    "auth.login_post": "public",
    "auth.logout": "public",
    # Joining and the projector: whoever knows the code.
    "play.home": "public",
    "play.join": "public",
    "play.join_game": "public",
    "screen.show": "public",
    "screen.events": "public",
    # Media addresses are unguessable (id + a random part) and shown on the projector.
    "media.show": "public",
    # Operators; /metrics answers only this machine (the test client is 127.0.0.1), see test_http.py.
    "ops.healthz": "public",
    "ops.readyz": "public",
    "ops.prometheus": "public",
    # Authoring: the list and creating a quiz for any logged-in host, the rest only for the owner.
    "quizzes.index": "login",
    "quizzes.create_quiz": "login",
    "quizzes.edit": "host",
    "quizzes.update_quiz": "host",
    "quizzes.delete_quiz": "host",
    "quizzes.confirm_delete_quiz": "host",
    "quizzes.add_round": "host",
    "quizzes.update_round": "host",
    "quizzes.delete_round": "host",
    "quizzes.confirm_delete_round": "host",
    "quizzes.move_round": "host",
    "quizzes.new_question": "host",
    "quizzes.create_question": "host",
    "quizzes.edit_question": "host",
    "quizzes.update_question": "host",
    "quizzes.delete_question": "host",
    "quizzes.move_question": "host",
    "quizzes.duplicate_quiz": "host",
    # The bank holds only the host's own questions; a copy goes only into one of their rounds.
    "bank.search": "login",
    "bank.copy": "host",
    "answer_sheets.show": "host",
    "media.upload": "host",
    "media.remove": "host",
    # Quiz files: importing (a pending import is taken only by the host who uploaded it, anyone
    # else finds none) and the template for any host; a quiz's export only for its owner.
    "transfer.preview_import": "login",
    "transfer.create_import": "login",
    "transfer.template": "login",
    "transfer.export": "host",
    # The host console, its controls, teams, scores, audit, tie-breaks and stream.
    "host.create_game": "host",
    # Languages: a host's own (any logged-in host), a game's (its host, in the lobby).
    "languages.host_language": "login",
    "languages.game_language": "host",
    "host.console": "host",
    "host.control": "host",
    "host.confirm_end": "host",
    "host.pause": "host",
    "host.resume": "host",
    "host.scores_hidden": "host",
    "host.lobby_closed": "host",
    "host.audio": "host",
    "host.invite_marker": "host",
    "host.teams_page": "host",
    "host.add_paper_team": "host",
    "host.rename_team": "host",
    "host.kick_team": "host",
    "host.confirm_kick": "host",
    "host.merge_teams": "host",
    "host.confirm_merge": "host",
    "host.events": "host",
    "corrections.table": "host",
    "corrections.correct": "host",
    "corrections.fix_key": "host",
    "corrections.audit_log": "host",
    "results.page": "host",
    "results.csv_file": "host",
    "results.xlsx_file": "host",
    # Seasons: the list and a new season for any logged-in host; a season's league and putting a
    # game in a season only for the owner.
    "seasons.index": "login",
    "seasons.create": "login",
    "seasons.show": "host",
    "seasons.csv_file": "host",
    "seasons.xlsx_file": "host",
    "seasons.put_game": "host",
    # Analytics: a game's and a season's for their owner, across games for any host (their own
    # games only), the operator's page for operators.
    "analytics.game": "host",
    "analytics.season": "host",
    "analytics.across_games": "login",
    "analytics.operator": "operator",
    "tiebreak.start": "host",
    "tiebreak.close": "host",
    # Marking: the host or an invited marker; the marker link works for whoever holds its token.
    "marking.join": "anyone-with-token",
    "marking.queue": "marker",
    "marking.mark": "marker",
    "marking.undo": "marker",
    "marking.paper_score": "marker",
    "marking.events": "marker",
    # Playing: only a team of this game.
    "play.show": "team",
    "play.submit_answer": "team",
    "play.lock_answer": "team",
    "play.joker": "team",
    "play.play_joker": "team",
    "play.events": "team",
    "tiebreak.answer": "team",
    # API tokens: the page for any logged-in host, revoking only the owner's token.
    "api_tokens.index": "login",
    "api_tokens.create": "login",
    "api_tokens.revoke": "host",
    # The API's description is public; the API itself needs a token.
    "api.openapi": "public",
    "api.create_game": "api-token",
    "api.game_state": "api-token",
    "api.press": "api-token",
    "api.results": "api-token",
    "api.import_quiz": "api-token",
}

# The owning host goes last: its allowed request may delete or kick what the others need.
ROLES = ("anonymous", "other_team", "team", "other_host", "marker", "host")
METHODS = ("GET", "POST")


def png():
    """A real 1x1 PNG: signature, IHDR, IDAT (a zlib-compressed scanline), IEND."""

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
        + chunk(b"IEND", b"")
    )


@pytest.fixture
def world(app):
    """(the role -> browser mapping, the URL parameters) of the world described above."""
    app.config["OPERATORS"] = "a@example.org"
    host = HostActions(app)
    assert host.register("a@example.org").status_code == 303
    other_host = HostActions(app)
    assert other_host.register("b@example.org").status_code == 303

    quiz_id, (round_id,), ((choice_id, text_id),) = build_quiz(
        host, rounds=[Round("Round 1", [CHOICE, TEXT])]
    )
    uploaded = host.post(
        f"/questions/{choice_id}/media",
        {"file": (io.BytesIO(png()), "dot.png")},
        content_type="multipart/form-data",
    )
    assert uploaded.status_code == 303
    (media,) = query(app, "select id, secret from media")
    code = host.start_game(quiz_id)
    team = TeamActions(app)
    assert team.join(code, "Reds").status_code == 303

    other_code = other_host.start_game(other_host.create_quiz(questions=[CHOICE]))
    other_team = TeamActions(app)
    assert other_team.join(other_code, "Blues").status_code == 303

    assert host.post(f"/host/{code}/manage/marker").status_code == 303
    console = host.get(f"/host/{code}").get_data(as_text=True)
    token = re.search(r'href="[^"]*/mark/%s/join/([^"]+)"' % code, console).group(1)
    marker = Browser(app)
    assert marker.get(f"/mark/{code}/join/{token}").status_code == 303
    assert (
        host.post(f"/mark/{code}/{text_id}", {"answer_key": "beethoven", "verdict": "right"}).status_code
        == 303
    )
    (marking,) = query(app, "select id from marking")
    season = host.post("/seasons", {"name": "League", "scoring": "total"})
    assert season.status_code == 303
    scopes = ["games:control", "games:create", "results:read", "quizzes:import"]
    made = host.post("/account/api-tokens", {"name": "Deck", "scope": scopes}).get_data(as_text=True)
    (api_token,) = query(app, "select id from api_token")

    clients = {
        "anonymous": Browser(app),
        "team": team,
        "other_team": other_team,
        "host": host,
        "other_host": other_host,
        "marker": marker,
    }
    params = {
        "code": code,
        "quiz_id": quiz_id,
        "round_id": round_id,
        "question_id": text_id,
        "team_id": team_id(app, code, "Reds"),
        "marking_id": marking["id"],
        "action": "start",
        "token": token,
        "media_id": media["id"],
        "secret": media["secret"],
        "import_id": 1,
        "fmt": "csv",
        "season_id": int(season.headers["Location"].rsplit("/", 1)[1]),
        "token_id": api_token["id"],
        "api_token": re.search(r'value="(pq_[^"]+)"', made).group(1),  # host A's, for every scope
    }
    return clients, params


def denied(response):
    if response.status_code in (401, 403, 404):
        return True
    if response.status_code in (302, 303):
        path = urlsplit(response.headers["Location"]).path
        return path == "/login" or path.startswith("/join/")
    return False


def request_as(browser, method, path):
    response = browser.get(path) if method == "GET" else browser.post(path)
    response.close()  # a stream (SSE) that was allowed must not be read to its (never) end
    return response


def test_every_endpoint_has_an_access_rule(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()} - {"static"}
    missing = sorted(endpoints - ACCESS.keys())
    assert not missing, f"routes without an entry in ACCESS (decide who may use them): {missing}"
    stale = sorted(ACCESS.keys() - endpoints)
    assert not stale, f"ACCESS lists endpoints the app no longer has: {stale}"
    assert set(ACCESS.values()) <= RULES.keys()


@pytest.mark.parametrize("endpoint", sorted(ACCESS))
def test_access(app, world, endpoint):
    clients, params = world
    rules = [rule for rule in app.url_map.iter_rules() if rule.endpoint == endpoint]
    assert rules, f"{endpoint} is in ACCESS but not a route of the app"
    allowed = RULES[ACCESS[endpoint]]
    adapter = app.url_map.bind("localhost")
    problems, checked = [], 0
    for rule in rules:
        path = adapter.build(endpoint, {name: params[name] for name in rule.arguments})
        for method in METHODS:
            if method not in rule.methods:
                continue
            for role in ROLES:
                response = request_as(clients[role], method, path)
                checked += 1
                where = (
                    f"{method} {path} ({endpoint}, rule {ACCESS[endpoint]!r}) as {role}: "
                    f"{response.status_code} {response.headers.get('Location', '')}"
                )
                if response.status_code >= 500:
                    problems.append(f"{where}: a server error")
                elif role in allowed and denied(response):
                    problems.append(f"{where}: denied, should be allowed")
                elif role not in allowed and not denied(response):
                    problems.append(f"{where}: allowed, should be denied")
    assert checked, f"{endpoint} has no GET or POST route"
    assert not problems, "\n".join(problems)


def test_a_wrong_marker_token_is_refused_to_everyone(world):
    clients, params = world
    for role in ROLES:
        response = request_as(clients[role], "GET", f"/mark/{params['code']}/join/not-the-token")
        assert denied(response), f"a wrong marker token as {role}: {response.status_code}"


def everything(app):
    """A fingerprint of every row of every table (a table added later included): what a refused
    request must not change."""
    tables = [
        r["tablename"] for r in query(app, "select tablename from pg_tables where schemaname = 'public'")
    ]
    assert "answer" in tables
    return {
        table: query(
            app,
            f"select md5(coalesce(string_agg(t::text, '|' order by t::text), '')) as h from \"{table}\" t",
        )[0]["h"]
        for table in tables
    }


def test_every_state_changing_route_refuses_a_request_without_this_sessions_csrf_token(app, world):
    """A page on another site can make a logged-in browser post to any of our URLs: without the
    token of that browser's own session (none, or the attacker's own), every POST is refused and
    nothing changes, whoever the browser belongs to."""
    clients, params = world
    adapter = app.url_map.bind("localhost")
    attackers_token = csrf_token(clients["other_host"].client)
    before = everything(app)
    posts = [
        (rule.endpoint, adapter.build(rule.endpoint, {n: params[n] for n in rule.arguments}))
        for rule in app.url_map.iter_rules()
        # The API reads no cookie (a browser's cookies get it nowhere): tests/test_api.py.
        if rule.methods & {"POST", "PUT", "PATCH", "DELETE"} and rule.endpoint.split(".")[0] != "api"
    ]
    assert {"play.submit_answer", "host.control", "media.upload", "marking.mark", "auth.logout"} <= {
        endpoint for endpoint, _ in posts
    }
    problems = []
    for endpoint, path in posts:
        for role in ("host", "team", "marker"):
            for token in (None, attackers_token):
                data = {} if token is None else {"csrf_token": token}
                response = clients[role].client.post(path, data=data)
                if response.status_code != 400 or "did not come from this site" not in response.get_data(
                    as_text=True
                ):
                    problems.append(
                        f"POST {path} ({endpoint}) as {role}, "
                        f"token {'none' if token is None else 'foreign'}: {response.status_code}"
                    )
    assert not problems, "\n".join(problems)
    assert everything(app) == before
