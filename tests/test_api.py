"""The JSON API as an integration (a Stream Deck / Bitfocus Companion button, a script) uses it:
a token made on the host's page, a game started, driven with "next" and "reveal" through the
console's own transitions (the same publish, audit and scores), results read, a quiz imported.
Tokens: revoked, scoped, another host's game, hashed at rest, rate-limited per token."""

import io
import json
import re

import pytest
from helpers import CHOICE, Stream, app_with_environment
from night import game_id, query, text, visible

from pubquiz import quizfile

ALL_SCOPES = ("games:control", "games:create", "results:read", "quizzes:import")


def make_token(host, *scopes, name="Stream Deck"):
    """A token made as the host makes one, on the tokens page: its text, shown once."""
    page = host.post("/account/api-tokens", {"name": name, "scope": list(scopes)})
    assert page.status_code == 200, text(page)
    return re.search(r'value="(pq_[^"]+)"', page.get_data(as_text=True)).group(1)


class Api:
    """An integration: its own HTTP client, no cookies of anyone's, the token in a header."""

    def __init__(self, app, token):
        self.client = app.test_client()
        self.headers = {"Authorization": f"Bearer {token}"}

    def get(self, path):
        return self.client.get(path, headers=self.headers)

    def post(self, path, **kwargs):
        return self.client.post(path, headers=self.headers, **kwargs)

    def press(self, code, action):
        return self.post(f"/api/v1/games/{code}/actions/{action}")


def test_a_companion_button_runs_a_question_from_the_lobby_to_the_podium(app, host, new_team):
    api = Api(app, make_token(host, *ALL_SCOPES))
    quiz_id = host.create_quiz(questions=[CHOICE])
    created = api.post("/api/v1/games", json={"quiz_id": quiz_id, "venue": "  The Red   Lion "})
    assert created.status_code == 201, created.json
    game = created.json
    code = game["code"]
    assert (game["phase"], game["venue"], game["next"], game["actions"]) == (
        "lobby",
        "The Red Lion",
        "Start the quiz",
        ["next"],
    )
    assert game["urls"]["join"] == f"http://localhost/join/{code}"
    mars, venus = new_team(), new_team()
    assert mars.join(code, "Mars").status_code == 303
    assert venus.join(code, "Venus").status_code == 303
    with app.app_context():
        before = app.extensions["bus"].last_id(game_id(app, code))

    assert api.press(code, "next").json["phase"] == "intro"
    opened = api.press(code, "next").json
    assert (opened["phase"], opened["question"], opened["actions"]) == ("question", 1, ["next", "pause"])
    assert 25 < opened["seconds_left"] <= 30  # the question's deadline runs, as from the console
    (question_id,) = [
        r["question_id"] for r in query(app, "select question_id from game where code = %s", code)
    ]
    assert mars.answer(code, question_id, choice="1").status_code == 303
    assert venus.answer(code, question_id, choice="0").status_code == 303
    early = api.press(code, "reveal")
    assert early.status_code == 409
    assert early.json == {"error": "“Reveal answer” is not possible now (the game is at question)."}
    assert api.press(code, "next").json["phase"] == "closed"
    revealed = api.press(code, "reveal").json
    assert (revealed["phase"], revealed["next"]) == ("reveal", "Show leaderboard")

    # The projector and the phones were pushed every change, as after a console click.
    screen = Stream(venus.get(f"/screen/{code}/events", headers={"Last-Event-ID": before}, buffered=False))
    seen = screen.read_until('data-phase="reveal"')
    assert (
        seen.index('data-phase="intro"')
        < seen.index("Which planet is red?")
        < seen.index('data-phase="reveal"')
    )
    screen.close()
    phone = Stream(mars.get(f"/play/{code}/events", headers={"Last-Event-ID": before}, buffered=False))
    assert "You said B Mars ✓" in visible(phone.read_until("✓"))
    phone.close()

    standings = api.get(f"/api/v1/games/{code}/results").json
    assert standings["final"] is False
    assert [(t["rank"], t["team"], t["rounds"], t["total"]) for t in standings["teams"]] == [
        (1, "Mars", [2], 2),
        (2, "Venus", [0], 0),
    ]
    assert api.press(code, "next").json["phase"] == "leaderboard"
    ended = api.press(code, "next").json  # the last answer was revealed: "next" ends the game
    assert (ended["phase"], ended["actions"], ended["next"]) == ("ended", [], None)
    refused = api.press(code, "next")
    assert refused.status_code == 409 and "nothing next" in refused.json["error"]
    assert api.get(f"/api/v1/games/{code}/results").json["final"] is True

    # The audit log names the token, action by action, as the console's clicks are logged.
    log = query(app, "select actor, action from audit where game_id = %s order by id", game_id(app, code))
    assert [row["action"] for row in log] == ["start", "open", "close", "reveal", "show leaderboard", "end"]
    assert {row["actor"] for row in log} == {"host@example.org (API token “Stream Deck”)"}
    console = text(host.get(f"/host/{code}"))
    assert "Game over" in console


