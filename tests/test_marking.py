"""Human marking of free-text answers: groups by normalised text, near-match suggestions, verdicts
that re-score, undo, the history, invited markers, and the marking stream."""

import re
from decimal import Decimal

import pytest
from helpers import CHOICE, TEXT, Browser, HostActions, Stream
from night import query, text, totals, visible

TEAMS = {"Ludwigs": "Beethoven", "Typos": "bethoven", "Wolfgangs": "Mozart", "Shouters": "beethoven!"}


@pytest.fixture
def marked_game(app, host, new_team):
    """A game whose free-text question (3 points) four teams answered, now closed.
    Returns (code, question id, {team name: phone})."""
    code = host.start_game(host.create_quiz(questions=[dict(TEXT, points="3")]))
    phones = {}
    for name in TEAMS:
        phones[name] = new_team()
        phones[name].join(code, name)
    host.act(code, "start")
    host.act(code, "open_question")
    qid = query(app, "select question_id from game where code = %s", code)[0]["question_id"]
    for name, answer in TEAMS.items():
        assert phones[name].answer(code, qid, text=answer).status_code == 303
    # Answers are not for marking while the question is open.
    assert "No free-text answers to mark yet" in text(host.get(f"/mark/{code}"))
    host.act(code, "close_question")
    return code, qid, phones


def _mark(browser, code, qid, key, verdict):
    return browser.post(f"/mark/{code}/{qid}", {"answer_key": key, "verdict": verdict})


def _markings(app):
    return query(
        app, "select id, answer_key, verdict, actor, undone_at is not null as undone from marking order by id"
    )


def _marker_link(host, code):
    page = host.get(f"/host/{code}").get_data(as_text=True)
    return re.search(r'href="http://localhost(/mark/%s/join/[^"]+)"' % code, page).group(1)


def test_marking_page_groups_answers_with_counts_and_suggests_near_matches(app, host, marked_game):
    code, qid, _ = marked_game
    page = text(host.get(f"/mark/{code}"))
    assert "Who wrote the Moonlight Sonata?" in page
    assert re.search(r"“Beethoven” × 2 Ludwigs, Shouters ✓ right \(automatic\)", page)
    assert re.search(r"“bethoven” × 1 Typos looks like “Beethoven” \(\d\d %\) ✗ wrong \(automatic\)", page)
    assert re.search(r"“Mozart” × 1 Wolfgangs ✗ wrong \(automatic\)", page)
    assert page.count("looks like") == 1  # nothing like Beethoven about Mozart
    assert "beethoven!" not in page  # the same normalised text: one group, not two
    assert totals(app, code) == {"Ludwigs": 3, "Shouters": 3, "Typos": 0, "Wolfgangs": 0}


def test_marking_a_group_right_rescores_and_is_audited(app, host, marked_game):
    code, qid, phones = marked_game
    marked = _mark(host, code, qid, "bethoven", "right")
    assert marked.status_code == 303 and marked.headers["Location"] == f"/mark/{code}?question={qid}"
    assert totals(app, code) == {"Ludwigs": 3, "Shouters": 3, "Typos": 3, "Wolfgangs": 0}
    page = text(host.get(f"/mark/{code}?question={qid}"))
    assert re.search(r"“bethoven” × 1 Typos (looks like “Beethoven” \(\d\d %\) )?✓ right", page)
    audit = text(host.get(f"/host/{code}/audit"))
    assert "host@example.org mark “bethoven” right (R1 Q1 “Who wrote the Moonlight Sonata?”)" in audit
    host.act(code, "reveal")
    assert "Right! +3 points" in text(phones["Typos"].get(f"/play/{code}"))
    assert "Not this time" in text(phones["Wolfgangs"].get(f"/play/{code}"))


def test_marking_an_automatically_right_group_wrong(app, host, marked_game):
    code, qid, phones = marked_game
    _mark(host, code, qid, "Beethoven!!", "wrong")  # the key is normalised like the answers
    assert totals(app, code) == {"Ludwigs": 0, "Shouters": 0, "Typos": 0, "Wolfgangs": 0}
    assert query(app, "select count(*) as n from answer where correct") == [{"n": 0}]


def test_half_points_are_halves(app, host, marked_game):
    code, qid, phones = marked_game
    _mark(host, code, qid, "bethoven", "half")
    assert totals(app, code)["Typos"] == Decimal("1.5")  # half of 3, not rounded
    assert query(app, "select points from answer where text = 'bethoven'") == [{"points": Decimal("1.5")}]
    page = text(host.get(f"/mark/{code}"))
    assert re.search(r"“bethoven” × 1 Typos (looks like “Beethoven” \(\d\d %\) )?½ half", page)
    host.act(code, "reveal")
    assert "Half points: +1½ points" in text(phones["Typos"].get(f"/play/{code}"))


