"""A game speaks its own language on its phones and projector, whatever the host's or a phone's
browser speaks; the host's pages speak the host's; the join page, before a game, the browser's."""

import io
from decimal import Decimal

import pytest
from flask_babel import force_locale
from helpers import CHOICE
from night import game_id, play, team_id, text, visible

from pubquiz import quizfile, templating
from pubquiz.events import START


def _start(host, quiz_id, language):
    response = host.post(f"/quizzes/{quiz_id}/games", {"language": language})
    assert response.status_code == 303
    return response.headers["Location"].rsplit("/", 1)[1]


def _latest_parts(app, code):
    with app.app_context():
        events = app.extensions["bus"].since(game_id(app, code), START)
    return next(event.parts for event in reversed(events) if set(event.parts) != {"host", "screen"})


@pytest.mark.parametrize("backend", ["memory", "redis"], indirect=True)
def test_a_german_game_speaks_german_on_phones_and_projector_and_english_on_the_console(app, host, new_team):
    code = _start(host, host.create_quiz(questions=[CHOICE]), "de")
    mars, venus = new_team(), new_team()
    # A phone set to English still reads the game's German.
    mars.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en-GB,en;q=0.9"
    mars.join(code, "Mars")
    venus.join(code, "Venus")
    phone = mars.get(f"/play/{code}").get_data(as_text=True)
    assert '<html lang="de">' in phone
    assert "Ihr seid dabei!" in visible(phone)
    assert "Scannt den Code oder tippt ihn ein" in text(host.get(f"/screen/{code}"))
    console = host.get(f"/host/{code}").get_data(as_text=True)
    assert '<html lang="en">' in console and "Lobby: waiting for teams" in visible(console)

    host.act(code, "start")
    opened = play(host, code, {mars: {"choice": "1"}, venus: {"choice": "0"}})
    assert opened
    parts = _latest_parts(app, code)
    assert "Runde 1 · Frage 1 von 1" in visible(parts["player"])
    assert "Reveal answer" not in visible(parts["host"]) and "Show leaderboard" in visible(parts["host"])
    mine = visible(parts["team:%d" % team_id(app, code, "Mars")])
    assert "Richtig! +2 Punkte" in mine
    assert "Ihr seid 1. von 2 mit 2 Punkten" in mine
    theirs = visible(parts["team:%d" % team_id(app, code, "Venus")])
    assert "Diesmal nicht" in theirs and "Ihr seid 2. von 2 mit 0 Punkten" in theirs