def test_pause_and_resume_move_the_deadline_as_the_console_does(app, host):
    api = Api(app, make_token(host, "games:control", "games:create"))
    code = api.post("/api/v1/games", json={"quiz_id": host.create_quiz(questions=[CHOICE])}).json["code"]
    api.press(code, "next")
    api.press(code, "next")
    paused = api.press(code, "pause").json
    assert (paused["paused"], paused["actions"]) == (True, ["resume"])
    assert api.press(code, "next").status_code == 409  # a paused game does not move
    assert api.press(code, "pause").json == {"error": "The game is already paused."}
    resumed = api.press(code, "resume").json
    assert resumed["paused"] is False and resumed["seconds_left"] > 25
    assert "Paused" not in text(host.get(f"/host/{code}"))


def test_a_revoked_token_is_refused_at_once(app, host):
    token = make_token(host, "games:control")
    api = Api(app, token)
    code = host.start_game(host.create_quiz(questions=[CHOICE]))
    assert api.get(f"/api/v1/games/{code}").status_code == 200
    page = host.get("/account/api-tokens").get_data(as_text=True)
    revoke = re.search(r'action="(/account/api-tokens/\d+/revoke)"', page).group(1)
    assert host.post(revoke).status_code == 303
    refused = api.press(code, "next")
    assert refused.status_code == 401
    assert refused.headers["WWW-Authenticate"].startswith("Bearer")
    assert refused.mimetype == "application/json" and "token" in refused.json["error"]
    assert query(app, "select phase from game where code = %s", code)[0]["phase"] == "lobby"
    assert "revoked" in text(host.get("/account/api-tokens"))


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer pq_not-a-token", "Basic cHE6cHE=", "pq_x"])
def test_no_token_or_a_wrong_one_is_a_401_in_json(app, host, header):
    code = host.start_game(host.create_quiz(questions=[CHOICE]))
    response = app.test_client().get(
        f"/api/v1/games/{code}", headers={"Authorization": header} if header else {}
    )
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="pubquiz"'
    assert set(response.json) == {"error"}


def test_a_token_without_the_scope_is_refused_and_changes_nothing(app, host):
    reader = Api(app, make_token(host, "results:read"))
    code = host.start_game(host.create_quiz(questions=[CHOICE]))
    refused = reader.press(code, "next")
    assert refused.status_code == 403
    assert refused.json == {"error": "This token lacks the scope games:control."}
    assert reader.post("/api/v1/quizzes", data=quizfile.TEMPLATES["csv"]()).status_code == 403
    assert reader.post("/api/v1/games", json={"quiz_id": 1}).status_code == 403
    assert query(app, "select phase from game where code = %s", code)[0]["phase"] == "lobby"
    assert reader.get(f"/api/v1/games/{code}/results").status_code == 200


def test_a_token_of_one_host_finds_none_of_another_hosts_games_or_quizzes(app, host):
    from helpers import HostActions

    other = HostActions(app)
    assert other.register("b@example.org").status_code == 303
    their_quiz = other.create_quiz(questions=[CHOICE])
    their_code = other.start_game(their_quiz)
    api = Api(app, make_token(host, *ALL_SCOPES))
    for response in (
        api.get(f"/api/v1/games/{their_code}"),
        api.press(their_code, "next"),
        api.get(f"/api/v1/games/{their_code}/results"),
        api.get("/api/v1/games/NOSUCH"),
    ):
        assert response.status_code == 404
        assert response.mimetype == "application/json" and response.json["error"]
    assert api.post("/api/v1/games", json={"quiz_id": their_quiz}).json == {
        "error": "You have no quiz with this id.",
        "field": "quiz_id",
    }
    assert query(app, "select phase from game where code = %s", their_code)[0]["phase"] == "lobby"
    assert query(app, "select count(*) as n from game")[0]["n"] == 1


