"""Scoring in pubquiz.scoring: answer matching, points per answer, leaderboard ranks, the spread."""

from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pubquiz.scoring import Answer, Question, normalise, rank, score, spread

# --- helpers ----------------------------------------------------------------------------------


def choice_q(correct_option, points=10, time_limit=20, kind="choice"):
    return Question(kind=kind, points=points, time_limit=time_limit, correct_option=correct_option)


def text_q(*accepted, points=10, time_limit=20):
    return Question(kind="text", points=points, time_limit=time_limit, accepted=tuple(accepted))


def numeric_q(answer, tolerance="0", points=10, time_limit=20):
    return Question(
        kind="numeric",
        points=points,
        time_limit=time_limit,
        numeric_answer=None if answer is None else D(answer),
        tolerance=D(tolerance),
    )


def picks(*choices):
    """Answers with ids 1, 2, 3... choosing these options."""
    return [Answer(id=i, choice=c) for i, c in enumerate(choices, start=1)]


def texts(*values):
    return [Answer(id=i, text=t) for i, t in enumerate(values, start=1)]


def numbers(*values):
    return [Answer(id=i, number=None if v is None else D(v)) for i, v in enumerate(values, start=1)]


def correct_ids(result):
    return {i for i, (correct, _) in result.items() if correct}


# --- normalise --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("Beyoncé!", "beyonce"),
        ("BEYONCÉ", "beyonce"),
        ("Beyonce\u0301", "beyonce"),  # decomposed accent
        ("ÉCOLE", "ecole"),
        ("Motörhead", "motorhead"),
        ("¿Qué?", "que"),
        ("The Beatles", "the beatles"),
        ("  the beatles  ", "the beatles"),
        ("the    beatles", "the beatles"),
        ("the\tbeatles\n", "the beatles"),
        ("AC/DC", "ac dc"),
        ("Guns N’ Roses", "guns n roses"),
        ("Guns N' Roses", "guns n roses"),
        ("“Yesterday”", "yesterday"),
        ('"Yesterday"', "yesterday"),
        ("‘Tis", "tis"),
        ("rock–roll", "rock roll"),  # en dash
        ("wait…", "wait"),
        ("Straße", "strasse"),
        ("42", "42"),
        ("", ""),
        ("   ", ""),
        ("!!!", ""),
        (None, ""),
    ],
)
def test_normalise(raw, expected):
    assert normalise(raw) == expected


def test_normalise_makes_spellings_equal():
    assert normalise("Beyoncé!") == normalise("beyonce")
    assert normalise("  Guns N’ Roses ") == normalise("guns n' roses")
    assert normalise("Beyoncé") != normalise("Beyonc")


# --- score: choice and true/false -------------------------------------------------------------


def test_choice_right_wrong_and_no_choice():
    result = score(choice_q(correct_option=2, points=10), picks(2, 0, None, 2))
    assert result == {1: (True, 10), 2: (False, 0), 3: (False, 0), 4: (True, 10)}


def test_choice_option_zero_can_be_the_right_one():
    result = score(choice_q(correct_option=0, points=3), picks(0, 1, None))
    assert result == {1: (True, 3), 2: (False, 0), 3: (False, 0)}


def test_truefalse():
    result = score(choice_q(correct_option=1, points=5, kind="truefalse"), picks(1, 0, None))
    assert result == {1: (True, 5), 2: (False, 0), 3: (False, 0)}


def test_no_answers_scores_nobody():
    assert score(choice_q(correct_option=0), []) == {}


# --- score: text ------------------------------------------------------------------------------


def test_text_accepts_every_listed_variant():
    question = text_q("Beyoncé", "Beyoncé Knowles", "Queen B", points=4)
    result = score(question, texts("beyonce", "BEYONCE KNOWLES!", "queen b", "Rihanna", "Beyon"))
    assert result == {1: (True, 4), 2: (True, 4), 3: (True, 4), 4: (False, 0), 5: (False, 0)}


def test_text_ignores_accents_punctuation_case_and_spaces():
    question = text_q("Guns N' Roses")
    result = score(question, texts("  guns n’ roses ", "GUNS N ROSES!", "Guns-N-Roses", "gunsnroses"))
    assert correct_ids(result) == {1, 2, 3}
    assert result[4] == (False, 0)


