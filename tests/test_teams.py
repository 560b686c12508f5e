"""Teams on several phones (PIN, team link, picks and lock-in, the captain), and the host's team
management (rename, safe name, kick, merge, paper teams, pause), against the real database."""

import html
import re
from datetime import timedelta

import pytest
from helpers import CHOICE, TEXT, Stream
from night import build_quiz, game_id, leaderboard, play, query, question_id, team_id, text, totals, visible

from harness.quiz import Round
from pubquiz import games

pytestmark = pytest.mark.parametrize("backend", ["memory", "redis"], indirect=True)

PIN_MESSAGE = "A team with this name has already joined. If it is yours, enter the team PIN"


def _pin(app, code, name):
    return query(app, "select pin from team where id = %s", team_id(app, code, name))[0]["pin"]


def _members(app, code, name):
    return query(
        app, "select id, captain from member where team_id = %s order by id", team_id(app, code, name)
    )


def _team_of_two(app, host, new_team, code, name="Bears"):
    captain, second = new_team(), new_team()
    assert captain.join(code, name).status_code == 303
    joined = second.post("/join", {"code": code, "name": name.lower(), "pin": _pin(app, code, name)})
    assert joined.status_code == 303 and joined.headers["Location"] == f"/play/{code}"
    return captain, second


# --- joining a team that is already in ------------------------------------------------------


def test_a_second_phone_joins_its_team_with_the_pin(app, host, new_team):
    code = host.start_game(host.create_quiz(questions=[CHOICE]))
    first, second = _team_of_two(app, host, new_team, code)
    pin = _pin(app, code, "Bears")
    assert re.fullmatch(r"\d{4}", pin)
    pages = [text(phone.get(f"/play/{code}")) for phone in (first, second)]
    for page in pages:
        assert "Bears" in page and pin in page and "You're in!" in page
    assert [m["captain"] for m in _members(app, code, "Bears")] == [True, False]
    assert query(app, "select count(*) as n from team where game_id = %s", game_id(app, code))[0]["n"] == 1
    # The host and the projector see one team, not two.
    assert "1 team" in text(host.get(f"/host/{code}"))
    assert [name for _, name, _ in leaderboard(app, code)] == ["Bears"]


@pytest.mark.parametrize("pin", ["", None])
def test_joining_a_taken_name_without_the_pin_is_refused(app, host, new_team, pin):
    code = host.start_game(host.create_quiz(questions=[CHOICE]))
    new_team().join(code, "Bears")
    fields = {"code": code, "name": "BEARS"}
    if pin is not None:
        fields["pin"] = pin
    response = new_team().post("/join", fields)
    assert response.status_code == 422
    assert PIN_MESSAGE in text(response)
    assert len(_members(app, code, "Bears")) == 1


def test_a_wrong_pin_is_refused_with_the_clear_message(app, host, new_team):
    code = host.start_game(host.create_quiz(questions=[CHOICE]))
    new_team().join(code, "Bears")
    right = _pin(app, code, "Bears")
    wrong = "%04d" % ((int(right) + 1) % 10000)
    phone = new_team()
    response = phone.post("/join", {"code": code, "name": "Bears", "pin": wrong})
    assert response.status_code == 422
    assert PIN_MESSAGE in text(response)
    assert phone.get(f"/play/{code}").headers["Location"] == f"/join/{code}"  # not in the team
    assert len(_members(app, code, "Bears")) == 1


@pytest.mark.parametrize("pin", ["123", "12345", "12a4", "abcd", "１２３４"])
def test_a_pin_that_is_not_four_digits_is_refused(app, host, new_team, pin):
    code = host.start_game(host.create_quiz(questions=[CHOICE]))
    new_team().join(code, "Bears")
    response = new_team().post("/join", {"code": code, "name": "Bears", "pin": pin})
    assert response.status_code == 422
    assert "A team PIN is four digits." in text(response)
    assert len(_members(app, code, "Bears")) == 1