def test_undo_brings_back_the_verdict_before(app, host, marked_game):
    code, qid, phones = marked_game
    _mark(host, code, qid, "bethoven", "right")
    _mark(host, code, qid, "bethoven", "half")
    assert totals(app, code)["Typos"] == Decimal("1.5")
    right, half = _markings(app)
    assert host.post(f"/mark/{code}/undo/{half['id']}").status_code == 303
    assert totals(app, code)["Typos"] == 3  # the earlier verdict is in force again
    assert host.post(f"/mark/{code}/undo/{right['id']}").status_code == 303
    assert totals(app, code)["Typos"] == 0  # the automatic verdict: wrong
    assert re.search(
        r"“bethoven” × 1 Typos looks like “Beethoven” \(\d\d %\) ✗ wrong \(automatic\)",
        text(host.get(f"/mark/{code}")),
    )
    assert [m["undone"] for m in _markings(app)] == [True, True]
    assert host.post(f"/mark/{code}/undo/{right['id']}").status_code == 409  # undone already
    audit = text(host.get(f"/host/{code}/audit"))
    assert audit.count("undo marking “bethoven”") == 2
    assert "undo marking “bethoven” half (R1 Q1 “Who wrote the Moonlight Sonata?”)" in audit
    host.act(code, "reveal")
    assert "Not this time" in text(phones["Typos"].get(f"/play/{code}"))


def test_marking_history_lists_who_marked(app, host, marked_game):
    code, qid, _ = marked_game
    host.post(f"/host/{code}/manage/marker")
    marker = Browser(app)
    marker.get(_marker_link(host, code))
    _mark(host, code, qid, "mozart", "wrong")
    _mark(marker, code, qid, "bethoven", "right")
    page = text(host.get(f"/mark/{code}"))
    history = page[page.index("Marking history") :]
    assert re.search(
        r"\d\d:\d\d:\d\d marker: “bethoven” right Undo "
        r"\d\d:\d\d:\d\d host@example.org: “mozart” wrong Undo",
        history,
    )
    assert [(m["actor"], m["answer_key"]) for m in _markings(app)] == [
        ("host@example.org", "mozart"),
        ("marker", "bethoven"),
    ]


def test_an_invited_marker_marks_from_another_browser(app, host, new_team, marked_game):
    code, qid, phones = marked_game
    other_code = host.start_game(host.create_quiz("Other night", questions=[TEXT]))
    assert "Marker link" not in text(host.get(f"/host/{code}"))
    assert host.post(f"/host/{code}/manage/marker").status_code == 303
    link = _marker_link(host, code)

    marker = Browser(app)
    assert marker.get(f"/mark/{code}").status_code == 404  # not before opening the link
    opened = marker.get(link)
    assert opened.status_code == 303 and opened.headers["Location"] == f"/mark/{code}"
    page = text(marker.get(f"/mark/{code}"))
    assert f"({code}) as marker" in page and "“bethoven” × 1 Typos" in page
    assert _mark(marker, code, qid, "bethoven", "right").status_code == 303
    assert totals(app, code)["Typos"] == 3
    assert "marker mark “bethoven” right" in text(host.get(f"/host/{code}/audit"))

    # A marker is no host: not the console, not the scores, not another game's marking.
    console = marker.get(f"/host/{code}")
    assert console.status_code == 303 and console.headers["Location"].startswith("/login")
    assert marker.get(f"/host/{code}/scores").status_code == 303
    token = query(app, "select marker_token from game where code = %s", code)[0]["marker_token"]
    refused = marker.post(f"/host/{code}/manage/marker")
    assert refused.status_code == 303 and refused.headers["Location"].startswith("/login")
    # Refused, not done: the marker link the host handed out stays the one that works.
    assert query(app, "select marker_token from game where code = %s", code)[0]["marker_token"] == token
    assert _marker_link(host, code) == link
    assert marker.get(f"/mark/{other_code}").status_code == 404
    assert marker.get(f"/mark/{other_code}/join/{link.rsplit('/', 1)[1]}").status_code == 404
    other_qid = query(
        app,
        "select x.id from question x join round r on r.id = x.round_id "
        "join game g on g.quiz_id = r.quiz_id where g.code = %s",
        other_code,
    )[0]["id"]
    assert _mark(marker, other_code, other_qid, "x", "right").status_code == 404


def test_an_invited_marker_types_in_paper_scores(app, host, marked_game):
    code, qid, _ = marked_game
    host.post(f"/host/{code}/manage/teams", {"name": "Paper Tigers"})
    host.post(f"/host/{code}/manage/marker")
    marker = Browser(app)
    marker.get(_marker_link(host, code))
    paper_id = query(app, "select id from team where paper")[0]["id"]
    round_id = query(app, "select round_id from question where id = %s", qid)[0]["round_id"]
    assert "Paper Tigers" in text(marker.get(f"/mark/{code}"))
    typed = marker.post(f"/mark/{code}/paper", {"team_id": paper_id, "round_id": round_id, "points": "6"})
    assert typed.status_code == 303
    assert totals(app, code)["Paper Tigers"] == 6
    title = query(app, "select title from round where id = %s", round_id)[0]["title"]
    assert f"marker paper score Paper Tigers, round 1 “{title}”: 6" in text(host.get(f"/host/{code}/audit"))