def test_the_join_page_follows_the_browser_until_a_game_is_chosen(app, host, client):
    page = client.get("/", headers={"Accept-Language": "nl-BE,nl;q=0.9,en;q=0.5"}).get_data(as_text=True)
    assert '<html lang="nl">' in page and "Meedoen met een quiz" in visible(page)
    assert "Join a quiz" in text(client.get("/", headers={"Accept-Language": "es, ja"}))
    code = _start(host, host.create_quiz(questions=[CHOICE]), "fr")
    joining = client.get(f"/join/{code}", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert '<html lang="fr">' in joining and "Rejoindre un quiz" in visible(joining)
    refused = client.post("/join", data={"code": code, "name": ""}, headers={"Accept-Language": "de"})
    assert refused.status_code in (400, 422)


def test_the_host_changes_the_games_language_in_the_lobby_only(app, host, new_team):
    code = _start(host, host.create_quiz(questions=[CHOICE]), "de")
    team = new_team()
    team.join(code, "Mars")
    assert host.post(f"/host/{code}/manage/language", {"language": "fr"}).status_code == 303
    assert "Vous êtes inscrits !" in text(team.get(f"/play/{code}"))
    assert "Scannez le code" in text(host.get(f"/screen/{code}"))
    host.act(code, "start")
    refused = host.post(f"/host/{code}/manage/language", {"language": "nl"}, htmx=True)
    assert "only change in the lobby" in visible(refused.get_data(as_text=True))
    assert "Manche 1" in text(team.get(f"/play/{code}"))
    assert host.post(f"/host/{code}/manage/language", {"language": "xx"}).status_code == 400


def test_a_hosts_own_pages_follow_the_hosts_choice_not_its_games(app, host):
    code = _start(host, host.create_quiz(questions=[CHOICE]), "fr")
    assert host.post("/account/language", {"language": "de"}).status_code == 303
    assert "Meine Quizze" in text(host.get("/quizzes"))
    assert '<html lang="de">' in host.get(f"/host/{code}").get_data(as_text=True)
    assert "Lobby: warten auf Teams" in text(host.get(f"/host/{code}"))
    # A game started now gets the host's language unless the form names another.
    assert host.post(f"/quizzes/{host.create_quiz(questions=[CHOICE])}/games").status_code == 303


@pytest.mark.parametrize(
    ("language", "value", "said", "place"),
    [
        ("en", "7.5", "7½ points", "3rd"),
        ("de", "7.5", "7,5 Punkte", "3."),
        ("nl", "7.5", "7,5 punten", "3e"),
        ("fr", "1.5", "1,5 point", "3e"),
        ("fr", "0.5", "0,5 point", "3e"),
        ("de", "1", "1 Punkt", "3."),
        ("de", "-1.5", "−1,5 Punkte", "3."),
        ("en", "0.5", "½ point", "3rd"),
    ],
)
def test_points_and_places_are_said_as_the_language_says_them(app, language, value, said, place):
    with app.test_request_context("/"), force_locale(language):
        assert templating.points_said(Decimal(value)) == said
        assert templating.ordinal(3) == place
    with app.test_request_context("/"), force_locale("fr"):
        assert templating.ordinal(1) == "1er"
    with app.test_request_context("/"), force_locale("de"):
        assert templating.number(Decimal("3.25")) == "3,25" and templating.number(1969) == "1969"


def test_a_true_or_false_question_says_true_and_false_in_the_games_language(app, host, new_team):
    statement = {"kind": "truefalse", "prompt": "Köln liegt am Rhein.", "truth": "true", "time_limit": "30"}
    code = _start(host, host.create_quiz(questions=[dict(statement, points="1")]), "de")
    team = new_team()
    team.join(code, "Domspatzen")
    host.act(code, "start")
    play(host, code, {team: {"choice": "0"}})
    phone = text(team.get(f"/play/{code}"))
    assert "Antwort: A: Wahr" in phone and "Eure Antwort: Wahr ✓" in phone
    assert "True" not in phone


def test_a_german_hosts_import_problems_are_in_german_and_the_command_lines_in_english(app, host):
    assert host.post("/account/language", {"language": "de"}).status_code == 303
    bad = host.post(
        "/quizzes/import",
        {"file": (io.BytesIO(b"round,question\nMusic,Who?\n"), "quiz.csv")},
        content_type="multipart/form-data",
    )
    page = text(bad)
    assert "Nichts wurde importiert" in page
    assert "Zeile 1: die erste Zeile nennt die Spalten" in page
    with app.app_context():  # no request: what `pubquiz quiz import` prints
        _, problems = quizfile.read(b"round,question\nMusic,Who?\n", "quiz.csv")
    assert problems[0].startswith("row 1: the first row names the columns")


def test_a_german_hosts_analytics_and_api_tokens_pages_read_german(app, host, new_team):
    assert host.post("/account/language", {"language": "de"}).status_code == 303
    code = _start(host, host.create_quiz(questions=[CHOICE]), "de")
    team = new_team()
    team.join(code, "Mars")
    host.act(code, "start")
    play(host, code, {team: {"choice": "1"}})
    page = text(host.get(f"/host/{code}/analytics"))
    assert "So lief das Spiel" in page and "% richtig pro Frage" in page and "1 von 1" in page
    assert "Wie lange die Teams zum Antworten brauchten" in page  # the chart's own title
    refused = host.get("/analytics?from=banana")
    assert refused.status_code == 400
    assert "Auswertung über deine Spiele" in text(refused)
    assert "„Von“ muss ein Datum wie 2026-03-31 sein, nicht „banana“." in text(refused)

    tokens = text(host.get("/account/api-tokens"))
    assert "API-Tokens" in tokens and "Ein Spiel steuern" in tokens and "Noch keine Tokens." in tokens
    refused = host.post("/account/api-tokens", {"name": "Stream Deck"})
    assert refused.status_code == 422
    assert "Kreuze an, was das Token darf (mindestens eines)." in text(refused)


def test_a_french_operators_dashboard_reads_french(app, host):
    app.config["OPERATORS"] = "host@example.org"
    assert host.post("/account/language", {"language": "fr"}).status_code == 303
    page = text(host.get("/operator"))
    assert "Tableau de bord de l’exploitant" in page and "Parties lancées par jour" in page
    refused = host.get("/operator?to=2026-13-01")
    assert refused.status_code == 400
    assert "« Au » doit être une date comme 2026-03-31, pas « 2026-13-01 »." in text(refused)