def test_the_team_link_prefills_the_join_form(app, host, new_team):
    code = host.start_game(host.create_quiz(questions=[CHOICE]))
    captain = new_team()
    captain.join(code, "The Quizzly Bears")
    pin = _pin(app, code, "The Quizzly Bears")
    page = captain.get(f"/play/{code}").get_data(as_text=True)
    # The captain's page shows the team's own link; a teammate opens it on another phone.
    # Relative: the host never opened the console, so nobody knows the address phones reach.
    path = html.unescape(re.search(r'href="(/join/[^"]*pin=[^"]*)"', page).group(1))
    assert path == f"/join/{code}?team=The+Quizzly+Bears&pin={pin}"
    teammate = new_team()
    form = teammate.get(path).get_data(as_text=True)
    assert re.search(r'name="code"[^>]*value="%s"' % code, form)
    assert re.search(r'name="name"[^>]*value="The Quizzly Bears"', form)
    assert re.search(r'name="pin"[^>]*value="%s"' % pin, form)
    joined = teammate.post("/join", {"code": code, "name": "The Quizzly Bears", "pin": pin})
    assert joined.status_code == 303
    assert "The Quizzly Bears" in text(teammate.get(f"/play/{code}"))
    assert len(_members(app, code, "The Quizzly Bears")) == 2


# --- picks, the captain and lock-in ---------------------------------------------------------


def test_the_last_pick_before_the_deadline_counts(app, host, new_team):
    code = host.start_game(host.create_quiz(questions=[CHOICE]))
    a, b = _team_of_two(app, host, new_team, code)
    host.act(code, "start")
    host.act(code, "open_question")
    qid = question_id(a.get(f"/play/{code}").get_data(as_text=True))

    first = text(a.answer(code, qid, htmx=True, choice="0"))
    assert "Your team's pick: ▲ A Venus" in first and "locked in" not in first
    second = text(b.answer(code, qid, htmx=True, choice="1"))
    assert "Your team's pick: ◆ B Mars" in second
    # Both phones show the team's current pick (the other phone's, too).
    assert "Your team's pick: ◆ B Mars" in text(a.get(f"/play/{code}"))
    rows = query(app, "select choice, locked from answer where team_id = %s", team_id(app, code, "Bears"))
    assert rows == [{"choice": 1, "locked": False}]

    host.act(code, "close_question")
    too_late = text(a.answer(code, qid, htmx=True, choice="0"))
    assert "Too late" in too_late
    host.act(code, "reveal")
    for phone in (a, b):
        assert "Right! +2 points" in text(phone.get(f"/play/{code}"))
    assert totals(app, code) == {"Bears": 2}
    assert query(app, "select count(*) as n, bool_and(correct) as ok from answer") == [{"n": 1, "ok": True}]


def test_only_the_captain_locks_in_and_then_picks_are_refused(app, host, new_team):
    code = host.start_game(host.create_quiz(questions=[CHOICE]))
    captain, member = _team_of_two(app, host, new_team, code)
    host.act(code, "start")
    host.act(code, "open_question")
    qid = question_id(captain.get(f"/play/{code}").get_data(as_text=True))
    member.answer(code, qid, htmx=True, choice="2")

    refused = text(member.post(f"/play/{code}/lock", {"question_id": qid}, htmx=True))
    assert "Only your team's captain" in refused
    assert query(app, "select locked from answer") == [{"locked": False}]

    locked = text(captain.post(f"/play/{code}/lock", {"question_id": qid}, htmx=True))
    assert "Answer locked in: ● C Jupiter" in locked
    later = text(member.answer(code, qid, htmx=True, choice="1"))
    assert "locked in: it can no longer change" in later
    assert query(app, "select choice, locked from answer") == [{"choice": 2, "locked": True}]
    host.act(code, "close_question")
    host.act(code, "reveal")
    assert "Not this time" in text(member.get(f"/play/{code}"))