def test_text_empty_accepted_entries_are_ignored():
    # An empty or punctuation-only accepted entry must not make blank answers correct.
    question = text_q("Paris", "", "  ", "?")
    result = score(question, texts("", None, "   ", "!", "paris"))
    assert result == {1: (False, 0), 2: (False, 0), 3: (False, 0), 4: (False, 0), 5: (True, 10)}


def test_text_with_no_accepted_answers_scores_nobody():
    assert correct_ids(score(text_q(), texts("anything", ""))) == set()


# --- score: numeric ---------------------------------------------------------------------------


def test_numeric_single_closest_wins():
    result = score(numeric_q("1969"), numbers("1960", "1970", "1975", None))
    assert result == {1: (False, 0), 2: (True, 10), 3: (False, 0), 4: (False, 0)}


def test_numeric_tie_for_closest_both_win():
    result = score(numeric_q("100"), numbers("90", "110", "130"))
    assert result == {1: (True, 10), 2: (True, 10), 3: (False, 0)}


def test_numeric_exact_answer_wins_alone_without_tolerance():
    result = score(numeric_q("3.14"), numbers("3.14", "3.15", "3"))
    assert result == {1: (True, 10), 2: (False, 0), 3: (False, 0)}


def test_numeric_exact_answer_in_another_notation():
    result = score(numeric_q("1000"), numbers("1E+3", "1000.00", "999"))
    assert correct_ids(result) == {1, 2}


def test_numeric_tolerance_lets_several_win():
    # Closest is 8849 (exact); 8800 and 8900 are within 100 too; 8700 is not.
    result = score(numeric_q("8849", tolerance="100"), numbers("8849", "8800", "8900", "8700"))
    assert result == {1: (True, 10), 2: (True, 10), 3: (True, 10), 4: (False, 0)}


def test_numeric_tolerance_edge_is_inclusive():
    result = score(numeric_q("50", tolerance="5"), numbers("50", "55", "44.99"))
    assert correct_ids(result) == {1, 2}


def test_numeric_closest_wins_even_outside_the_tolerance():
    result = score(numeric_q("50", tolerance="1"), numbers("60", "70"))
    assert correct_ids(result) == {1}


def test_numeric_negative_numbers():
    result = score(numeric_q("-40"), numbers("40", "-39", "-42"))
    assert correct_ids(result) == {2}


def test_numeric_without_a_numeric_answer_scores_nobody():
    result = score(numeric_q(None), numbers("1", "2"))
    assert result == {1: (False, 0), 2: (False, 0)}


def test_numeric_when_nobody_gave_a_number():
    result = score(numeric_q("7"), numbers(None, None))
    assert result == {1: (False, 0), 2: (False, 0)}


# --- score: speed bonus -----------------------------------------------------------------------


def timed(answer_id, seconds, choice=1):
    return Answer(id=answer_id, choice=choice, seconds_taken=seconds)


def test_speed_bonus_is_off_by_default():
    question = choice_q(correct_option=1, points=10, time_limit=20)
    assert score(question, [timed(1, 0.0)]) == {1: (True, 10)}


def test_speed_bonus_at_0_seconds_is_50_percent():
    question = choice_q(correct_option=1, points=10, time_limit=20)
    assert score(question, [timed(1, 0.0)], speed_bonus=True) == {1: (True, 15)}


def test_speed_bonus_shrinks_with_time():
    question = choice_q(correct_option=1, points=20, time_limit=20)
    answers = [timed(1, 0.0), timed(2, 4.0), timed(3, 10.0), timed(4, 16.0), timed(5, 18.0)]
    assert score(question, answers, speed_bonus=True) == {
        1: (True, 30),  # +50 % of 20
        2: (True, 28),  # 80 % of the time left: +8
        3: (True, 25),  # half the time left: +5
        4: (True, 22),  # 20 % left: +2
        5: (True, 21),  # 10 % left: +1
    }
    # Whatever the rounding, a faster correct answer never earns less.
    points = [score(question, [timed(1, s / 2)], speed_bonus=True)[1][1] for s in range(0, 50)]
    assert points == sorted(points, reverse=True)


