"""Teams joining and answering, and how the game scores them, against the real database."""

import re

import pytest
from helpers import CHOICE, NUMERIC, TEXT
from night import build_quiz, query, text

from harness.quiz import Round
from pubquiz import db, games, snapshot

# The cache of game state and team identity lives in Redis when configured: both must behave alike.
pytestmark = pytest.mark.parametrize("backend", ["memory", "redis"], indirect=True)


def leaderboard(app, code):
    with app.app_context():
        return snapshot.load(db.one("game_by_code", code=code)["id"]).leaderboard


def _question_id(page):
    return int(re.search(r'name="question_id" value="(\d+)"', page).group(1))


def _open_first_question(host, code):
    host.act(code, "start")
    host.act(code, "open_question")


def test_join_and_come_back_as_the_same_team(host, new_team):
    code = host.start_game(host.create_quiz(questions=[CHOICE]))
    team = new_team()
    response = team.join(code.lower(), "  The   Quizzly Bears ")
    assert response.status_code == 303 and response.headers["Location"] == f"/play/{code}"
    page = team.get(f"/play/{code}").get_data(as_text=True)
    assert "The Quizzly Bears" in page and "You're in!" in page
    # The join link (QR code) takes a team that already joined straight back to its game.
    assert team.get(f"/join/{code}").headers["Location"] == f"/play/{code}"


def test_join_errors(host, new_team):
    code = host.start_game(host.create_quiz(questions=[CHOICE]))
    first = new_team()
    first.join(code, "Bears")
    team = new_team()
    cases = [
        ({"code": "ZZZZZZ", "name": "X"}, "There is no game with this code"),
        ({"code": "", "name": "X"}, "Enter the game code"),
        ({"code": code, "name": "   "}, "Team name is required"),
        ({"code": code, "name": "bears"}, "already joined"),
        ({"code": code, "name": "x" * 31}, "at most 30 characters"),
    ]
    for data, message in cases:
        response = team.post("/join", data)
        assert response.status_code == 422, data
        assert message in response.get_data(as_text=True), data


def test_ended_game_refuses_joins(host, new_team):
    code = host.start_game(host.create_quiz(questions=[CHOICE]))
    host.act(code, "end", confirm=True)
    response = new_team().join(code, "Late")
    assert "This game has ended" in response.get_data(as_text=True)


def test_unknown_game_page_sends_to_the_join_form_like_a_game_you_are_not_in(client):
    """The two must not be told apart (a code oracle); the form says what is wrong on joining."""
    response = client.get("/play/NOPE42")
    assert response.status_code == 303 and response.headers["Location"] == "/join/NOPE42"
    assert "NOPE42" in client.get("/join/NOPE42").get_data(as_text=True)


def test_answer_once_scored_at_close(app, host, new_team):
    code = host.start_game(host.create_quiz(questions=[CHOICE]))
    right, wrong, silent = new_team(), new_team(), new_team()
    right.join(code, "Right")
    wrong.join(code, "Wrong")
    silent.join(code, "Silent")
    _open_first_question(host, code)
    page = right.get(f"/play/{code}").get_data(as_text=True)
    question_id = _question_id(page)
    assert "Mars" in page and "Answer: " not in page  # the answer key is not shown before reveal

    locked = right.answer(code, question_id, htmx=True, choice="1")
    assert "Answer locked in: <strong>◆ B Mars</strong>" in locked.get_data(as_text=True)
    again = right.answer(code, question_id, htmx=True, choice="0")
    assert "locked in: it can no longer change" in again.get_data(as_text=True)
    assert wrong.answer(code, question_id, choice="0").status_code == 303

    host.act(code, "close_question")
    late = silent.answer(code, question_id, htmx=True, choice="1")
    assert "Too late" in late.get_data(as_text=True)
    host.act(code, "reveal")

    assert "Right! +2 points" in right.get(f"/play/{code}").get_data(as_text=True)
    assert "Not this time" in wrong.get(f"/play/{code}").get_data(as_text=True)
    assert "No answer from your team" in silent.get(f"/play/{code}").get_data(as_text=True)
    assert [(row["name"], row["total"]) for _, row in leaderboard(app, code)] == [
        ("Right", 2),
        ("Silent", 0),
        ("Wrong", 0),
    ]