def test_a_team_on_one_phone_locks_in_with_its_first_tap(app, host, new_team):
    code = host.start_game(host.create_quiz(questions=[CHOICE]))
    solo = new_team()
    solo.join(code, "Solo")
    host.act(code, "start")
    host.act(code, "open_question")
    qid = question_id(solo.get(f"/play/{code}").get_data(as_text=True))
    first = text(solo.answer(code, qid, htmx=True, choice="1"))
    assert "Answer locked in" in first and "Your team's pick" not in first
    assert "locked in: it can no longer change" in text(solo.answer(code, qid, htmx=True, choice="0"))
    assert query(app, "select choice, locked from answer") == [{"choice": 1, "locked": True}]


def test_the_other_phone_sees_the_teams_new_pick_over_its_stream(app, host, new_team):
    code = host.start_game(host.create_quiz(questions=[CHOICE]))
    a, b = _team_of_two(app, host, new_team, code)
    host.act(code, "start")
    host.act(code, "open_question")
    qid = question_id(a.get(f"/play/{code}").get_data(as_text=True))
    stream = Stream(b.get(f"/play/{code}/events?after=", buffered=False))
    stream.read_until("Which planet is red?")
    assert "Your team's pick" not in stream.text
    start = len(stream.text)
    a.answer(code, qid, htmx=True, choice="1")
    received = stream.read_until("Your team's pick", start=start)
    assert "Your team's pick: ◆ B Mars" in visible(received.replace("data: ", ""))
    start = len(stream.text)
    a.answer(code, qid, htmx=True, choice="2")
    received = stream.read_until("Your team's pick", start=start)
    assert "Your team's pick: ● C Jupiter" in visible(received.replace("data: ", ""))
    stream.close()


def test_another_teams_stream_does_not_see_the_pick(app, host, new_team):
    code = host.start_game(host.create_quiz(questions=[CHOICE]))
    a, b = _team_of_two(app, host, new_team, code)
    rival = new_team()
    rival.join(code, "Rivals")
    host.act(code, "start")
    host.act(code, "open_question")
    qid = question_id(a.get(f"/play/{code}").get_data(as_text=True))
    teammate = Stream(b.get(f"/play/{code}/events?after=", buffered=False))
    other = Stream(rival.get(f"/play/{code}/events?after=", buffered=False))
    teammate.read_until("Which planet is red?")
    other.read_until("Which planet is red?")
    a.answer(code, qid, htmx=True, choice="1")
    teammate.read_until("Your team's pick")
    # Delivered to every stream at once: whatever the rival was sent is queued by now.
    assert "Your team's pick" not in other.drain()
    teammate.close()
    other.close()


# --- the host manages teams -----------------------------------------------------------------


def test_host_renames_a_team(app, host, new_team):
    code = host.start_game(host.create_quiz(questions=[CHOICE]))
    a, b = _team_of_two(app, host, new_team, code, "Rude Word")
    new_team().join(code, "Others")
    tid = team_id(app, code, "Rude Word")
    assert (
        host.post(f"/host/{code}/manage/teams/{tid}/rename", {"name": "Quiz Team Aguilera"}).status_code
        == 303
    )
    for phone in (a, b):
        page = text(phone.get(f"/play/{code}"))
        assert "Quiz Team Aguilera" in page and "Rude Word" not in page
    assert "Rude Word → Quiz Team Aguilera" in text(host.get(f"/host/{code}/audit"))
    assert "rename team" in text(host.get(f"/host/{code}/audit"))
    assert sorted(name for _, name, _ in leaderboard(app, code)) == ["Others", "Quiz Team Aguilera"]
    # A name another team has is refused, with the reason on the console.
    taken = host.post(f"/host/{code}/manage/teams/{tid}/rename", {"name": "others"}, follow_redirects=True)
    assert "Another team already has that name." in text(taken)
    assert "Quiz Team Aguilera" in text(a.get(f"/play/{code}"))