def test_speed_bonus_after_the_time_limit_is_zero():
    question = choice_q(correct_option=1, points=10, time_limit=20)
    answers = [timed(1, 20.0), timed(2, 25.0), timed(3, 600.0)]
    assert score(question, answers, speed_bonus=True) == {1: (True, 10), 2: (True, 10), 3: (True, 10)}


def test_wrong_answers_never_get_a_speed_bonus():
    question = choice_q(correct_option=1, points=10, time_limit=20)
    answers = [timed(1, 0.0, choice=0), timed(2, 0.0, choice=None)]
    assert score(question, answers, speed_bonus=True) == {1: (False, 0), 2: (False, 0)}


def test_speed_bonus_applies_to_text_and_numeric_too():
    text = text_q("Paris", points=10, time_limit=20)
    assert score(
        text,
        [Answer(id=1, text="paris", seconds_taken=0.0), Answer(id=2, text="rome", seconds_taken=0.0)],
        speed_bonus=True,
    ) == {1: (True, 15), 2: (False, 0)}
    numeric = numeric_q("10", points=10, time_limit=20)
    assert score(
        numeric,
        [Answer(id=1, number=D("9"), seconds_taken=5.0), Answer(id=2, number=D("20"), seconds_taken=0.0)],
        speed_bonus=True,
    ) == {1: (True, 14), 2: (False, 0)}  # 75 % left: +3.75 -> 4


# --- score: property-based (numeric) ----------------------------------------------------------

decimals = st.decimals(min_value=-(10**6), max_value=10**6, places=2, allow_nan=False, allow_infinity=False)


@st.composite
def numeric_rounds(draw):
    question = Question(
        kind="numeric",
        points=draw(st.integers(1, 100)),
        time_limit=draw(st.integers(5, 600)),
        numeric_answer=draw(decimals),
        tolerance=draw(st.one_of(st.just(D(0)), st.decimals(min_value=0, max_value=1000, places=2))),
    )
    ids = draw(st.lists(st.integers(1, 10**9), unique=True, max_size=12))
    answers = [
        Answer(id=i, number=draw(st.one_of(st.none(), decimals)), seconds_taken=draw(st.floats(0, 700)))
        for i in ids
    ]
    return question, answers


@settings(max_examples=500)
@given(round_=numeric_rounds(), speed_bonus=st.booleans())
def test_numeric_scoring_properties(round_, speed_bonus):
    question, answers = round_
    result = score(question, answers, speed_bonus=speed_bonus)
    assert set(result) == {a.id for a in answers}
    guesses = [a for a in answers if a.number is not None]
    correct = correct_ids(result)
    if guesses:
        best = min(abs(a.number - question.numeric_answer) for a in guesses)
        closest = {a.id for a in guesses if abs(a.number - question.numeric_answer) == best}
        assert closest <= correct
        within = {a.id for a in guesses if abs(a.number - question.numeric_answer) <= question.tolerance}
        assert within <= correct
    assert not correct & {a.id for a in answers if a.number is None}
    for correct_flag, points in result.values():
        assert (points == 0) is (not correct_flag)
        if correct_flag:
            assert question.points <= points <= question.points * 1.5 + 0.5


# --- rank -------------------------------------------------------------------------------------


def test_rank_uses_competition_ranking():
    totals = {"Quizzly Bears": 10, "Les Quizerables": 8, "Agatha Quiztie": 8, "Universally Challenged": 5}
    assert rank(totals) == [
        (1, "Quizzly Bears", 10),
        (2, "Les Quizerables", 8),
        (2, "Agatha Quiztie", 8),
        (4, "Universally Challenged", 5),
    ]


def test_rank_sorts_best_first_whatever_the_input_order():
    assert rank({"a": 1, "b": 7, "c": 3}) == [(1, "b", 7), (2, "c", 3), (3, "a", 1)]


def test_rank_keeps_the_given_order_for_equal_totals():
    assert rank({"zeta": 4, "alpha": 4, "mid": 4}) == [(1, "zeta", 4), (1, "alpha", 4), (1, "mid", 4)]
    assert rank({"alpha": 4, "zeta": 4, "mid": 4}) == [(1, "alpha", 4), (1, "zeta", 4), (1, "mid", 4)]


def test_rank_with_several_tie_groups_and_zeroes():
    totals = {1: 0, 2: 9, 3: 9, 4: 9, 5: 2, 6: 0}
    assert rank(totals) == [(1, 2, 9), (1, 3, 9), (1, 4, 9), (4, 5, 2), (5, 1, 0), (5, 6, 0)]