def test_an_answer_retried_after_its_reply_was_lost_counts_once(app, host, new_team):
    """A phone on bad Wi-Fi times out waiting for the reply and sends the same answer again,
    perhaps after the question closed: the team sees it locked in, and it counts once."""
    code = host.start_game(host.create_quiz(questions=[CHOICE, dict(NUMERIC, prompt="How many?")]))
    team = new_team()
    team.join(code, "Flaky Wi-Fi")
    _open_first_question(host, code)
    question_id = _question_id(team.get(f"/play/{code}").get_data(as_text=True))
    assert "Answer locked in" in team.answer(code, question_id, htmx=True, choice="1").get_data(as_text=True)
    retry = team.answer(code, question_id, htmx=True, choice="1").get_data(as_text=True)
    assert "Answer locked in" in retry and "problem" not in retry
    assert team.answer(code, question_id, choice="1").status_code == 303  # without JavaScript too

    host.act(code, "close_question")
    late_retry = team.answer(code, question_id, htmx=True, choice="1").get_data(as_text=True)
    assert "Answer locked in" in late_retry and "Too late" not in late_retry
    other = team.answer(code, question_id, htmx=True, choice="2").get_data(as_text=True)
    assert "Too late" in other  # a different answer is not a retry
    with app.app_context():
        assert (
            db.one(
                "count_answers",
                game_id=games.by_code(code)["id"],
                game_created_at=games.created_at(games.by_code(code)),
                question_id=question_id,
            )["answered"]
            == 1
        )
    host.act(code, "reveal")
    assert "Right! +2 points" in team.get(f"/play/{code}").get_data(as_text=True)
    assert [(row["name"], row["total"]) for _, row in leaderboard(app, code)] == [("Flaky Wi-Fi", 2)]

    host.act(code, "show_leaderboard")
    host.act(code, "open_question")
    number_id = _question_id(team.get(f"/play/{code}").get_data(as_text=True))
    assert "Answer locked in" in team.answer(code, number_id, htmx=True, number="3,50").get_data(as_text=True)
    retry = team.answer(code, number_id, htmx=True, number="3.5").get_data(as_text=True)
    assert "Answer locked in" in retry and "problem" not in retry


def test_a_pause_stops_the_speed_bonus_clock(app, host, new_team):
    """Speed mode: a team answering just after a long pause was as quick on the clock as one that
    answered just before it, and gets the same bonus."""
    code = host.start_game(host.create_quiz(questions=[CHOICE], speed_bonus=True))
    before, after = new_team(), new_team()
    before.join(code, "Before")
    after.join(code, "After")
    _open_first_question(host, code)
    question_id = _question_id(before.get(f"/play/{code}").get_data(as_text=True))
    assert before.answer(code, question_id, choice="1").status_code == 303
    assert host.post(f"/host/{code}/manage/pause", {"version": host.version(code)}).status_code in (200, 303)
    with app.app_context():
        with db.transaction() as tx:  # the pause lasts 20 s: everything so far happened 20 s earlier
            tx.conn.execute(
                "update game set opened_at = opened_at - interval '20 s', deadline_at = deadline_at "
                "- interval '20 s', paused_at = paused_at - interval '20 s' where code = %s",
                (code,),
            )
            tx.conn.execute("update answer set submitted_at = submitted_at - interval '20 s'")
    assert host.post(f"/host/{code}/manage/resume", {"version": host.version(code)}).status_code in (200, 303)
    assert after.answer(code, question_id, choice="1").status_code == 303
    host.act(code, "close_question")
    totals = {row["name"]: row["total"] for _, row in leaderboard(app, code)}
    assert totals == {"Before": 3, "After": 3}  # 2 points and a bonus of 1 each


def test_text_and_numeric_answers(app, host, new_team):
    close = dict(NUMERIC, prompt="Closest wins")
    code = host.start_game(host.create_quiz(questions=[TEXT, close]))
    a, b = new_team(), new_team()
    a.join(code, "A")
    b.join(code, "B")
    _open_first_question(host, code)
    q1 = _question_id(a.get(f"/play/{code}").get_data(as_text=True))
    a.answer(code, q1, text="  beethoven! ")
    b.answer(code, q1, text="Mozart")
    for action in ("close_question", "reveal", "open_question"):
        host.act(code, action)
    q2 = _question_id(a.get(f"/play/{code}").get_data(as_text=True))
    bad = a.answer(code, q2, htmx=True, number="about 1970")
    assert "must be a number" in bad.get_data(as_text=True)
    a.answer(code, q2, number="1970")
    b.answer(code, q2, number="1,972")  # a comma is read as a decimal point: 1.972
    host.act(code, "close_question")
    assert {row["name"]: row["total"] for _, row in leaderboard(app, code)} == {"A": 1 + 3, "B": 0}