def test_safe_name_gives_a_friendly_name_no_one_has(app, host, new_team):
    code = host.start_game(host.create_quiz(questions=[CHOICE]))
    rude = new_team()
    rude.join(code, "Rude Word")
    new_team().join(code, "The Quizzly Bears")
    tid = team_id(app, code, "Rude Word")
    assert host.post(f"/host/{code}/manage/teams/{tid}/rename", {"safe": "1"}).status_code == 303
    page = text(rude.get(f"/play/{code}"))
    assert "Quiz in My Pants" in page and "Rude Word" not in page
    assert "Rude Word → Quiz in My Pants" in text(host.get(f"/host/{code}/audit"))


def test_kicked_team_is_sent_to_the_join_page_and_stops_counting(app, host, new_team):
    code = host.start_game(host.create_quiz(questions=[CHOICE, dict(CHOICE, prompt="Again: red planet?")]))
    cheats, honest = new_team(), new_team()
    cheats.join(code, "Cheats")
    honest.join(code, "Honest")
    host.act(code, "start")
    play(host, code, {cheats: {"choice": "1"}, honest: {"choice": "0"}})
    assert totals(app, code) == {"Cheats": 2, "Honest": 0}

    tid = team_id(app, code, "Cheats")
    assert host.post(f"/host/{code}/manage/teams/{tid}/kick", {"confirm": "1"}).status_code == 303
    page = cheats.get(f"/play/{code}")
    assert page.status_code == 303 and page.headers["Location"] == f"/join/{code}"
    assert "Join a quiz" in text(cheats.get(page.headers["Location"]))
    assert cheats.get(f"/play/{code}/events").status_code == 404  # as for a game that is not there
    assert totals(app, code) == {"Honest": 0}
    assert "Cheats" not in text(host.get(f"/host/{code}"))
    assert "kick team Cheats" in text(host.get(f"/host/{code}/audit"))
    # Its answers to the next question are not taken either.
    host.act(code, "open_question")
    qid = query(app, "select question_id from game where code = %s", code)[0]["question_id"]
    refused = cheats.answer(code, qid, choice="1")
    assert refused.status_code == 303 and refused.headers["Location"] == f"/join/{code}"
    assert query(app, "select count(*) as n from answer where question_id = %s", qid) == [{"n": 0}]


@pytest.mark.parametrize("renamed_before", [0, 3])
def test_merge_a_team_that_joined_twice(app, host, new_team, renamed_before):
    quiz_id, _, questions = build_quiz(
        host,
        rounds=[
            Round("Round 1", [CHOICE, dict(TEXT, points="3"), dict(CHOICE, prompt="Third: red planet?")])
        ],
    )
    code = host.start_game(quiz_id)
    bears, duplicate, others = new_team(), new_team(), new_team()
    bears.join(code, "Bears")
    duplicate.join(code, "Bears 2")
    others.join(code, "Others")
    dup_id, bears_id = team_id(app, code, "Bears 2"), team_id(app, code, "Bears")
    for i in range(renamed_before):  # the host tidied the duplicate's name before noticing
        host.post(f"/host/{code}/manage/teams/{dup_id}/rename", {"name": f"Bears again {i}"})
    dup_name = "Bears 2" if not renamed_before else f"Bears again {renamed_before - 1}"
    host.act(code, "start")
    play(host, code, {bears: {"choice": "1"}, duplicate: {"choice": "0"}})  # both answered q1
    play(host, code, {duplicate: {"text": "Beethoven"}, others: {"text": "Mozart"}})  # only the duplicate
    assert totals(app, code) == {"Bears": 2, dup_name: 3, "Others": 0}

    merged = host.post(
        f"/host/{code}/manage/merge", {"from": str(dup_id), "into": str(bears_id), "confirm": "1"}
    )
    assert merged.status_code == 303
    assert totals(app, code) == {"Bears": 2 + 3, "Others": 0}
    rows = query(
        app,
        "select question_id, team_id, choice, text from answer where team_id = %s order by question_id",
        bears_id,
    )
    assert [(r["question_id"], r["choice"], r["text"]) for r in rows] == [
        (questions[0][0], 1, None),
        (questions[0][1], None, "Beethoven"),
    ]
    assert query(app, "select count(*) as n from team where id = %s", dup_id) == [{"n": 0}]
    assert f"{dup_name} into Bears" in text(host.get(f"/host/{code}/audit"))

    # The duplicate's phone now plays as Bears: its page, its answers, its results.
    page = text(duplicate.get(f"/play/{code}"))
    # (a word boundary: the game code after the team's name may start with a digit)
    assert "Bears" in page and not re.search(re.escape(dup_name) + r"\b", page)
    host.act(code, "open_question")
    qid = questions[0][2]
    picked = text(duplicate.answer(code, qid, htmx=True, choice="1"))
    assert "Your team's pick" in picked  # Bears now has two phones: not locked at once
    assert query(app, "select team_id from answer where question_id = %s", qid) == [{"team_id": bears_id}]
    host.act(code, "close_question")
    host.act(code, "reveal")
    assert "Right! +2 points" in text(duplicate.get(f"/play/{code}"))
    assert "Right! +2 points" in text(bears.get(f"/play/{code}"))
    assert leaderboard(app, code) == [(1, "Bears", 7), (2, "Others", 0)]