def test_rank_of_nobody():
    assert rank({}) == []


# --- spread -----------------------------------------------------------------------------------


def test_spread_for_choice_counts_per_option_and_flags_the_right_one():
    question = choice_q(correct_option=1)
    answers = picks(1, 1, 0, None, 1)
    assert spread(question, ["Paris", "Rome", "Oslo"], answers) == [
        ("Paris", 1, False),
        ("Rome", 3, True),
        ("Oslo", 0, False),
    ]


def test_spread_for_choice_ignores_out_of_range_choices():
    question = choice_q(correct_option=0)
    answers = picks(0, 3, -1, 99, 2)
    assert spread(question, ["A", "B", "C"], answers) == [("A", 1, True), ("B", 0, False), ("C", 1, False)]


def test_spread_for_truefalse():
    question = choice_q(correct_option=0, kind="truefalse")
    assert spread(question, ["True", "False"], picks(0, 1, 1)) == [("True", 1, True), ("False", 2, False)]


def test_spread_with_no_answers():
    assert spread(choice_q(correct_option=0), ["A", "B"], []) == [("A", 0, True), ("B", 0, False)]
    assert spread(text_q("x"), [], []) == []
    assert spread(numeric_q("1"), [], []) == []


def test_spread_for_text_groups_by_normalised_text_showing_the_first_spelling():
    question = text_q("Beyoncé")
    answers = texts("Rihanna", "beyonce", "Beyoncé!", "RIHANNA ", "  BEYONCE", "Adele")
    assert spread(question, [], answers) == [
        ("beyonce", 3, True),
        ("Rihanna", 2, False),
        ("Adele", 1, False),
    ]


def test_spread_for_text_sorts_by_count_descending():
    question = text_q("c")
    answers = texts("a", "b", "b", "c", "c", "c", "d", "d", "d", "d")
    assert [(label, count) for label, count, _ in spread(question, [], answers)] == [
        ("d", 4),
        ("c", 3),
        ("b", 2),
        ("a", 1),
    ]


def test_spread_for_numeric_groups_equal_numbers_and_flags_the_winners():
    question = numeric_q("1969")
    answers = numbers("1969", "1969.0", "1970", "1968.50", "1970")
    result = spread(question, [], answers)
    assert result[0] == ("1969", 2, True)
    assert set(result) == {("1969", 2, True), ("1970", 2, False), ("1968.5", 1, False)}
    assert [count for _, count, _ in result] == sorted((c for _, c, _ in result), reverse=True)


def test_spread_for_numeric_shows_plain_numbers():
    question = numeric_q("1000", tolerance="10")
    result = spread(question, [], numbers("1E+3", "995", "0.50"))
    assert set(result) == {("1000", 1, True), ("995", 1, True), ("0.5", 1, False)}


def test_spread_for_numeric_keeps_negative_and_positive_apart():
    # -3 and 3 are different answers: only 3 is right.
    question = numeric_q("3")
    result = spread(question, [], numbers("3", "-3"))
    assert set(result) == {("3", 1, True), ("-3", 1, False)}


def test_spread_for_numeric_keeps_decimals_apart_from_their_negatives():
    question = numeric_q("1.5")
    result = spread(question, [], numbers("-1.5", "1.5", "1.5"))
    assert set(result) == {("1.5", 2, True), ("-1.5", 1, False)}


def test_spread_for_numeric_ignores_answers_without_a_number():
    # score() already tolerates a numeric answer with no number (e.g. a text form posted to a
    # numeric question); the spread for the host and the projector must not crash on it.
    question = numeric_q("42")
    answers = numbers("42", "40") + [Answer(id=3, text="forty-two")]
    result = spread(question, [], answers)
    assert set(result) == {("40", 1, False), ("42", 1, True)}


# =============================================================================================
# Pub rules: negative marking, half points, markers' verdicts, re-scoring, jokers, corrections,
# paper scores, tie-breaks.
# =============================================================================================

from dataclasses import replace  # noqa: E402

from pubquiz.scoring import half, podium_ties, tiebreak_places, totals  # noqa: E402

# --- negative marking -------------------------------------------------------------------------