def test_deadline_refuses_late_answers_and_closes_once(app, host, new_team):
    code = host.start_game(host.create_quiz(questions=[dict(CHOICE, time_limit="5")]))
    team = new_team()
    team.join(code, "Slow")
    _open_first_question(host, code)
    question_id = _question_id(team.get(f"/play/{code}").get_data(as_text=True))
    with app.app_context():
        with db.transaction() as tx:  # the deadline passes (moved into the past, not waited for)
            tx.conn.execute(
                "update game set deadline_at = now() - interval '1 second' where code = %s", (code,)
            )
        late = team.answer(code, question_id, htmx=True, choice="1")
        assert "Too late" in late.get_data(as_text=True)
        game_id = db.one("game_by_code", code=code)["id"]
        assert [snap.game["id"] for snap in games.close_due()] == [game_id]
        assert [snap.game["id"] for snap in games.close_due()] == []  # exactly once
        row = db.one("game_by_id", id=game_id)
    assert row["phase"] == "closed"


def test_answer_needs_a_team_of_this_game(app, host, new_team):
    code = host.start_game(host.create_quiz(questions=[CHOICE]))
    other_code = host.start_game(host.create_quiz("Other", questions=[CHOICE]))
    stranger = new_team()
    stranger.join(other_code, "Stranger")
    _open_first_question(host, code)
    member = new_team()
    member.join(code, "Member")
    question_id = _question_id(member.get(f"/play/{code}").get_data(as_text=True))
    response = stranger.answer(code, question_id, choice="1")
    assert response.status_code == 303 and "/join/" in response.headers["Location"]
    assert stranger.get(f"/play/{code}/events").status_code == 404


def test_a_team_joining_mid_game_plays_the_current_question(host, new_team):
    code = host.start_game(host.create_quiz(questions=[CHOICE]))
    _open_first_question(host, code)
    late = new_team()
    late.join(code, "Latecomers")
    page = late.get(f"/play/{code}").get_data(as_text=True)
    assert "Which planet is red?" in page and 'name="choice"' in page
    assert late.answer(code, _question_id(page), choice="1").status_code == 303


def test_a_nul_character_gets_a_clear_message_not_a_500(host, new_team):
    """PostgreSQL text cannot hold NUL: found by the fuzzer as a 500 on joins and answers."""
    code = host.start_game(host.create_quiz(questions=[CHOICE]))
    team = new_team()
    refused = team.join(code, "x\x00nul")
    assert refused.status_code == 400
    assert "a character we cannot store" in refused.get_data(as_text=True)
    assert team.get("/play/AB%00CD").status_code == 400


@pytest.mark.parametrize("typed", ["ABC", "abc 12", "ABCDEFG"])
def test_a_code_of_the_wrong_length_says_codes_have_six_characters_once(host, new_team, typed):
    host.start_game(host.create_quiz(questions=[CHOICE]))
    response = new_team().post("/join", {"code": typed, "name": "Bears"})
    assert response.status_code == 422
    assert text(response).count("Codes have 6 characters.") == 1
    # The browser says the same before sending (the field's title), and refuses other lengths.
    page = response.get_data(as_text=True)
    field = re.search(r'<input id="code"[^>]*>', page).group(0)
    assert 'minlength="6"' in field and 'maxlength="6"' in field and 'pattern="' in field
    assert 'title="Codes have 6 characters."' in field


def test_an_error_page_says_its_message_once(new_team):
    response = new_team().get("/screen/ZZZZZZ")
    assert response.status_code == 404
    assert text(response).count("There is no game with this code") == 1


def test_a_refused_plain_form_answer_comes_back_to_the_game_page_with_the_message_once(host, new_team):
    """Without JavaScript a refusal is a redirect too: reloading the page sends nothing again."""
    code = host.start_game(host.create_quiz(questions=[CHOICE]))
    team = new_team()
    team.join(code, "Solo")
    _open_first_question(host, code)
    question_id = _question_id(team.get(f"/play/{code}").get_data(as_text=True))
    early = team.post(f"/play/{code}/lock", {"question_id": question_id})
    assert early.status_code == 303 and "no open pick to lock in" in text(team.get(f"/play/{code}"))
    assert team.answer(code, question_id, choice="1").headers["Location"] == f"/play/{code}"
    refused = team.answer(code, question_id, choice="0")
    assert refused.status_code == 303 and refused.headers["Location"] == f"/play/{code}"
    page = text(team.get(f"/play/{code}"))
    assert page.count("locked in: it can no longer change") == 1 and page.count("Answer locked in") == 1
    assert "it can no longer change" not in text(team.get(f"/play/{code}"))  # said once, not on every reload


