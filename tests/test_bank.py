"""The question bank (search, filters, paging, adding to a round, duplicating a quiz) and "used
before" (when and where a question was last played, and the editor's warning for a venue)."""

import re

import psycopg
from helpers import CHOICE, NUMERIC, TEXT, HostActions

ZOE = dict(TEXT, prompt="Which singer is Zoë Kravitz's father?", accepted="Lenny Kravitz")


def _page(host, path):
    response = host.get(path)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def _prompts(page):
    return re.findall(r"<strong>([^<]*)</strong>", page.split("bank-results", 1)[1])


def _round_ids(host, quiz_id):
    return [int(i) for i in re.findall(r'id="round-(\d+)"', _page(host, f"/quizzes/{quiz_id}"))]


def _question_ids(host, quiz_id):
    return [int(i) for i in re.findall(r'href="/questions/(\d+)"', _page(host, f"/quizzes/{quiz_id}"))]


def _play_all(host, quiz_id, venue):
    """A game of the quiz at the venue, every question opened, closed and revealed."""
    response = host.post(f"/quizzes/{quiz_id}/games", {"venue": venue})
    assert response.status_code == 303
    code = response.headers["Location"].rsplit("/", 1)[1]
    host.act(code, "start")
    for _ in _question_ids(host, quiz_id):
        host.act(code, "open_question")
        host.act(code, "close_question")
        host.act(code, "reveal")
    return code


def test_search_ignores_accents_and_case(host):
    host.create_quiz("Music", [ZOE, CHOICE])
    for words in ("zoe", "ZOË", "Kravitz", "lenny"):
        assert _prompts(_page(host, f"/quizzes/bank?q={words}")) == [
            "Which singer is Zoë Kravitz&#39;s father?"
        ]
    assert _prompts(_page(host, "/quizzes/bank?q=planet")) == ["Which planet is red?"]
    assert "No questions found" in _page(host, "/quizzes/bank?q=beyonce")
    assert len(_prompts(_page(host, "/quizzes/bank"))) == 2


def test_filters_by_kind_category_and_difficulty(host):
    geography = dict(
        CHOICE,
        prompt="Capital of France?",
        option_0="Paris",
        option_1="Lyon",
        option_2="Nice",
        correct_option="0",
        category="Geography",
        difficulty="easy",
    )
    hard = dict(NUMERIC, category="History", difficulty="hard")
    host.create_quiz("Mixed", [geography, hard, TEXT])
    assert _prompts(_page(host, "/quizzes/bank?kind=numeric")) == ["Year of the Moon landing?"]
    assert _prompts(_page(host, "/quizzes/bank?category=geography")) == ["Capital of France?"]
    assert _prompts(_page(host, "/quizzes/bank?difficulty=hard")) == ["Year of the Moon landing?"]
    assert _prompts(_page(host, "/quizzes/bank?kind=choice&difficulty=hard")) == []
    # An unknown kind is no filter, not an error.
    assert len(_prompts(_page(host, "/quizzes/bank?kind=nonsense&page=x"))) == 3
    editor = _page(host, f"/questions/{_question_ids(host, host.create_quiz('x', [hard]))[0]}")
    assert 'value="History"' in editor and '<option value="hard" selected>' in editor


def test_a_bad_difficulty_is_refused_with_a_message(host):
    quiz_id = host.create_quiz()
    round_id = _round_ids(host, quiz_id)[0]
    response = host.post(f"/rounds/{round_id}/questions", dict(CHOICE, difficulty="brutal"))
    assert response.status_code == 422
    assert "Choose easy, medium or hard" in response.get_data(as_text=True)


def test_results_come_fifty_to_a_page(host):
    host.create_quiz("Many", [dict(CHOICE, prompt=f"Question number {n}") for n in range(1, 56)])
    first = _page(host, "/quizzes/bank?q=question")
    assert len(_prompts(first)) == 50 and "Next →" in first and "← Previous" not in first
    second = _page(host, "/quizzes/bank?q=question&page=2")
    assert _prompts(second) == [f"Question number {n}" for n in range(51, 56)]
    assert "Next →" not in second and "← Previous" in second