def test_negative_marking_a_wrong_answer_loses_the_questions_points():
    result = score(choice_q(correct_option=1, points=3), picks(1, 0, 2), negative=True)
    assert result == {1: (True, 3), 2: (False, -3), 3: (False, -3)}


def test_negative_marking_leaves_right_answers_and_half_points_alone():
    question = text_q("Paris", points=5)
    plain = score(question, texts("paris", "parys"), verdicts={"parys": "half"})
    negative = score(question, texts("paris", "parys"), negative=True, verdicts={"parys": "half"})
    assert plain == negative == {1: (True, 5), 2: (True, D("2.5"))}


def test_negative_marking_without_an_answer_scores_zero():
    # A team that gave no answer has no answer row: nothing is scored, its total stays 0.
    scored = score(choice_q(correct_option=0, points=4), picks(1), negative=True)
    assert scored == {1: (False, -4)}
    points = {("wrong", "q1"): scored[1][1]}
    assert totals(points, {"q1": "r1"}) == {"wrong": -4}
    assert "silent" not in totals(points, {"q1": "r1"})
    assert rank({"silent": totals(points, {"q1": "r1"}).get("silent", 0), "wrong": -4}) == [
        (1, "silent", 0),
        (2, "wrong", -4),
    ]
    # An answer that says nothing (no option picked, no text, no number) is no answer either.
    empty = [Answer(id=1), Answer(id=2, text=None), Answer(id=3, number=None)]
    for question in (choice_q(correct_option=0), text_q("Paris"), numeric_q("7")):
        assert score(question, empty, negative=True) == {1: (False, 0), 2: (False, 0), 3: (False, 0)}


def test_negative_marking_with_numeric_closest_wins():
    result = score(numeric_q("100", points=2), numbers("98", "102", "150"), negative=True)
    assert result == {1: (True, 2), 2: (True, 2), 3: (False, -2)}


# --- half points ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "points, expected", [(3, "1.5"), (1, "0.5"), (0, "0"), (2, "1"), (10, "5"), (7, "3.5")]
)
def test_half_points_are_exact_halves(points, expected):
    assert half(points) == D(expected)
    question = text_q("Beethoven", points=points)
    assert score(question, texts("bethoven"), verdicts={"bethoven": "half"}) == {1: (True, D(expected))}


def is_halves(value):
    return isinstance(value, D) and (value * 2) == (value * 2).to_integral_value()


@given(points=st.integers(0, 100))
def test_half_of_any_question_is_a_whole_number_of_halves_and_twice_it_is_the_question(points):
    halved = score(text_q("Beethoven", points=points), texts("bethoven"), verdicts={"bethoven": "half"})[1][1]
    assert is_halves(halved) and halved * 2 == points


@given(points=st.integers(1, 100), time_limit=st.integers(5, 600), taken=st.floats(0, 700))
def test_a_speed_bonus_is_the_nearest_half_to_its_share_of_the_time_left(points, time_limit, taken):
    scored = score(
        choice_q(correct_option=1, points=points, time_limit=time_limit), [timed(1, taken)], speed_bonus=True
    )[1][1]
    exact = points * 0.5 * max(0.0, 1.0 - taken / time_limit)
    assert is_halves(scored)
    assert abs((scored - points) - D(exact)) <= D("0.25")
    assert points <= scored <= points * D("1.5")


halves = st.integers(-200, 200).map(lambda n: D(n) / 2)


@given(
    points=st.dictionaries(st.tuples(st.sampled_from("ab"), st.sampled_from("pqr")), halves),
    corrections=st.dictionaries(st.tuples(st.sampled_from("ab"), st.sampled_from("pqr")), halves),
    paper=st.dictionaries(st.tuples(st.sampled_from("ab"), st.sampled_from("xy")), halves),
    jokers=st.dictionaries(st.sampled_from("ab"), st.sampled_from("xy")),
)
def test_totals_of_halves_are_halves_and_lose_nothing(points, corrections, paper, jokers):
    round_of = {"p": "x", "q": "x", "r": "y"}
    result = totals(points, round_of, corrections, jokers, paper)
    assert all(is_halves(total) for total in result.values())
    for team, total in result.items():
        counted = [
            (round_of[q], corrections.get((t, q), points.get((t, q), 0)))
            for t, q in set(points) | set(corrections)
            if t == team
        ]
        counted += [(r, value) for (t, r), value in paper.items() if t == team]
        assert total == sum(value * (2 if jokers.get(team) == r else 1) for r, value in counted)