def test_the_joker_is_played_only_once_confirmed(app, host, new_team):
    quiz_id, (pictures,), _ = build_quiz(host, rounds=[Round("Picture round", [CHOICE], joker=True)])
    code = host.start_game(quiz_id)
    team = new_team()
    team.join(code, "Jokers")
    page = team.get(f"/play/{code}").get_data(as_text=True)
    assert re.search(r'<form method="get" action="/play/%s/joker" class="joker-form">' % code, page)
    # Without JavaScript the joker's button opens a page that asks; it plays nothing yet.
    asked = team.get(f"/play/{code}/joker?round_id={pictures}")
    assert asked.status_code == 200
    assert "Play your joker on “ Picture round ”?" in text(asked) and "Cancel" in text(asked)
    assert query(app, "select * from joker") == []
    # A post that was not confirmed (an old page's form) is sent to ask first, and plays nothing.
    unconfirmed = team.post(f"/play/{code}/joker", {"round_id": str(pictures)})
    assert unconfirmed.status_code == 303
    assert unconfirmed.headers["Location"] == f"/play/{code}/joker?round_id={pictures}"
    assert query(app, "select * from joker") == []
    confirmed = team.post(f"/play/{code}/joker", {"round_id": str(pictures), "confirm": "yes"})
    assert confirmed.status_code == 303 and confirmed.headers["Location"] == f"/play/{code}"
    assert "Joker played on “Picture round”" in text(team.get(f"/play/{code}"))
    assert query(app, "select round_id from joker") == [{"round_id": pictures}]
    # Asking again once it is played: back to the game page, saying why.
    again = team.get(f"/play/{code}/joker?round_id={pictures}")
    assert again.status_code == 303 and "The joker can only be played once" in text(team.get(f"/play/{code}"))


def test_player_pages_have_no_host_links(host, new_team):
    code = host.start_game(host.create_quiz(questions=[CHOICE]))
    team = new_team()
    joining = text(team.get(f"/join/{code}"))
    assert "Host" not in joining and "log in" not in joining
    team.join(code, "Bears")
    playing = text(team.get(f"/play/{code}"))
    assert "Host" not in playing and "log in" not in playing and "My quizzes" not in playing
    # The home page keeps one small link for quiz masters, at the bottom.
    home = text(team.get("/"))
    assert "Host login" not in home and home.endswith("Quiz masters: log in")


# --- what a team sees of its own answer and standing ----------------------------------------


def _text(team, code):
    from night import text

    return text(team.get(f"/play/{code}"))


def test_a_team_sees_its_own_answer_when_closed_and_its_verdict_at_the_reveal(host, new_team):
    from helpers import Stream

    code = host.start_game(host.create_quiz(questions=[CHOICE, NUMERIC]))
    right, wrong = new_team(), new_team()
    right.join(code, "Right")
    wrong.join(code, "Wrong")
    _open_first_question(host, code)
    qid = _question_id(right.get(f"/play/{code}").get_data(as_text=True))
    right.answer(code, qid, choice="1")
    wrong.answer(code, qid, choice="2")
    assert "You said" not in _text(wrong, code)
    stream = Stream(wrong.get(f"/play/{code}/events?after=", buffered=False))
    stream.drain()
    start = len(stream.text)
    host.act(code, "close_question")
    # Pushed to the team's phones as the question closes, and there on a reload: no verdict yet.
    assert "You said <strong>C Jupiter</strong>" in stream.read_until("You said", start=start)
    page = _text(wrong, code)
    assert "You said C Jupiter" in page
    assert not any(word in page for word in ("✗", "✓", "the answer was", "Not this time", "Right!"))
    host.act(code, "reveal")
    assert "You said C Jupiter ✗ · the answer was B Mars" in _text(wrong, code)
    assert "You said B Mars ✓" in _text(right, code) and "the answer was" not in _text(right, code)
    host.act(code, "open_question")
    number_qid = _question_id(right.get(f"/play/{code}").get_data(as_text=True))
    right.answer(code, number_qid, number="1969")
    host.act(code, "close_question")
    assert "You said 1969" in _text(right, code)
    assert "No answer" not in _text(wrong, code) and "You said" not in _text(wrong, code)
    host.act(code, "reveal")
    assert "You said 1969 ✓" in _text(right, code)
    assert "No answer from your team" in _text(wrong, code)


