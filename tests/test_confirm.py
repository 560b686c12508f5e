"""Nothing destroys a night on one tap: ending a game early, deleting a quiz or a round, removing or
merging a team change nothing without confirm=1 and answer with a confirmation page that says what
will happen; the page's own button does it."""

import re

from helpers import CHOICE, NUMERIC, TEXT
from night import play, query, team_id, text


def _confirmation(host, response):
    """The confirmation page an unconfirmed POST leads to: (its path, its visible text)."""
    assert response.status_code == 303, response.get_data(as_text=True)
    path = response.headers["Location"]
    assert path.endswith("/confirm") or "/confirm?" in path, path
    page = host.get(path)
    assert page.status_code == 200
    return path, text(page)


def _fields(host, path):
    """The hidden fields the confirmation page's form posts."""
    page = host.get(path).get_data(as_text=True)
    form = re.search(
        r'class="confirm-actions">.*?<form method="post" action="([^"]+)"[^>]*>(.*?)</form>', page, re.S
    )
    fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', form.group(2)))
    fields.pop("csrf_token")
    return form.group(1), fields


def _phase(app, code):
    return query(app, "select phase from game where code = %s", code)[0]["phase"]


def test_ending_early_asks_first_and_the_page_ends_it(app, host, new_team):
    code = host.start_game(host.create_quiz(questions=[CHOICE, TEXT, NUMERIC, CHOICE]))
    new_team().join(code, "Bears")
    host.act(code, "start")
    play(host, code)

    path, page = _confirmation(host, host.act(code, "end"))
    assert _phase(app, code) == "reveal"
    assert "End the game now? 3 questions are left; the podium shows the scores so far." in page
    assert "Cancel" in page and "End the game" in page
    assert "Danger zone" in text(host.get(f"/host/{code}"))

    action, fields = _fields(host, path)
    assert fields["confirm"] == "1"
    assert host.post(action, fields).status_code == 303
    assert _phase(app, code) == "ended"


def test_an_unconfirmed_htmx_end_is_sent_to_the_confirmation_page(app, host):
    code = host.start_game(host.create_quiz(questions=[CHOICE, TEXT]))
    response = host.act(code, "end", htmx=True)
    assert response.headers["HX-Redirect"] == f"/host/{code}/end/confirm"
    assert _phase(app, code) == "lobby"
    assert "2 questions are left" in text(host.get(f"/host/{code}/end/confirm"))


def test_the_natural_end_needs_no_confirmation(app, host):
    code = host.start_game(host.create_quiz(questions=[CHOICE]))
    host.act(code, "start")
    play(host, code)
    console = text(host.get(f"/host/{code}"))
    assert "End the game" in console and "End the game early" not in console and "Danger zone" not in console
    assert host.act(code, "end").status_code == 303
    assert _phase(app, code) == "ended"


def test_deleting_a_quiz_asks_first(app, host):
    quiz_id = host.create_quiz("Friday", questions=[CHOICE, TEXT])
    host.start_game(quiz_id)
    path, page = _confirmation(host, host.post(f"/quizzes/{quiz_id}/delete"))
    assert query(app, "select count(*) as n from quiz")[0]["n"] == 1
    assert "Delete the quiz “Friday”?" in page
    assert (
        "The quiz, its 1 round, 2 questions and 1 game played with it (scores included) are deleted" in page
    )
    action, fields = _fields(host, path)
    assert host.post(action, fields).status_code == 303
    assert query(app, "select count(*) as n from quiz")[0]["n"] == 0


def test_deleting_a_round_asks_first(app, host):
    quiz_id = host.create_quiz("Friday", questions=[CHOICE])
    round_id = query(app, "select id from round where quiz_id = %s", quiz_id)[0]["id"]
    path, page = _confirmation(host, host.post(f"/rounds/{round_id}/delete"))
    assert query(app, "select count(*) as n from question")[0]["n"] == 1
    assert "Delete the round “Round 1”?" in page and "its 1 question are deleted for good" in page
    action, fields = _fields(host, path)
    host.post(action, fields)
    assert query(app, "select count(*) as n from round")[0]["n"] == 0


def test_removing_a_team_asks_first(app, host, new_team):
    code = host.start_game(host.create_quiz(questions=[CHOICE]))
    new_team().join(code, "Cheats")
    tid = team_id(app, code, "Cheats")
    path, page = _confirmation(host, host.post(f"/host/{code}/manage/teams/{tid}/kick"))
    assert query(app, "select kicked_at from team where id = %s", tid)[0]["kicked_at"] is None
    assert "Remove “Cheats”?" in page and "sent back to the join page" in page
    action, fields = _fields(host, path)
    host.post(action, fields)
    assert query(app, "select kicked_at from team where id = %s", tid)[0]["kicked_at"] is not None


def test_merging_asks_first(app, host, new_team):
    code = host.start_game(host.create_quiz(questions=[CHOICE]))
    new_team().join(code, "Bears")
    new_team().join(code, "Bears 2")
    dup, bears = team_id(app, code, "Bears 2"), team_id(app, code, "Bears")
    path, page = _confirmation(host, host.post(f"/host/{code}/manage/merge", {"from": dup, "into": bears}))
    assert query(app, "select count(*) as n from team")[0]["n"] == 2
    assert "Merge “Bears 2” into “Bears”?" in page
    action, fields = _fields(host, path)
    assert fields["from"] == str(dup) and fields["into"] == str(bears)
    host.post(action, fields)
    assert [r["name"] for r in query(app, "select name from team")] == ["Bears"]


def test_a_confirmation_page_for_nonsense_says_so(app, host, new_team):
    code = host.start_game(host.create_quiz(questions=[CHOICE]))
    refused = host.get(f"/host/{code}/manage/merge/confirm?from=1&into=x")
    assert refused.status_code == 303
    assert "Choose another team of this game" in text(host.get(refused.headers["Location"]))
    assert host.get(f"/host/{code}/manage/teams/999/kick/confirm").status_code == 404
    host.act(code, "end", confirm=True)
    over = host.get(f"/host/{code}/end/confirm")
    assert over.status_code == 303 and "The game is over already" in text(host.get(over.headers["Location"]))