def test_half_points_never_get_a_speed_bonus():
    question = text_q("Beethoven", points=10, time_limit=20)
    answers = [
        Answer(id=1, text="bethoven", seconds_taken=0.0),
        Answer(id=2, text="Beethoven", seconds_taken=0.0),
    ]
    assert score(question, answers, speed_bonus=True, verdicts={"bethoven": "half"}) == {
        1: (True, 5),
        2: (True, 15),
    }


# --- markers' verdicts ------------------------------------------------------------------------


def test_a_verdict_marks_a_wrong_answer_right():
    question = text_q("Beethoven", points=3)
    answers = texts("Beethoven", "bethoven", "Mozart", "beethoven!")
    assert score(question, answers) == {1: (True, 3), 2: (False, 0), 3: (False, 0), 4: (True, 3)}
    assert score(question, answers, verdicts={"bethoven": "right"}) == {
        1: (True, 3),
        2: (True, 3),
        3: (False, 0),
        4: (True, 3),
    }


def test_a_verdict_marks_a_right_answer_wrong_for_the_whole_group():
    question = text_q("Beethoven", points=3)
    answers = texts("Beethoven", "bethoven", "beethoven!")
    result = score(question, answers, verdicts={"beethoven": "wrong"}, negative=True)
    assert result == {1: (False, -3), 2: (False, -3), 3: (False, -3)}


def test_a_verdict_is_by_normalised_text_and_other_groups_keep_the_key():
    question = text_q("Beethoven", points=2)
    answers = texts("BETHOVEN!", "  bethoven ", "Mozart", "Beethoven")
    result = score(question, answers, verdicts={"bethoven": "right", "somebody else": "wrong"})
    assert result == {1: (True, 2), 2: (True, 2), 3: (False, 0), 4: (True, 2)}


def test_verdicts_do_not_apply_to_choice_or_numeric_questions():
    # Only free text is marked by people: verdicts on text never change other kinds.
    verdicts = {"1": "wrong", "0": "right", "mars": "wrong", "7": "right"}
    assert score(choice_q(correct_option=1, points=2), picks(1, 0), verdicts=verdicts) == {
        1: (True, 2),
        2: (False, 0),
    }
    assert score(numeric_q("7", points=2), numbers("7", "9"), verdicts=verdicts) == {
        1: (True, 2),
        2: (False, 0),
    }


# --- closest wins -----------------------------------------------------------------------------


def test_closest_wins_ties_on_both_sides_share_the_win():
    result = score(numeric_q("0", points=4), numbers("-5", "5", "5.0", "6", "-6"))
    assert result == {1: (True, 4), 2: (True, 4), 3: (True, 4), 4: (False, 0), 5: (False, 0)}


def test_closest_wins_with_decimals_equal_distance():
    result = score(numeric_q("1.25"), numbers("1.2", "1.3", "1.31"))
    assert correct_ids(result) == {1, 2}


# --- re-scoring after the answer key changes --------------------------------------------------


def test_rescoring_the_same_answers_with_a_fixed_choice_key():
    question = choice_q(correct_option=1, points=2)
    answers = picks(0, 1, 0, 2)
    assert correct_ids(score(question, answers)) == {2}
    fixed = replace(question, correct_option=0)
    assert score(fixed, answers) == {1: (True, 2), 2: (False, 0), 3: (True, 2), 4: (False, 0)}


def test_rescoring_after_adding_an_accepted_spelling():
    question = text_q("Beethoven", points=1)
    answers = texts("bethoven", "Beethoven", "Mozart")
    assert correct_ids(score(question, answers)) == {2}
    assert correct_ids(score(replace(question, accepted=("Beethoven", "Bethoven")), answers)) == {1, 2}


def test_rescoring_after_a_numeric_key_change():
    question = numeric_q("1969")
    answers = numbers("1969", "1971")
    assert correct_ids(score(question, answers)) == {1}
    assert correct_ids(score(replace(question, numeric_answer=D("1972")), answers)) == {2}


# --- totals: jokers, corrections, paper scores ------------------------------------------------

