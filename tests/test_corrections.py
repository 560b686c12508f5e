"""The host's scores: corrections with an audit log, fixing the answer key, leaderboard modes,
top N and hidden scores on the projector, jokers, negative marking, and tie-breaks."""

import re
from decimal import Decimal

import pytest
from helpers import CHOICE, TEXT, HostActions
from night import build_quiz, leaderboard, play, query, team_id, text, totals, visible

from harness.quiz import Round


def _teams(new_team, code, *names):
    phones = []
    for name in names:
        phone = new_team()
        assert phone.join(code, name).status_code == 303
        phones.append(phone)
    return phones


def _current_question(app, code):
    return query(app, "select question_id from game where code = %s", code)[0]["question_id"]


def _screen_leaderboard(host, code):
    """[(rank, name, total)] as the projector lists them."""
    page = host.get(f"/screen/{code}").get_data(as_text=True)
    items = re.findall(
        r'<li[^>]*><span class="rank">(.*?)</span><span class="team">(.*?)</span>'
        r'<span class="total">(.*?)</span></li>',
        page,
        re.S,
    )
    return [(visible(r), visible(n), visible(t)) for r, n, t in items]


# --- corrections ----------------------------------------------------------------------------


@pytest.fixture
def played(app, host, new_team):
    """Two questions played: Bears right and Wolves wrong on the first (2 points), nobody on the
    second (text, 1 point). Returns (code, [question ids], bears, wolves)."""
    code = host.start_game(host.create_quiz(questions=[CHOICE, TEXT]))
    bears, wolves = _teams(new_team, code, "Bears", "Wolves")
    host.act(code, "start")
    q1 = play(host, code, {bears: {"choice": "1"}, wolves: {"choice": "2"}})
    q2 = play(host, code, {})
    return code, [q1, q2], bears, wolves


def test_a_correction_changes_the_leaderboard_the_team_page_and_the_audit_log(app, host, played):
    code, (q1, q2), bears, wolves = played
    assert totals(app, code) == {"Bears": 2, "Wolves": 0}
    wolves_id = team_id(app, code, "Wolves")
    response = host.post(
        f"/host/{code}/scores/correct",
        {
            "team_id": wolves_id,
            "question_id": q1,
            "points": "2",
            "reason": "Jupiter is red too, says the book",
        },
    )
    assert response.status_code == 303 and response.headers["Location"] == f"/host/{code}/scores"
    page = text(host.get(response.headers["Location"]))
    assert "Wolves now has 2 points for R1 Q1." in page
    assert totals(app, code) == {"Bears": 2, "Wolves": 2}
    assert "You're 1st of 2 with 2 points" in text(wolves.get(f"/play/{code}"))
    audit = text(host.get(f"/host/{code}/audit"))
    assert (
        "correct points Wolves, R1 Q1 “Which planet is red?”: 2 points (Jupiter is red too, says the book)"
    ) in audit
    # A correction for a question the team did not answer counts too; the newest one wins.
    for question, points in ((q2, "1"), (q1, "0")):
        host.post(
            f"/host/{code}/scores/correct",
            {"team_id": wolves_id, "question_id": question, "points": points, "reason": "second thoughts"},
        )
    assert leaderboard(app, code) == [(1, "Bears", 2), (2, "Wolves", 1)]
    assert "You're 2nd of 2 with 1 point" in text(wolves.get(f"/play/{code}"))
    assert query(app, "select count(*) as n from correction") == [{"n": 3}]


def test_corrections_go_in_halves_and_say_so(app, host, played):
    code, (q1, q2), bears, wolves = played
    wolves_id = team_id(app, code, "Wolves")
    for typed, expected in (("1.5", "1.5"), ("1,5", "1.5"), ("1½", "1.5"), ("−½", "-0.5")):
        saved = host.post(
            f"/host/{code}/scores/correct",
            {"team_id": wolves_id, "question_id": q1, "points": typed, "reason": "a half"},
        )
        assert saved.status_code == 303, text(saved)
        assert totals(app, code)["Wolves"] == Decimal(expected)
    page = text(host.get(f"/host/{code}/scores"))
    assert "Wolves now has −½ point for R1 Q1." in page
    refused = host.post(
        f"/host/{code}/scores/correct",
        {"team_id": wolves_id, "question_id": q1, "points": "7.3", "reason": "a third"},
    )
    assert refused.status_code == 422 and "Points go in halves, like 7 or 7½." in text(refused)
    assert 'value="7.3"' in refused.get_data(as_text=True)  # the form keeps what was typed
    assert totals(app, code)["Wolves"] == Decimal("-0.5")
    assert "Wolves, R1 Q1 “Which planet is red?”: 1½ points (a half)" in text(host.get(f"/host/{code}/audit"))
    # The database itself holds points to halves.
    with pytest.raises(Exception, match="correction_points_halves"):
        query(
            app,
            "insert into correction (game_id, team_id, question_id, points, reason, actor) "
            "select game_id, id, %s, 0.3, 'x', 'x' from team where id = %s",
            q1,
            wolves_id,
        )


