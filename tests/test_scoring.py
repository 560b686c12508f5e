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
    return Question(kind="numeric", points=points, time_limit=time_limit,
                    numeric_answer=None if answer is None else D(answer), tolerance=D(tolerance))


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

@pytest.mark.parametrize("raw, expected", [
    ("Beyoncé!", "beyonce"),
    ("BEYONCÉ", "beyonce"),
    ("Beyonce\u0301", "beyonce"),                   # decomposed accent
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
    ("rock–roll", "rock roll"),                     # en dash
    ("wait…", "wait"),
    ("Straße", "strasse"),
    ("42", "42"),
    ("", ""),
    ("   ", ""),
    ("!!!", ""),
    (None, ""),
])
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
        1: (True, 30),   # +50 % of 20
        2: (True, 28),   # 80 % of the time left: +8
        3: (True, 25),   # half the time left: +5
        4: (True, 22),   # 20 % left: +2
        5: (True, 21),   # 10 % left: +1
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
    assert score(text, [Answer(id=1, text="paris", seconds_taken=0.0),
                        Answer(id=2, text="rome", seconds_taken=0.0)],
                 speed_bonus=True) == {1: (True, 15), 2: (False, 0)}
    numeric = numeric_q("10", points=10, time_limit=20)
    assert score(numeric, [Answer(id=1, number=D("9"), seconds_taken=5.0),
                           Answer(id=2, number=D("20"), seconds_taken=0.0)],
                 speed_bonus=True) == {1: (True, 14), 2: (False, 0)}  # 75 % left: +3.75 -> 4


# --- score: property-based (numeric) ----------------------------------------------------------

decimals = st.decimals(min_value=-10**6, max_value=10**6, places=2, allow_nan=False,
                       allow_infinity=False)


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
    answers = [Answer(id=i, number=draw(st.one_of(st.none(), decimals)),
                      seconds_taken=draw(st.floats(0, 700))) for i in ids]
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
        ("d", 4), ("c", 3), ("b", 2), ("a", 1)]


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