ROUND_OF = {"q1": "r1", "q2": "r1", "q3": "r2"}


def test_totals_add_every_question():
    points = {("a", "q1"): 2, ("a", "q2"): 3, ("a", "q3"): 1, ("b", "q3"): 5}
    assert totals(points, ROUND_OF) == {"a": 6, "b": 5}


def test_joker_doubles_only_its_round():
    points = {("a", "q1"): 2, ("a", "q2"): 3, ("a", "q3"): 1, ("b", "q1"): 2, ("b", "q3"): 1}
    assert totals(points, ROUND_OF, jokers={"a": "r1"}) == {"a": (2 + 3) * 2 + 1, "b": 3}
    assert totals(points, ROUND_OF, jokers={"a": "r2"}) == {"a": 2 + 3 + 1 * 2, "b": 3}


def test_joker_doubles_negative_points_too():
    points = {("a", "q1"): -2, ("a", "q2"): 1}
    assert totals(points, ROUND_OF, jokers={"a": "r1"}) == {"a": -2}


def test_corrections_replace_scored_points_and_double_in_the_joker_round():
    points = {("a", "q1"): 0, ("a", "q3"): 1}
    corrections = {("a", "q1"): 4, ("a", "q3"): 0}
    assert totals(points, ROUND_OF, corrections) == {"a": 4}
    assert totals(points, ROUND_OF, corrections, jokers={"a": "r1"}) == {"a": 8}
    # A correction for a question the team never answered counts as well.
    assert totals({}, ROUND_OF, {("b", "q2"): 3}, jokers={"b": "r1"}) == {"b": 6}


def test_paper_scores_count_and_double_in_the_joker_round():
    paper = {("p", "r1"): 7, ("p", "r2"): 3}
    assert totals({}, ROUND_OF, paper=paper) == {"p": 10}
    assert totals({}, ROUND_OF, paper=paper, jokers={"p": "r1"}) == {"p": 17}
    assert totals({}, ROUND_OF, paper=paper, jokers={"p": "r2"}) == {"p": 13}
    # Paper points and points from answers in the same round add up before doubling.
    assert totals({("p", "q1"): 1}, ROUND_OF, paper={("p", "r1"): 2}, jokers={"p": "r1"}) == {"p": 6}


# --- rank with a tie-break --------------------------------------------------------------------


def test_rank_with_tiebreak_places_separates_tied_teams():
    assert rank({"a": 10, "b": 10, "c": 4}, {"b": 1, "a": 2}) == [(1, "b", 10), (2, "a", 10), (3, "c", 4)]


def test_rank_teams_without_a_place_stay_after_placed_ones_with_the_same_total():
    ranked = rank({"x": 10, "a": 10, "b": 10, "c": 12, "d": 3}, {"b": 1, "a": 2})
    assert ranked == [(1, "c", 12), (2, "b", 10), (3, "a", 10), (4, "x", 10), (5, "d", 3)]


def test_rank_equal_tiebreak_places_still_share_a_rank():
    assert rank({"a": 5, "b": 5, "c": 5}, {"a": 1, "b": 1, "c": 3}) == [(1, "a", 5), (1, "b", 5), (3, "c", 5)]


def test_a_tiebreak_place_never_beats_a_higher_total():
    assert rank({"a": 9, "b": 10}, {"a": 1, "b": 2}) == [(1, "b", 10), (2, "a", 9)]


# --- tiebreak_places and podium_ties ----------------------------------------------------------


def test_tiebreak_places_closest_first_equal_distances_share_a_place():
    places = tiebreak_places(D("100"), {"a": D("90"), "b": D("110"), "c": D("130"), "d": D("101")})
    assert places == {"d": 1, "a": 2, "b": 2, "c": 4}


def test_tiebreak_places_all_equal_and_exact():
    assert tiebreak_places(D("324"), {"a": D("324"), "b": D("324.0")}) == {"a": 1, "b": 1}
    assert tiebreak_places(D("324"), {}) == {}