def _score_rows(page):
    """{team: ([cell values], total)} from the scores table: what a host adds up by eye."""
    rows = re.findall(r"<tr><th>(.*?)</th>(.*?)</tr>", page[page.index("<tbody>") :], re.S)
    cell, total = r'<span class="cell-points">(.*?)</span>', r'<strong class="row-total">(.*?)</strong>'
    return {
        visible(name): (
            [visible(v) for v in re.findall(cell, cells)],
            visible(re.search(total, cells).group(1)),
        )
        for name, cells in rows
    }


def _halves(said):
    """The number a points label means: "7½" -> 7.5, "−½" -> -0.5, "–" (nothing) -> 0."""
    if said == "–":
        return Decimal(0)
    sign = -1 if said.startswith("−") else 1
    digits = said.lstrip("−+")
    return sign * (Decimal(digits.rstrip("½") or 0) + (Decimal("0.5") if digits.endswith("½") else 0))


def test_the_scores_page_numbers_questions_by_round_and_its_cells_add_up(app, host, new_team):
    quiz_id, _, (first, second) = build_quiz(
        host, rounds=[Round("Warm-up", [CHOICE]), Round("Music", [TEXT, CHOICE], joker=True)]
    )
    code = host.start_game(quiz_id)
    bears, wolves = _teams(new_team, code, "Bears", "Wolves")
    host.post(f"/host/{code}/manage/teams", {"name": "Paper Tigers"})
    music = query(app, "select round_id from question where id = %s", second[0])[0]["round_id"]
    assert _joker(bears, code, music).status_code == 303
    host.act(code, "start")
    play(host, code, {bears: {"choice": "1"}, wolves: {"choice": "1"}})
    host.act(code, "next_round")
    play(host, code, {bears: {"text": "Beethoven"}, wolves: {"text": "Bethoven"}})
    host.post(f"/mark/{code}/{second[0]}", {"answer_key": "bethoven", "verdict": "half"})
    play(host, code, {bears: {"choice": "1"}})
    host.post(
        f"/host/{code}/scores/correct",
        {
            "team_id": team_id(app, code, "Wolves"),
            "question_id": first[0],
            "points": "1½",
            "reason": "generous",
        },
    )
    paper = team_id(app, code, "Paper Tigers")
    for question, points in ((first[0], "3½"), (second[0], "2")):
        round_id = query(app, "select round_id from question where id = %s", question)[0]["round_id"]
        host.post(f"/mark/{code}/paper", {"team_id": paper, "round_id": round_id, "points": points})
    page = host.get(f"/host/{code}/scores").get_data(as_text=True)
    headers = re.findall(r'<th title="([^"]*)">(R\d Q\d)<br>', page)
    assert headers == [
        ("Which planet is red?", "R1 Q1"),
        ("Who wrote the Moonlight Sonata?", "R2 Q1"),
        ("Which planet is red?", "R2 Q2"),
    ]
    rows = _score_rows(page)
    assert rows == {
        "Bears ★": (["2", "1", "2", "–", "+3"], "8"),
        "Wolves": (["1½", "½", "–", "–", "–"], "2"),
        "Paper Tigers": (["–", "–", "–", "5½", "–"], "5½"),
    }
    for name, (cells, total) in rows.items():
        assert sum(_halves(c) for c in cells) == _halves(total), name
    assert totals(app, code) == {"Bears": 8, "Paper Tigers": Decimal("5.5"), "Wolves": 2}
    assert "✎ corrected" in visible(page[page.index("Wolves") :])
    assert 'title="Corrected by the host: generous"' in page
    assert "R2 × 2 joker" in visible(page)
    assert 'title="Joker on round 2 “Music”: its points count twice"' in page
    audit = text(host.get(f"/host/{code}/audit"))
    assert "“bethoven” half (R2 Q1 “Who wrote the Moonlight Sonata?”)" in audit
    assert "Paper Tigers, round 1 “Warm-up”: 3½" in audit
    assert "question " not in audit


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_corrections_one_by_one_end_where_the_final_ones_do(app, host, played, seed):
    import random

    code, questions, _, _ = played
    rng = random.Random(seed)
    teams = {name: team_id(app, code, name) for name in ("Bears", "Wolves")}
    scored = {("Bears", questions[0]): 2}
    final = {}
    for i in range(10):
        name, question, points = rng.choice(list(teams)), rng.choice(questions), rng.randint(-3, 5)
        host.post(
            f"/host/{code}/scores/correct",
            {
                "team_id": teams[name],
                "question_id": question,
                "points": str(points),
                "reason": f"correction {i}",
            },
        )
        final[(name, question)] = points
        expected = {
            name: sum(final.get((name, q), scored.get((name, q), 0)) for q in questions) for name in teams
        }
        assert totals(app, code) == expected, (i, final)
    assert query(app, "select count(*) as n from correction") == [{"n": 10}]