def test_add_from_the_bank_copies_the_question_to_the_end_of_the_round(host, app):
    source = host.create_quiz("Old quiz", [dict(ZOE, category="Music", difficulty="medium")])
    target = host.create_quiz("New quiz", [NUMERIC])
    question_id = _question_ids(host, source)[0]
    round_id = _round_ids(host, target)[0]
    page = _page(host, f"/quizzes/bank?to_round={round_id}&q=zoe")
    assert "Add to this round" in page
    response = host.post(f"/quizzes/bank/{question_id}/copy", {"to_round": round_id, "q": "zoe"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/quizzes/bank?to_round={round_id}&q=zoe")
    assert "added to Round 1." in _page(host, response.headers["Location"])
    editor = _page(host, f"/quizzes/{target}")
    assert editor.index("Year of the Moon landing?") < editor.index("Zoë Kravitz")
    copy_id = _question_ids(host, target)[1]
    assert copy_id != question_id
    form = _page(host, f"/questions/{copy_id}")
    assert "Lenny Kravitz" in form and 'value="Music"' in form
    assert "Zoë Kravitz" in _page(host, f"/quizzes/{source}")  # the original stays where it was


def test_adding_someone_elses_question_or_to_their_round_is_404(host, app):
    mine = host.create_quiz("Mine", [CHOICE])
    other = HostActions(app)
    other.register("other@example.org")
    theirs = other.create_quiz("Theirs", [TEXT])
    my_question, my_round = _question_ids(host, mine)[0], _round_ids(host, mine)[0]
    their_question, their_round = _question_ids(other, theirs)[0], _round_ids(other, theirs)[0]
    assert host.post(f"/quizzes/bank/{their_question}/copy", {"to_round": my_round}).status_code == 404
    assert host.post(f"/quizzes/bank/{my_question}/copy", {"to_round": their_round}).status_code == 404
    assert host.post(f"/quizzes/bank/{my_question}/copy", {"to_round": "x"}).status_code == 400
    assert host.get(f"/quizzes/bank?to_round={their_round}").status_code == 404
    assert "Who wrote the Moonlight Sonata?" not in _page(host, "/quizzes/bank")
    assert len(_question_ids(other, theirs)) == 1


def test_duplicate_quiz_equals_the_original(host, clean_db):
    quiz_id = host.create_quiz("Friday", [CHOICE, dict(ZOE, category="Music"), NUMERIC], speed_bonus=True)
    response = host.post(f"/quizzes/{quiz_id}/duplicate")
    assert response.status_code == 303
    copy_id = int(response.headers["Location"].rsplit("/", 1)[1])
    assert copy_id != quiz_id
    assert "Friday (copy)" in _page(host, f"/quizzes/{copy_id}")
    columns = (
        "kind, prompt, options, correct_option, accepted, numeric_answer, tolerance, "
        "time_limit, points, image_on_phones, category, difficulty, r.position, r.title, x.position"
    )
    with psycopg.connect(clean_db) as conn:

        def contents(quiz):
            return conn.execute(
                f"select {columns} from question x join round r on r.id = x.round_id"
                " where r.quiz_id = %s order by r.position, x.position",
                (quiz,),
            ).fetchall()

        settings = "select speed_bonus, leaderboard_mode, leaderboard_top from quiz where id = %s"
        assert contents(copy_id) == contents(quiz_id) and len(contents(quiz_id)) == 3
        assert conn.execute(settings, (copy_id,)).fetchone() == conn.execute(settings, (quiz_id,)).fetchone()


def test_questions_show_when_and_where_they_were_last_played(host):
    quiz_id = host.create_quiz("Tuesday", [CHOICE, TEXT])
    bank = _page(host, "/quizzes/bank")
    assert "never played" in bank and "last played" not in bank
    _play_all(host, quiz_id, "The Crown")
    editor = _page(host, f"/quizzes/{quiz_id}")
    assert editor.count("at The Crown</span>") == 2
    assert re.search(r"last played \d{1,2} \w{3} \d{4} at The Crown", editor)
    assert _page(host, "/quizzes/bank").count("at The Crown") == 2
    # The next game's venue is the last one, until the host picks another.
    assert 'id="venue" name="venue" maxlength="120" list="venues" value="The Crown"' in editor


def test_the_editor_warns_of_questions_played_at_the_same_venue(host):
    played = host.create_quiz("Last week", [CHOICE, TEXT])
    _play_all(host, played, "The Crown")
    _play_all(host, host.create_quiz("Elsewhere", [NUMERIC]), "The Anchor")
    # This week's quiz: one question copied from the bank, one typed again (another case), one new.
    fresh = host.create_quiz("This week", [dict(TEXT, prompt="WHO WROTE THE MOONLIGHT SONATA?"), NUMERIC])
    round_id = _round_ids(host, fresh)[0]
    host.post(f"/quizzes/bank/{_question_ids(host, played)[0]}/copy", {"to_round": round_id})
    at_anchor = _page(host, f"/quizzes/{fresh}")  # the venue played last
    assert "1 question already played at The Anchor" in at_anchor
    at_crown = _page(host, f"/quizzes/{fresh}?venue=the crown")
    assert "2 questions already played at the crown" in at_crown
    warning = at_crown.split('class="repeats"', 1)[1].split("</div>", 1)[0]
    assert "Which planet is red?" in warning and "MOONLIGHT" in warning and "Moon landing" not in warning
    assert "has been played at The Swan" in _page(host, f"/quizzes/{fresh}?venue=The Swan")


def test_a_question_opened_without_answers_was_played(host, clean_db):
    quiz_id = host.create_quiz("Once", [CHOICE])
    code = _play_all(host, quiz_id, "")
    with psycopg.connect(clean_db) as conn:
        rows = conn.execute("select game_id, question_id from played_question").fetchall()
        venue = conn.execute("select venue from game where code = %s", (code,)).fetchone()[0]
    assert len(rows) == 1 and venue is None


def test_a_venue_too_long_is_refused(host):
    quiz_id = host.create_quiz()
    response = host.post(f"/quizzes/{quiz_id}/games", {"venue": "x" * 121})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/quizzes/{quiz_id}")
    assert "The venue must be at most 120 characters." in _page(host, f"/quizzes/{quiz_id}")