def test_podium_ties():
    ranked = [(1, "a", 9), (1, "b", 9), (3, "c", 7), (3, "d", 7), (5, "e", 1), (5, "f", 1)]
    assert podium_ties(ranked) == [["a", "b"], ["c", "d"]]
    assert podium_ties([(1, "a", 9), (2, "b", 8), (3, "c", 7), (3, "d", 7)]) == [["c", "d"]]
    assert podium_ties([(1, "a", 9), (2, "b", 8), (3, "c", 7), (4, "d", 6), (4, "e", 6)]) == []
    assert podium_ties(rank({"a": 5, "b": 5, "c": 5, "d": 5})) == [["a", "b", "c", "d"]]
    assert podium_ties([]) == []
    assert podium_ties(rank({"a": 5, "b": 5}, {"a": 1, "b": 2})) == []


# --- totals: property-based -------------------------------------------------------------------


@st.composite
def nights(draw):
    """A random quiz night: teams, rounds, questions in rounds, points scored, a sequence of
    corrections (later ones for the same team and question replace earlier ones), jokers and
    paper scores."""
    teams = [f"t{i}" for i in range(draw(st.integers(1, 5)))]
    rounds = [f"r{i}" for i in range(draw(st.integers(1, 4)))]
    questions = [f"q{i}" for i in range(draw(st.integers(1, 8)))]
    round_of = {q: draw(st.sampled_from(rounds)) for q in questions}
    pairs = st.tuples(st.sampled_from(teams), st.sampled_from(questions))
    small = st.integers(-20, 30)
    points = draw(st.dictionaries(pairs, small, max_size=20))
    corrections = draw(st.lists(st.tuples(pairs, small), max_size=15))
    jokers = draw(st.dictionaries(st.sampled_from(teams), st.sampled_from(rounds), max_size=len(teams)))
    paper = draw(
        st.dictionaries(st.tuples(st.sampled_from(teams), st.sampled_from(rounds)), small, max_size=8)
    )
    return teams, rounds, round_of, points, corrections, jokers, paper


def _final(corrections):
    final = {}
    for key, value in corrections:
        final[key] = value
    return final


def _by_hand(teams, rounds, round_of, points, corrections, jokers, paper):
    expected = {}
    for team in teams:
        involved = any(t == team for t, _ in (*points, *corrections, *paper))
        if not involved:
            continue
        total = 0
        for round_ in rounds:
            in_round = sum(
                corrections.get((team, q), points.get((team, q), 0))
                for q, r in round_of.items()
                if r == round_
            )
            in_round += paper.get((team, round_), 0)
            total += in_round * (2 if jokers.get(team) == round_ else 1)
        expected[team] = total
    return expected


@settings(max_examples=400)
@given(night=nights())
def test_totals_equal_the_hand_computed_sum(night):
    teams, rounds, round_of, points, corrections, jokers, paper = night
    final = _final(corrections)
    assert totals(points, round_of, final, jokers, paper) == _by_hand(
        teams, rounds, round_of, points, final, jokers, paper
    )


@settings(max_examples=300)
@given(night=nights())
def test_corrections_one_by_one_end_where_the_final_ones_do(night):
    teams, rounds, round_of, points, corrections, jokers, paper = night
    current, before = {}, totals(points, round_of, {}, jokers, paper)
    for (team, question), value in corrections:
        in_force = current.get((team, question), points.get((team, question), 0))
        current[(team, question)] = value  # the newest correction for (team, question) replaces it
        after = totals(points, round_of, dict(current), jokers, paper)
        # A correction moves its own team's total by the difference to what was in force (doubled
        # in a joker round), and no other team's.
        factor = 2 if jokers.get(team) == round_of[question] else 1
        assert after.get(team, 0) - before.get(team, 0) == (value - in_force) * factor
        assert {t: v for t, v in after.items() if t != team} == {t: v for t, v in before.items() if t != team}
        before = after
    assert before == _by_hand(teams, rounds, round_of, points, _final(corrections), jokers, paper)


@settings(max_examples=200)
@given(night=nights())
def test_a_joker_never_changes_other_rounds(night):
    teams, rounds, round_of, points, corrections, jokers, paper = night
    final = _final(corrections)
    without = totals(points, round_of, final, {}, paper)
    with_jokers = totals(points, round_of, final, jokers, paper)
    for team, total in with_jokers.items():
        joker_round = jokers.get(team)
        round_points = sum(
            final.get((team, q), points.get((team, q), 0)) for q, r in round_of.items() if r == joker_round
        ) + paper.get((team, joker_round), 0)
        assert total == without[team] + (round_points if joker_round else 0)