def test_paper_scores_go_in_halves(app, host, marked_game):
    code, qid, _ = marked_game
    host.post(f"/host/{code}/manage/teams", {"name": "Paper Tigers"})
    paper_id = query(app, "select id from team where paper")[0]["id"]
    round_id = query(app, "select round_id from question where id = %s", qid)[0]["round_id"]
    for typed, expected in (("7½", "7.5"), ("7,5", "7.5"), ("6.5", "6.5"), ("½", "0.5")):
        saved = host.post(f"/mark/{code}/paper", {"team_id": paper_id, "round_id": round_id, "points": typed})
        assert saved.status_code == 303
        assert totals(app, code)["Paper Tigers"] == Decimal(expected)
    refused = host.post(f"/mark/{code}/paper", {"team_id": paper_id, "round_id": round_id, "points": "7.3"})
    assert refused.status_code == 400 and "Points go in halves, like 7 or 7½." in text(refused)
    assert totals(app, code)["Paper Tigers"] == Decimal("0.5")
    assert "paper score Paper Tigers, round 1" in text(host.get(f"/host/{code}/audit"))
    assert ": 7½" in text(host.get(f"/host/{code}/audit"))


def test_a_new_marker_link_invalidates_the_old_one(app, host, marked_game):
    code, qid, _ = marked_game
    host.post(f"/host/{code}/manage/marker")
    old_link = _marker_link(host, code)
    marker = Browser(app)
    marker.get(old_link)
    assert marker.get(f"/mark/{code}").status_code == 200

    host.post(f"/host/{code}/manage/marker")
    new_link = _marker_link(host, code)
    assert new_link != old_link
    assert marker.get(f"/mark/{code}").status_code == 404
    assert _mark(marker, code, qid, "bethoven", "right").status_code == 404
    assert totals(app, code)["Typos"] == 0
    latecomer = Browser(app)
    refused = latecomer.get(old_link)
    assert refused.status_code == 404 and "This marker link is not valid" in text(refused)
    assert latecomer.get(new_link).status_code == 303
    assert latecomer.get(f"/mark/{code}").status_code == 200
    assert text(host.get(f"/host/{code}/audit")).count("invite marker") == 2


def test_teams_and_strangers_cannot_mark(app, host, client, marked_game):
    code, qid, phones = marked_game
    team = phones["Typos"]
    assert team.get(f"/mark/{code}").status_code == 404
    assert _mark(team, code, qid, "bethoven", "right").status_code == 404
    assert team.get(f"/mark/{code}/events").status_code == 404
    assert client.get(f"/mark/{code}").status_code == 404
    assert client.get("/mark/NOPE42").status_code == 404
    stranger = Browser(app)
    assert _mark(stranger, code, qid, "bethoven", "right").status_code == 404
    other_host = HostActions(app)
    other_host.register("other@example.org")
    assert other_host.get(f"/mark/{code}").status_code == 404
    assert _mark(other_host, code, qid, "bethoven", "right").status_code == 404
    assert query(app, "select count(*) as n from marking") == [{"n": 0}]
    assert totals(app, code)["Typos"] == 0


def test_only_text_questions_of_this_game_and_real_verdicts_are_marked(app, host, new_team):
    code = host.start_game(host.create_quiz(questions=[CHOICE, TEXT]))
    host.act(code, "start")
    host.act(code, "open_question")
    choice_qid = query(app, "select question_id from game where code = %s", code)[0]["question_id"]
    assert _mark(host, code, choice_qid, "mars", "right").status_code == 404
    text_qid = query(app, "select id from question where kind = 'text'")[0]["id"]
    assert _mark(host, code, text_qid, "beethoven", "perfect").status_code == 400
    assert _mark(host, code, text_qid, "!!!", "right").status_code == 400
    assert query(app, "select count(*) as n from marking") == [{"n": 0}]


@pytest.mark.parametrize("backend", ["memory", "redis"], indirect=True)
def test_markings_are_pushed_to_the_marking_stream(app, host, marked_game):
    code, qid, _ = marked_game
    host.post(f"/host/{code}/manage/marker")
    marker = Browser(app)
    marker.get(_marker_link(host, code))
    stream = Stream(marker.get(f"/mark/{code}/events?question={qid}&after=", buffered=False))
    stream.drain()
    start = len(stream.text)
    _mark(host, code, qid, "bethoven", "right")
    received = visible(stream.read_until("Marking history", start=start).replace("data: ", ""))
    assert re.search(r"“bethoven” × 1 Typos (looks like “Beethoven” \(\d\d %\) )?✓ right", received)
    assert "host@example.org: “bethoven” right" in received
    assert "csrf_token" not in stream.text  # pushed fragments carry nobody's token
    stream.close()