def test_a_paper_team_gets_its_round_scores_typed_in(app, host, new_team):
    quiz_id, round_ids, _ = build_quiz(host, rounds=[Round("Round 1", [CHOICE]), Round("Music", [CHOICE])])
    code = host.start_game(quiz_id)
    phones = new_team()
    phones.join(code, "Phones")
    added = host.post(f"/host/{code}/manage/teams", {"name": "Paper Tigers"}, follow_redirects=True)
    assert "Paper Tigers" in text(added) and "paper" in text(added)
    assert query(app, "select paper from team where name = 'Paper Tigers'") == [{"paper": True}]
    host.act(code, "start")
    play(host, code, {phones: {"choice": "1"}})

    marking = text(host.get(f"/mark/{code}"))
    assert "Paper teams: round scores" in marking and "Paper Tigers" in marking
    paper_id = team_id(app, code, "Paper Tigers")
    typed = host.post(f"/mark/{code}/paper", {"team_id": paper_id, "round_id": round_ids[0], "points": "7"})
    assert typed.status_code == 303 and typed.headers["Location"] == f"/mark/{code}"
    assert leaderboard(app, code) == [(1, "Paper Tigers", 7), (2, "Phones", 2)]
    host.post(f"/mark/{code}/paper", {"team_id": paper_id, "round_id": round_ids[1], "points": "1"})
    host.post(
        f"/mark/{code}/paper", {"team_id": paper_id, "round_id": round_ids[0], "points": "4"}
    )  # re-typed
    assert totals(app, code) == {"Paper Tigers": 5, "Phones": 2}
    assert "Paper Tigers, round 1 “Round 1”: 4" in text(host.get(f"/host/{code}/audit"))
    # Only paper teams get typed-in scores.
    refused = host.post(
        f"/mark/{code}/paper",
        {"team_id": team_id(app, code, "Phones"), "round_id": round_ids[0], "points": "50"},
    )
    assert refused.status_code == 400
    assert totals(app, code)["Phones"] == 2
    # A name a team already has is refused.
    again = host.post(f"/host/{code}/manage/teams", {"name": "phones"}, follow_redirects=True)
    assert "A team with this name is already in the game." in text(again)


# --- pause ----------------------------------------------------------------------------------