def test_a_game_made_through_the_api_speaks_its_hosts_language(app, host, new_team):
    assert host.post("/account/language", {"language": "de"}).status_code == 303
    api = Api(app, make_token(host, "games:create"))
    code = api.post("/api/v1/games", json={"quiz_id": host.create_quiz(questions=[CHOICE])}).json["code"]
    team = new_team()
    team.join(code, "Mars")
    assert '<html lang="de">' in team.get(f"/play/{code}").get_data(as_text=True)


def test_the_database_holds_a_tokens_hash_never_its_text(app, host):
    token = make_token(host, "games:control")
    secret = token.removeprefix("pq_")
    tables = [
        r["tablename"] for r in query(app, "select tablename from pg_tables where schemaname = 'public'")
    ]
    assert "api_token" in tables
    for table in tables:
        rows = query(app, f"select coalesce(string_agg(t::text, '|'), '') as dump from \"{table}\" t")
        assert secret[:16] not in rows[0]["dump"], f"the token's text is in table {table}"
    (row,) = query(app, "select name, scopes, token_hash from api_token")
    assert row["name"] == "Stream Deck" and row["scopes"] == ["games:control"]
    import hashlib

    assert row["token_hash"] == hashlib.sha256(token.encode()).hexdigest()


def test_a_browser_logged_in_as_the_host_gets_nowhere_without_a_token(app, host):
    """The API takes no CSRF token because it reads no cookie: the host's own logged-in browser
    (what a page on another site would make post) is refused and changes nothing."""
    code = host.start_game(host.create_quiz(questions=[CHOICE]))
    for response in (
        host.client.post(f"/api/v1/games/{code}/actions/next"),
        host.post(f"/api/v1/games/{code}/actions/next"),  # with the session's CSRF token too
        host.client.post("/api/v1/games", json={"quiz_id": 1}),
    ):
        assert response.status_code == 401
    assert query(app, "select phase from game where code = %s", code)[0]["phase"] == "lobby"


@pytest.mark.parametrize(
    "body, field, status",
    [
        ({}, "quiz_id", 422),
        ({"quiz_id": "1"}, "quiz_id", 422),
        ({"quiz_id": True}, "quiz_id", 422),
        ({"quiz_id": 0}, "quiz_id", 422),
        ({"quiz_id": 2**70}, "quiz_id", 422),
        ({"quiz_id": "QUIZ", "venue": 5}, "quiz_id", 422),
        ({"quiz_id": None, "venue": "x" * 121}, "quiz_id", 422),
        ({"quiz_id": "own", "venue": "x" * 121}, "venue", 422),
        ({"quiz_id": "own", "venue": 12}, "venue", 422),
        ({"quiz_id": "own", "venue": "The \x00 Arms"}, "venue", 422),
        ([1, 2], "body", 400),
        ("not json", "body", 400),
    ],
)
def test_bad_input_to_a_new_game_is_a_json_error_naming_the_field(app, host, body, field, status):
    api = Api(app, make_token(host, "games:create"))
    quiz_id = host.create_quiz(questions=[CHOICE])
    if isinstance(body, dict) and body.get("quiz_id") == "own":
        body = dict(body, quiz_id=quiz_id)
    if body == "not json":
        response = api.post("/api/v1/games", data="quiz_id=1", content_type="application/json")
    else:
        response = api.post("/api/v1/games", json=body)
    assert response.status_code == status
    assert response.json["field"] == field and response.json["error"]
    assert query(app, "select count(*) as n from game")[0]["n"] == 0