def test_a_correction_needs_a_reason(app, host, played):
    code, (q1, _), _, wolves = played
    response = host.post(
        f"/host/{code}/scores/correct",
        {"team_id": team_id(app, code, "Wolves"), "question_id": q1, "points": "5", "reason": "   "},
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "A reason is required." in visible(page)
    assert re.search(r'name="points"[^>]*value="5"', page)  # the form keeps what was typed
    assert totals(app, code) == {"Bears": 2, "Wolves": 0}
    assert query(app, "select count(*) as n from correction") == [{"n": 0}]


@pytest.mark.parametrize("points", ["lots", "1001", ""])
def test_a_correction_needs_whole_points_in_range(app, host, played, points):
    code, (q1, _), _, _ = played
    response = host.post(
        f"/host/{code}/scores/correct",
        {"team_id": team_id(app, code, "Wolves"), "question_id": q1, "points": points, "reason": "why not"},
    )
    assert response.status_code == 422 and "Points" in text(response)
    assert totals(app, code) == {"Bears": 2, "Wolves": 0}


def test_another_host_cannot_correct_or_see_the_scores(app, host, played):
    code, (q1, _), _, _ = played
    other = HostActions(app)
    other.register("other@example.org")
    fields = {"team_id": team_id(app, code, "Wolves"), "question_id": q1, "points": "9", "reason": "bribe"}
    assert other.post(f"/host/{code}/scores/correct", fields).status_code == 404
    assert other.get(f"/host/{code}/scores").status_code == 404
    assert other.get(f"/host/{code}/audit").status_code == 404
    assert other.post(f"/host/{code}/scores/key/{q1}", {"correct_option": "2"}).status_code == 404
    assert totals(app, code) == {"Bears": 2, "Wolves": 0}
    assert query(app, "select count(*) as n from correction") == [{"n": 0}]


def test_a_kicked_team_or_a_foreign_question_cannot_be_corrected(app, host, played):
    code, (q1, _), _, _ = played
    wolves_id = team_id(app, code, "Wolves")
    host.post(f"/host/{code}/manage/teams/{wolves_id}/kick", {"confirm": "1"})
    response = host.post(
        f"/host/{code}/scores/correct",
        {"team_id": wolves_id, "question_id": q1, "points": "2", "reason": "sorry"},
    )
    assert response.status_code == 422
    assert "That team or question is not part of this game." in text(response)
    other_quiz = host.create_quiz("Another quiz", questions=[CHOICE])
    foreign = query(
        app, "select x.id from question x join round r on r.id = x.round_id where r.quiz_id = %s", other_quiz
    )[0]["id"]
    response = host.post(
        f"/host/{code}/scores/correct",
        {"team_id": team_id(app, code, "Bears"), "question_id": foreign, "points": "2", "reason": "x"},
    )
    assert response.status_code == 422
    assert query(app, "select count(*) as n from correction") == [{"n": 0}]
    assert totals(app, code) == {"Bears": 2}


# --- fixing the answer key ------------------------------------------------------------------


def test_changing_a_choice_key_after_reveal_rescores_every_team(app, host, new_team):
    code = host.start_game(host.create_quiz(questions=[CHOICE]))
    venus, mars, silent = _teams(new_team, code, "Venusians", "Martians", "Silent")
    host.act(code, "start")
    qid = play(host, code, {venus: {"choice": "0"}, mars: {"choice": "1"}})
    assert totals(app, code) == {"Martians": 2, "Silent": 0, "Venusians": 0}

    response = host.post(f"/host/{code}/scores/key/{qid}", {"correct_option": "0"})
    assert response.status_code == 303
    assert "Answer key changed; every team's answer was scored again." in text(
        host.get(response.headers["Location"])
    )
    assert totals(app, code) == {"Martians": 0, "Silent": 0, "Venusians": 2}
    assert query(app, "select options, correct_option, prompt, points from question where id = %s", qid) == [
        {
            "options": ["Venus", "Mars", "Jupiter"],
            "correct_option": 0,
            "prompt": "Which planet is red?",
            "points": 2,
        }
    ]
    assert "Right! +2 points" in text(venus.get(f"/play/{code}"))
    assert "Not this time" in text(mars.get(f"/play/{code}"))
    assert "Answer: A: Venus" in text(venus.get(f"/play/{code}"))
    assert "fix answer key R1 Q1 “Which planet is red?”" in text(host.get(f"/host/{code}/audit"))


def test_adding_an_accepted_spelling_rescores(app, host, new_team):
    code = host.start_game(host.create_quiz(questions=[TEXT]))
    typo, right, wrong = _teams(new_team, code, "Typos", "Right", "Wrong")
    host.act(code, "start")
    qid = play(
        host, code, {typo: {"text": "Bethoven"}, right: {"text": "beethoven"}, wrong: {"text": "Bach"}}
    )
    assert totals(app, code) == {"Right": 1, "Typos": 0, "Wrong": 0}
    response = host.post(
        f"/host/{code}/scores/key/{qid}", {"accepted": "Beethoven\nLudwig van Beethoven\nBethoven"}
    )
    assert response.status_code == 303
    assert totals(app, code) == {"Right": 1, "Typos": 1, "Wrong": 0}
    assert query(app, "select accepted from question where id = %s", qid) == [
        {"accepted": ["Beethoven", "Ludwig van Beethoven", "Bethoven"]}
    ]
    # An empty key is refused with the form's message, and changes nothing.
    refused = host.post(f"/host/{code}/scores/key/{qid}", {"accepted": "  \n "})
    assert refused.status_code == 422
    assert "Give at least one accepted answer" in text(refused)
    assert totals(app, code) == {"Right": 1, "Typos": 1, "Wrong": 0}


def test_a_markers_verdict_still_wins_after_a_key_change(app, host, new_team):
    code = host.start_game(host.create_quiz(questions=[TEXT]))
    (typo,) = _teams(new_team, code, "Typos")
    host.act(code, "start")
    qid = play(host, code, {typo: {"text": "Bethoven"}}, reveal=False)
    host.post(f"/mark/{code}/{qid}", {"answer_key": "bethoven", "verdict": "wrong"})
    host.post(f"/host/{code}/scores/key/{qid}", {"accepted": "Beethoven\nBethoven"})
    assert totals(app, code) == {"Typos": 0}


# --- leaderboard modes, top N, hidden scores --------------------------------------------------


def _two_round_quiz(host, mode, top=None):
    return build_quiz(
        host,
        leaderboard_mode=mode,
        leaderboard_top=top,
        rounds=[Round("Planets", [CHOICE, dict(CHOICE, prompt="Red planet again?")]), Round("Music", [TEXT])],
    )


def test_leaderboard_mode_round_only_after_a_rounds_last_question(app, host, new_team):
    quiz_id, _, _ = _two_round_quiz(host, "round")
    code = host.start_game(quiz_id)
    (bears,) = _teams(new_team, code, "Bears")
    host.act(code, "start")
    play(host, code, {bears: {"choice": "1"}})
    assert 'data-action="show_leaderboard"' not in host.get(f"/host/{code}").get_data(as_text=True)
    refused = host.act(code, "show_leaderboard", htmx=True)
    assert "“Show leaderboard” is not possible now (the game is at reveal)." in text(refused)
    assert query(app, "select phase from game") == [{"phase": "reveal"}]
    play(host, code, {bears: {"choice": "1"}})
    assert 'data-action="show_leaderboard"' in host.get(f"/host/{code}").get_data(as_text=True)
    assert host.act(code, "show_leaderboard").status_code == 303
    assert query(app, "select phase from game") == [{"phase": "leaderboard"}]
    assert _screen_leaderboard(host, code) == [("1", "Bears", "4")]


def test_leaderboard_mode_end_never_shows_it_before_the_podium(app, host, new_team):
    quiz_id, _, _ = _two_round_quiz(host, "end")
    code = host.start_game(quiz_id)
    bears, wolves = _teams(new_team, code, "Bears", "Wolves")
    host.act(code, "start")
    for _ in range(2):
        play(host, code, {bears: {"choice": "1"}})
        refused = host.act(code, "show_leaderboard", htmx=True)
        assert "“Show leaderboard” is not possible now" in text(refused)
    host.act(code, "next_round")
    play(host, code, {wolves: {"text": "Beethoven"}})
    assert "“Show leaderboard” is not possible now" in text(host.act(code, "show_leaderboard", htmx=True))
    assert query(app, "select phase from game") == [{"phase": "reveal"}]
    host.act(code, "end")
    screen = text(host.get(f"/screen/{code}"))
    assert "Final scores" in screen and re.search(r"1st Bears 4 pts 2nd Wolves 1 pt\b", screen)


def test_the_projector_shows_only_the_top_n(app, host, new_team):
    quiz_id, _, _ = _two_round_quiz(host, "question", top=2)
    code = host.start_game(quiz_id)
    gold, silver, bronze = _teams(new_team, code, "Gold", "Silver", "Bronze")
    host.act(code, "start")
    play(host, code, {gold: {"choice": "1"}, silver: {"choice": "1"}})
    play(host, code, {gold: {"choice": "1"}})
    host.act(code, "show_leaderboard")
    assert _screen_leaderboard(host, code) == [("1", "Gold", "4"), ("2", "Silver", "2")]
    screen = text(host.get(f"/screen/{code}"))
    assert "top 2" in screen and "Bronze" not in screen
    # The host still sees every team.
    assert [name for _, name, _ in leaderboard(app, code)] == ["Gold", "Silver", "Bronze"]
    assert "Bronze" in text(host.get(f"/host/{code}"))


def test_hidden_scores_show_question_marks_on_the_projector(app, host, new_team):
    code = host.start_game(host.create_quiz(questions=[CHOICE, dict(CHOICE, prompt="Again?")]))
    bears, wolves = _teams(new_team, code, "Bears", "Wolves")
    host.act(code, "start")
    play(host, code, {bears: {"choice": "1"}})
    host.act(code, "show_leaderboard")
    assert _screen_leaderboard(host, code) == [("1", "Bears", "2"), ("2", "Wolves", "0")]
    assert host.post(f"/host/{code}/manage/scores-hidden", {"hidden": "1"}).status_code == 303
    assert _screen_leaderboard(host, code) == [("1", "Bears", "?"), ("2", "Wolves", "?")]
    assert "with 2 points" not in text(bears.get(f"/play/{code}"))
    assert "Show scores" in text(host.get(f"/host/{code}"))
    host.post(f"/host/{code}/manage/scores-hidden", {"hidden": "0"})
    assert _screen_leaderboard(host, code) == [("1", "Bears", "2"), ("2", "Wolves", "0")]
    assert "You're 1st of 2 with 2 points" in text(bears.get(f"/play/{code}"))


# --- jokers ---------------------------------------------------------------------------------


@pytest.fixture
def joker_game(app, host, new_team):
    quiz_id, round_ids, _ = build_quiz(
        host,
        rounds=[
            Round("Picture round", [CHOICE], joker=True),
            Round("Warm-up", [CHOICE]),
            Round("Sport", [CHOICE], joker=True),
        ],
    )
    code = host.start_game(quiz_id)
    return code, round_ids, _teams(new_team, code, "Jokers", "Steady", "Latecomers")


def _joker(phone, code, round_id):
    """The joker confirmed (play/joker.html's form): a refusal comes back on the game page."""
    return phone.post(f"/play/{code}/joker", {"round_id": str(round_id), "confirm": "yes"})


JOKER_REFUSED = "The joker can only be played once, on a joker round that has not started."


def _refused(phone, code, response):
    return response.status_code == 303 and JOKER_REFUSED in text(phone.get(f"/play/{code}"))


def test_a_joker_doubles_its_rounds_points(app, host, joker_game):
    code, (pictures, warmup, sport), (jokers, steady, late) = joker_game
    page = text(jokers.get(f"/play/{code}"))
    assert "Play your joker" in page and "Picture round ×2" in page and "Sport ×2" in page
    assert "Warm-up ×2" not in page
    played = _joker(jokers, code, pictures)
    assert played.status_code == 303
    assert "Joker played on “Picture round”" in text(jokers.get(f"/play/{code}"))
    assert query(app, "select round_id from joker") == [{"round_id": pictures}]

    host.act(code, "start")  # the round's intro: not started yet
    screen = text(host.get(f"/screen/{code}"))
    assert "Round 1 of 3 Picture round" in screen
    assert re.search(r"Jokers played on this round: \S+ Jokers", screen) and "Steady" not in screen
    play(host, code, {jokers: {"choice": "1"}, steady: {"choice": "1"}})
    assert totals(app, code) == {"Jokers": 4, "Latecomers": 0, "Steady": 2}
    # What was added is what the total rose by: the phone, the projector and the scores page say so.
    assert "✓ Right! +2 points × 2 joker" in text(jokers.get(f"/play/{code}"))
    assert "× 2 joker" not in text(steady.get(f"/play/{code}"))
    host.act(code, "show_leaderboard")
    assert ("1", "Jokers ★ +2 points × 2 joker", "4") in _screen_leaderboard(host, code)
    assert ("2", "Steady", "2") in _screen_leaderboard(host, code)
    assert "Jokers ★ 2 +2 R1 × 2 joker 4" in text(host.get(f"/host/{code}/scores"))
    host.act(code, "next_round")
    assert "Jokers played on this round" not in text(host.get(f"/screen/{code}"))
    play(host, code, {jokers: {"choice": "1"}, steady: {"choice": "1"}})
    assert totals(app, code) == {"Jokers": 6, "Latecomers": 0, "Steady": 4}


def test_a_second_joker_is_refused(app, host, joker_game):
    code, (pictures, _, sport), (jokers, _, _) = joker_game
    _joker(jokers, code, pictures)
    again = _joker(jokers, code, sport)
    assert _refused(jokers, code, again)
    assert query(app, "select round_id from joker") == [{"round_id": pictures}]


def test_a_joker_on_a_started_or_ordinary_round_is_refused(app, host, joker_game):
    code, (pictures, warmup, sport), (jokers, steady, late) = joker_game
    ordinary = _joker(steady, code, warmup)
    assert _refused(steady, code, ordinary)
    host.act(code, "start")
    assert _joker(steady, code, pictures).status_code == 303  # the round's intro: not started yet
    host.act(code, "open_question")
    started = _joker(late, code, pictures)
    assert _refused(late, code, started)
    unknown = _joker(late, code, 10**9)
    assert _refused(late, code, unknown)
    assert query(
        app, "select count(*) as n from joker where team_id <> %s", team_id(app, code, "Steady")
    ) == [{"n": 0}]
    # A later joker round is still open to the team.
    assert "Sport ×2" in text(late.get(f"/play/{code}"))
    assert _joker(late, code, sport).status_code == 303
    assert query(
        app, "select t.name, j.round_id from joker j join team t on t.id = j.team_id order by t.name"
    ) == [{"name": "Latecomers", "round_id": sport}, {"name": "Steady", "round_id": pictures}]


# --- negative marking -----------------------------------------------------------------------


def test_a_negative_marking_round(app, host, new_team):
    quiz_id, _, _ = build_quiz(
        host, rounds=[Round("Risky", [CHOICE], negative=True), Round("Safe", [CHOICE])]
    )
    code = host.start_game(quiz_id)
    wrong, silent, right = _teams(new_team, code, "Wrong", "Silent", "Right")
    host.act(code, "start")
    assert "Wrong answers lose points" in text(wrong.get(f"/play/{code}"))
    play(host, code, {wrong: {"choice": "0"}, right: {"choice": "1"}})
    assert leaderboard(app, code) == [(1, "Right", 2), (2, "Silent", 0), (3, "Wrong", -2)]
    assert "Not this time (−2 points)" in text(wrong.get(f"/play/{code}"))
    assert "No answer from your team" in text(silent.get(f"/play/{code}"))
    host.act(code, "next_round")
    play(host, code, {wrong: {"choice": "0"}, silent: {"choice": "2"}})  # an ordinary round
    assert totals(app, code) == {"Right": 2, "Silent": 0, "Wrong": -2}


# --- tie-breaks -----------------------------------------------------------------------------


def _end_with_scores(app, host, new_team, right, wrong):
    code = host.start_game(host.create_quiz(questions=[CHOICE]))
    phones = dict(zip(right + wrong, _teams(new_team, code, *right, *wrong), strict=True))
    host.act(code, "start")
    play(host, code, {phones[name]: {"choice": "1" if name in right else "0"} for name in right + wrong})
    host.act(code, "end")
    return code, phones


def _start_tiebreak(app, host, code, names, prompt="How tall is the Eiffel Tower, in metres?", answer="330"):
    return host.post(
        f"/host/{code}/tiebreak",
        {"team": [str(team_id(app, code, n)) for n in names], "prompt": prompt, "answer": answer},
    )


def test_a_tiebreak_decides_the_winner(app, host, new_team):
    code, phones = _end_with_scores(app, host, new_team, ["Alpha", "Bravo"], ["Charlie"])
    assert leaderboard(app, code) == [(1, "Alpha", 2), (1, "Bravo", 2), (3, "Charlie", 0)]
    console = text(host.get(f"/host/{code}"))
    assert "Tie on the podium: Alpha, Bravo" in console and "Run the tie-break" in console

    # Only the tied teams, all of them.
    wrong = _start_tiebreak(app, host, code, ["Alpha", "Charlie"], answer="330")
    assert wrong.status_code == 303
    assert "A tie-break is for teams that share a podium place at the end." in text(host.get(f"/host/{code}"))
    assert query(app, "select phase from game") == [{"phase": "ended"}]

    assert _start_tiebreak(app, host, code, ["Alpha", "Bravo"]).status_code == 303
    assert query(app, "select phase from game") == [{"phase": "tiebreak"}]
    assert "How tall is the Eiffel Tower, in metres?" in text(phones["Alpha"].get(f"/play/{code}"))
    assert "Your tie-break guess" in text(phones["Alpha"].get(f"/play/{code}"))
    assert "Your tie-break guess" not in text(phones["Charlie"].get(f"/play/{code}"))

    # A refusal comes back on the game page (a redirect: reloading it sends no guess again).
    outsider = phones["Charlie"].post(f"/play/{code}/tiebreak", {"number": "330"})
    assert outsider.status_code == 303 and outsider.headers["Location"] == f"/play/{code}"
    page = text(phones["Charlie"].get(f"/play/{code}"))
    assert "Only the tied teams answer a tie-break, once, while it is open." in page
    refused = phones["Charlie"].post(f"/play/{code}/tiebreak", {"number": "330"}, htmx=True)
    assert refused.status_code == 409 and "Only the tied teams" in text(refused)
    assert phones["Alpha"].post(f"/play/{code}/tiebreak", {"number": "320"}).status_code == 303
    again = phones["Alpha"].post(f"/play/{code}/tiebreak", {"number": "330"})
    assert again.status_code == 303 and "Only the tied teams" in text(phones["Alpha"].get(f"/play/{code}"))
    assert phones["Bravo"].post(f"/play/{code}/tiebreak", {"number": "300"}).status_code == 303
    assert "Your tie-break guess: 320" in text(phones["Alpha"].get(f"/play/{code}"))
    assert query(
        app, "select t.name, a.number from tiebreak_answer a join team t on t.id = a.team_id order by t.name"
    ) == [{"name": "Alpha", "number": 320}, {"name": "Bravo", "number": 300}]

    assert host.post(f"/host/{code}/tiebreak/close", {}).status_code == 303
    assert query(app, "select phase from game") == [{"phase": "ended"}]
    assert leaderboard(app, code) == [(1, "Alpha", 2), (2, "Bravo", 2), (3, "Charlie", 0)]
    screen = text(host.get(f"/screen/{code}"))
    assert "Tie-break: “How tall is the Eiffel Tower, in metres?” Answer: 330" in screen
    assert "Alpha 320" in screen and "Bravo 300" in screen
    assert re.search(r"1st Alpha 2 pts 2nd Bravo 2 pts 3rd Charlie 0 pts", screen)
    assert "Tie on the podium" not in text(host.get(f"/host/{code}"))
    # Too late for guesses now.
    late = phones["Bravo"].post(f"/play/{code}/tiebreak", {"number": "330"})
    assert late.status_code == 303 and "Only the tied teams" in text(phones["Bravo"].get(f"/play/{code}"))


def test_a_tied_team_without_a_guess_loses_the_tiebreak(app, host, new_team):
    code, phones = _end_with_scores(app, host, new_team, ["Alpha", "Bravo"], [])
    _start_tiebreak(app, host, code, ["Alpha", "Bravo"], answer="100")
    phones["Bravo"].post(f"/play/{code}/tiebreak", {"number": "5000"})
    host.post(f"/host/{code}/tiebreak/close", {})
    assert leaderboard(app, code) == [(1, "Bravo", 2), (2, "Alpha", 2)]


def test_a_tiebreak_only_at_the_end(app, host, new_team):
    code = host.start_game(host.create_quiz(questions=[CHOICE]))
    _teams(new_team, code, "Alpha", "Bravo")
    host.act(code, "start")
    _start_tiebreak(app, host, code, ["Alpha", "Bravo"])
    assert query(app, "select phase from game") == [{"phase": "intro"}]
    assert query(app, "select count(*) as n from tiebreak") == [{"n": 0}]
    assert host.post(f"/host/{code}/tiebreak/close", {}, follow_redirects=True).status_code == 200
    assert query(app, "select phase from game") == [{"phase": "intro"}]


def test_a_second_tiebreak_keeps_the_first_ones_result(app, host, new_team):
    # Tied for first and tied for third: two tie-breaks, and both results stand.
    code, phones = _end_with_scores(app, host, new_team, ["Alpha", "Bravo"], ["Charlie", "Delta"])
    assert leaderboard(app, code) == [(1, "Alpha", 2), (1, "Bravo", 2), (3, "Charlie", 0), (3, "Delta", 0)]
    _start_tiebreak(app, host, code, ["Alpha", "Bravo"], answer="100")
    phones["Alpha"].post(f"/play/{code}/tiebreak", {"number": "90"})
    phones["Bravo"].post(f"/play/{code}/tiebreak", {"number": "100"})
    host.post(f"/host/{code}/tiebreak/close", {})
    assert leaderboard(app, code) == [(1, "Bravo", 2), (2, "Alpha", 2), (3, "Charlie", 0), (3, "Delta", 0)]
    assert "Tie on the podium: Charlie, Delta" in text(host.get(f"/host/{code}"))

    _start_tiebreak(app, host, code, ["Charlie", "Delta"], prompt="Year of the Moon landing?", answer="1969")
    phones["Charlie"].post(f"/play/{code}/tiebreak", {"number": "1970"})
    phones["Delta"].post(f"/play/{code}/tiebreak", {"number": "1969"})
    host.post(f"/host/{code}/tiebreak/close", {})
    assert leaderboard(app, code) == [(1, "Bravo", 2), (2, "Alpha", 2), (3, "Delta", 0), (4, "Charlie", 0)]
    assert "Tie on the podium" not in text(host.get(f"/host/{code}"))


def test_a_three_way_tie_settled_in_two_tiebreaks(app, host, new_team):
    code, phones = _end_with_scores(app, host, new_team, ["Alpha", "Bravo", "Charlie"], [])
    _start_tiebreak(app, host, code, ["Alpha", "Bravo", "Charlie"], answer="100")
    for name, guess in (("Alpha", "100"), ("Bravo", "90"), ("Charlie", "110")):
        phones[name].post(f"/play/{code}/tiebreak", {"number": guess})
    host.post(f"/host/{code}/tiebreak/close", {})
    assert leaderboard(app, code) == [(1, "Alpha", 2), (2, "Bravo", 2), (2, "Charlie", 2)]
    assert "Tie on the podium: Bravo, Charlie" in text(host.get(f"/host/{code}"))
    _start_tiebreak(app, host, code, ["Bravo", "Charlie"], prompt="Year of the Moon landing?", answer="1969")
    phones["Charlie"].post(f"/play/{code}/tiebreak", {"number": "1969"})
    phones["Bravo"].post(f"/play/{code}/tiebreak", {"number": "1900"})
    host.post(f"/host/{code}/tiebreak/close", {})
    assert leaderboard(app, code) == [(1, "Alpha", 2), (2, "Charlie", 2), (3, "Bravo", 2)]


# --- the half-points migration ----------------------------------------------------------------


def test_the_half_points_migration_keeps_the_points_already_stored(database_url):
    """A database from before 0005 with whole points in it: after migrating, the same points,
    now numeric, and the database refuses anything that is not a whole number of halves."""
    import secrets

    import psycopg

    from pubquiz import db

    name = "pubquiz_before_halves_" + secrets.token_hex(4)
    admin = psycopg.conninfo.make_conninfo(database_url, dbname="postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"create database {name}")
    url = psycopg.conninfo.make_conninfo(database_url, dbname=name)
    try:
        before = sorted(p for p in (db.SQL / "migrations").glob("*.sql") if p.name < "0005")
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(
                "create table schema_migration (name text primary key, "
                "applied_at timestamptz not null default now())"
            )
            for path in before:
                conn.execute(path.read_text())
                conn.execute("insert into schema_migration (name) values (%s)", (path.name,))
            conn.execute("""
                insert into host (email, password_hash) values ('old@example.org', 'x');
                insert into quiz (host_id, title) values (1, 'Old night');
                insert into round (quiz_id, position, title) values (1, 0, 'Old round');
                insert into question (round_id, position, kind, prompt) values (1, 0, 'text', 'Old?');
                insert into game (quiz_id, host_id, code) values (1, 1, 'OLDOLD');
                insert into team (game_id, name, pin) values (1, 'Old team', '1234');
                insert into answer (game_id, team_id, question_id, text, points) values (1, 1, 1, 'x', 3);
                insert into correction (game_id, team_id, question_id, points, reason, actor)
                    values (1, 1, 1, -2, 'old', 'old');
                insert into paper_score (team_id, round_id, points) values (1, 1, 7);
            """)
        assert db.migrate(url)[0] == "0005_half_points.sql"  # and the ones after it
        with psycopg.connect(url, autocommit=True) as conn:
            kept = conn.execute(
                "select (select points from answer) as answer, "
                "(select points from correction) as correction, "
                "(select points from paper_score) as paper"
            ).fetchone()
            assert kept == (Decimal(3), Decimal(-2), Decimal(7))
            conn.execute("update paper_score set points = 7.5")
            with pytest.raises(psycopg.errors.CheckViolation, match="paper_score_points_halves"):
                conn.execute("update paper_score set points = 7.3")
            with pytest.raises(psycopg.errors.CheckViolation, match="answer_points_halves"):
                conn.execute("update answer set points = 0.25")
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"drop database if exists {name} with (force)")