def test_no_rank_before_the_reveal_or_before_any_points(host, new_team):
    code = host.start_game(host.create_quiz(questions=[CHOICE, CHOICE]))
    alpha, beta = new_team(), new_team()
    alpha.join(code, "Alpha")
    beta.join(code, "Beta")
    _open_first_question(host, code)
    qid = _question_id(alpha.get(f"/play/{code}").get_data(as_text=True))
    alpha.answer(code, qid, choice="0")  # wrong: nobody scores on the first question
    host.act(code, "close_question")
    host.act(code, "reveal")
    assert " of 2 with " not in _text(alpha, code)
    host.act(code, "open_question")
    qid = _question_id(alpha.get(f"/play/{code}").get_data(as_text=True))
    alpha.answer(code, qid, choice="1")
    assert " of 2 with " not in _text(alpha, code)
    host.act(code, "close_question")  # Alpha has its 2 points now, but nobody may know yet
    assert " of 2 with " not in _text(alpha, code) and " of 2 with " not in _text(beta, code)
    host.act(code, "reveal")
    assert "You're 1st of 2 with 2 points" in _text(alpha, code)
    assert "You're 2nd of 2 with 0 points" in _text(beta, code)


def test_the_final_screen_says_who_won(host, new_team):
    code = host.start_game(host.create_quiz(questions=[CHOICE]))
    phones = {}
    for name in ("Alpha", "Beta", "Gamma"):
        phones[name] = new_team()
        phones[name].join(code, name)
    _open_first_question(host, code)
    qid = _question_id(phones["Alpha"].get(f"/play/{code}").get_data(as_text=True))
    phones["Alpha"].answer(code, qid, choice="1")
    phones["Beta"].answer(code, qid, choice="1")
    host.act(code, "close_question")
    host.act(code, "reveal")
    host.act(code, "end")
    assert "You won — joint first! 2 points" in _text(phones["Alpha"], code)
    assert "You won — joint first!" in _text(phones["Beta"], code)
    assert "You came 3rd of 3 with 0 points" in _text(phones["Gamma"], code)


def test_a_sole_winner_is_told_so(host, new_team):
    code = host.start_game(host.create_quiz(questions=[CHOICE]))
    alpha, beta = new_team(), new_team()
    alpha.join(code, "Alpha")
    beta.join(code, "Beta")
    _open_first_question(host, code)
    alpha.answer(code, _question_id(alpha.get(f"/play/{code}").get_data(as_text=True)), choice="1")
    host.act(code, "close_question")
    host.act(code, "reveal")
    host.act(code, "end")
    assert "You won! 2 points" in _text(alpha, code) and "joint" not in _text(alpha, code)
    assert "You came 2nd of 2 with 0 points" in _text(beta, code)


def test_a_true_or_false_answer_is_said_in_words(host, new_team):
    statement = {
        "kind": "truefalse",
        "prompt": "The Moon is made of cheese.",
        "truth": "false",
        "time_limit": "30",
        "points": "1",
    }
    code = host.start_game(host.create_quiz(questions=[statement]))
    team = new_team()
    team.join(code, "Dreamers")
    _open_first_question(host, code)
    team.answer(code, _question_id(team.get(f"/play/{code}").get_data(as_text=True)), choice="0")
    host.act(code, "close_question")
    assert "You said True" in _text(team, code)
    host.act(code, "reveal")
    assert "You said True ✗ · the answer was False" in _text(team, code)


def test_error_pages_show_host_links_only_to_a_host(host, new_team):
    code = host.start_game(host.create_quiz(questions=[CHOICE]))
    phone = new_team()
    for path in ("/screen/NOPE22", "/nothing-here", f"/screen/{code}/nothing"):
        page = phone.get(path, follow_redirects=True)
        said = text(page)
        assert page.status_code in (403, 404) and "Back to the start" in said, path
        assert "Host login" not in said and "My quizzes" not in said, path
    assert "My quizzes" in text(host.get("/screen/NOPE22"))