def test_pause_freezes_answers_and_the_deadline(app, host, new_team):
    code = host.start_game(host.create_quiz(questions=[CHOICE]))
    team = new_team()
    team.join(code, "Bears")
    host.act(code, "start")
    host.act(code, "open_question")
    qid = question_id(team.get(f"/play/{code}").get_data(as_text=True))
    assert host.act(code, "manage/pause").status_code == 303
    assert "Paused" in text(host.get(f"/host/{code}"))
    assert "paused the game" in text(team.get(f"/play/{code}")).lower()

    refused = text(team.answer(code, qid, htmx=True, choice="1"))
    assert "The quiz master has paused the game. Send your answer again when it goes on." in refused
    assert query(app, "select count(*) as n from answer") == [{"n": 0}]
    # The host cannot move a paused game on either.
    moved = host.act(code, "close_question", htmx=True)
    assert "The game is paused: resume it first." in text(moved)

    # The pause has lasted 100 seconds and the deadline has passed meanwhile: no close.
    query(
        app,
        "update game set paused_at = now() - interval '100 seconds', "
        "deadline_at = now() - interval '1 second' where code = %s returning id",
        code,
    )
    before = query(app, "select deadline_at, paused_at from game where code = %s", code)[0]
    with app.app_context():
        assert [snap.game["id"] for snap in games.close_due()] == []
    assert query(app, "select phase from game where code = %s", code) == [{"phase": "question"}]

    assert host.act(code, "manage/resume").status_code == 303
    after = query(app, "select deadline_at, paused_at, now() as now from game where code = %s", code)[0]
    assert after["paused_at"] is None
    moved_by = after["deadline_at"] - before["deadline_at"]
    assert timedelta(seconds=99) < moved_by < timedelta(seconds=110)
    assert after["deadline_at"] > after["now"] + timedelta(seconds=90)  # the time it had left
    with app.app_context():
        assert [snap.game["id"] for snap in games.close_due()] == []
    accepted = text(team.answer(code, qid, htmx=True, choice="1"))
    assert "Answer locked in" in accepted
    assert "resume" in text(host.get(f"/host/{code}/audit"))


def test_pause_and_resume_need_the_current_version_and_a_running_game(app, host, new_team):
    code = host.start_game(host.create_quiz(questions=[CHOICE]))
    host.act(code, "start")
    version = host.version(code)
    assert host.act(code, "manage/pause", version=version).status_code == 303
    stale = host.act(code, "manage/resume", version=version, htmx=True)
    assert "The game had already moved on" in text(stale)
    assert query(app, "select paused_at is not null as paused from game") == [{"paused": True}]
    again = host.act(code, "manage/pause", htmx=True)
    assert "The game is already paused." in text(again)
    host.act(code, "manage/resume")
    assert query(app, "select paused_at is not null as paused from game") == [{"paused": False}]


def test_at_the_deadline_the_teams_unlocked_pick_counts_and_both_phones_say_so(app, host, new_team):
    code = host.start_game(host.create_quiz(questions=[CHOICE]))
    captain, member = _team_of_two(app, host, new_team, code)
    assert "Captain: this phone" in text(captain.get(f"/play/{code}"))
    assert "Captain: the phone that joined first" in text(member.get(f"/play/{code}"))
    host.act(code, "start")
    host.act(code, "open_question")
    qid = question_id(captain.get(f"/play/{code}").get_data(as_text=True))
    member.answer(code, qid, htmx=True, choice="1")  # Mars, right; nobody locks it in
    rule = "then the latest pick counts, even if nobody locked it in"
    for phone in (captain, member):
        assert rule in text(phone.get(f"/play/{code}"))
    query(app, "update game set deadline_at = now() - interval '1 second' where code = %s returning id", code)
    with app.app_context():
        assert [snap.game["id"] for snap in games.close_due()] == [game_id(app, code)]
    host.act(code, "reveal")
    for phone in (captain, member):
        assert "Right! +2 points" in text(phone.get(f"/play/{code}"))
    assert totals(app, code) == {"Bears": 2}
    rows = query(app, "select choice, locked, points from answer")
    assert rows == [{"choice": 1, "locked": False, "points": 2}]


def test_the_lock_in_button_comes_after_the_options(app, host, new_team):
    """Laid out well below the last option (the e2e test measures it): never between them."""
    code = host.start_game(host.create_quiz(questions=[CHOICE]))
    captain, member = _team_of_two(app, host, new_team, code)
    host.act(code, "start")
    host.act(code, "open_question")
    qid = question_id(captain.get(f"/play/{code}").get_data(as_text=True))
    page = captain.answer(code, qid, htmx=True, choice="0").get_data(as_text=True)
    assert page.index("option-2") < page.index("Lock in our answer")