def test_a_quiz_file_imports_as_the_body_or_an_upload_and_its_problems_come_back_as_json(app, host):
    api = Api(app, make_token(host, "quizzes:import", "games:create"))
    sheet = quizfile.TEMPLATES["csv"]()
    raw = api.post("/api/v1/quizzes", data=sheet, content_type="text/csv")
    assert raw.status_code == 201, raw.json
    assert raw.json["questions"] > 0 and raw.json["url"].endswith(f"/quizzes/{raw.json['id']}")
    uploaded = api.post(
        "/api/v1/quizzes",
        data={"file": (io.BytesIO(sheet), "friday_night.csv")},
        content_type="multipart/form-data",
    )
    assert uploaded.status_code == 201 and uploaded.json["title"] == "friday night"
    exported = host.get(f"/quizzes/{uploaded.json['id']}/export.json").get_data()
    again = api.post("/api/v1/quizzes", data=exported, content_type="application/json")
    assert again.status_code == 201 and again.json["questions"] == raw.json["questions"]
    game = api.post("/api/v1/games", json={"quiz_id": again.json["id"]})
    assert game.status_code == 201 and game.json["quiz"]["title"] == "friday night"

    broken = sheet.decode().replace("Mars", "", 1).encode() + b"not,a,row,we,know\r\n"
    problems = api.post("/api/v1/quizzes", data=broken, content_type="text/csv")
    assert problems.status_code == 422
    assert problems.json["field"] == "file" and problems.json["problems"]
    # The same problems the import page lists, word for word.
    page = host.post(
        "/quizzes/import", {"file": (io.BytesIO(broken), "x.csv")}, content_type="multipart/form-data"
    )
    for problem in problems.json["problems"]:
        assert problem in text(page)
    assert query(app, "select count(*) as n from quiz")[0]["n"] == 3
    assert api.post("/api/v1/quizzes", data=b"").json["field"] == "file"


def test_requests_are_limited_per_token(request, monkeypatch):
    app = app_with_environment(request, monkeypatch, PUBQUIZ_LIMIT_API="3 per minute")
    from helpers import HostActions

    host = HostActions(app)
    assert host.register().status_code == 303
    code = host.start_game(host.create_quiz(questions=[CHOICE]))
    scopes = ("games:control", "results:read")
    busy, other = Api(app, make_token(host, *scopes)), Api(app, make_token(host, *scopes))
    # One budget for all the routes: pressing, reading the state, reading the results.
    assert busy.press(code, "next").status_code == 200
    assert busy.get(f"/api/v1/games/{code}").status_code == 200
    assert busy.get(f"/api/v1/games/{code}/results").status_code == 200
    assert busy.press(code, "next").status_code == 429
    assert query(app, "select phase from game where code = %s", code)[0]["phase"] == "intro"
    limited = busy.get(f"/api/v1/games/{code}")
    assert limited.mimetype == "application/json" and "Wait a minute" in limited.json["error"]
    assert other.get(f"/api/v1/games/{code}").status_code == 200  # another token has its own budget


def test_the_openapi_document_describes_exactly_the_api_routes(app, client):
    served = client.get("/api/openapi.json")
    assert served.status_code == 200 and served.json["openapi"].startswith("3.1")
    documented = {
        (path, method.upper()) for path, operations in served.json["paths"].items() for method in operations
    }
    routes = {
        (re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule), method)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert routes and documented == routes
    assert json.loads(served.get_data()) == served.json


def test_the_tokens_page_refuses_a_token_without_a_name_or_a_scope(app, host):
    nameless = host.post("/account/api-tokens", {"name": " ", "scope": "games:control"})
    assert nameless.status_code == 422 and "Token name is required." in text(nameless)
    scopeless = host.post("/account/api-tokens", {"name": "Deck"})
    assert scopeless.status_code == 422 and "Tick what the token may do" in text(scopeless)
    unknown = host.post("/account/api-tokens", {"name": "Deck", "scope": ["games:control", "admin"]})
    assert unknown.status_code == 422
    assert query(app, "select count(*) as n from api_token")[0]["n"] == 0
    made = host.post("/account/api-tokens", {"name": "Deck", "scope": "results:read"})
    assert "shown only this once" in text(made)
    assert "pq_" not in host.get("/account/api-tokens").get_data(as_text=True)  # never again


def test_a_tokens_wrong_game_codes_spend_the_look_up_budget_of_its_address(app, host):
    """The API is no way around the budget for guessing join codes (tests/test_limits.py)."""
    app.config["LIMIT_LOOKUP"] = "2 per minute"
    api = Api(app, make_token(host, "games:control"))
    answers = [api.get(f"/api/v1/games/ZZZZ{number:02d}").status_code for number in range(3)]
    assert answers == [404, 404, 429]
    assert app.test_client().get("/screen/YYYYYY").status_code == 429  # the same address's budget
