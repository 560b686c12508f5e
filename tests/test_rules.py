"""The phase machine in pubquiz.rules: which host action is allowed when, and where it leads.

The expected behaviour below is written out by hand from the rules of a quiz night, not derived
from the code:

* start:            only from the lobby, and only when the quiz has questions; goes to the intro
                    of round 0 with no question opened yet.
* open_question:    from the round intro, the reveal or the leaderboard, while the current round
                    still has an unopened question; opens the next question of the round.
* close_question:   only while a question is open.
* reveal:           only once the question is closed.
* show_leaderboard: only after a reveal.
* next_round:       from the reveal or the leaderboard of the last question of a round, and only
                    when another round exists; goes to that round's intro.
* end:              from every phase except ended and tiebreak.
"""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pubquiz import rules
from pubquiz.rules import IllegalMove, Position

# Two rounds: round 0 has questions 101 and 102, round 1 has question 201.
OUTLINE = ((101, 102), (201,))

ALL_ACTIONS = {"start", "open_question", "close_question", "reveal", "show_leaderboard", "next_round", "end"}

# Human labels a host sees on the console, written out by hand.
LABELS = {
    "start": "Start the quiz",
    "open_question": "Open next question",
    "close_question": "Close question now",
    "reveal": "Reveal answer",
    "show_leaderboard": "Show leaderboard",
    "next_round": "Next round",
    "end": "End the game",
}

# phase -> [(description, position, outline, actions allowed there)]
SITUATIONS = {
    "lobby": [
        ("quiz with questions", Position("lobby", 0, -1), OUTLINE, {"start", "end"}),
        ("quiz without questions", Position("lobby", 0, -1), (), {"end"}),
    ],
    "intro": [
        ("intro of round 1 of 2", Position("intro", 0, -1), OUTLINE, {"open_question", "end"}),
        ("intro of the last round", Position("intro", 1, -1), OUTLINE, {"open_question", "end"}),
    ],
    "question": [
        ("first question of a round", Position("question", 0, 0), OUTLINE, {"close_question", "end"}),
        ("last question of round 1", Position("question", 0, 1), OUTLINE, {"close_question", "end"}),
        ("last question of the quiz", Position("question", 1, 0), OUTLINE, {"close_question", "end"}),
    ],
    "closed": [
        ("first question of a round", Position("closed", 0, 0), OUTLINE, {"reveal", "end"}),
        ("last question of round 1", Position("closed", 0, 1), OUTLINE, {"reveal", "end"}),
        ("last question of the quiz", Position("closed", 1, 0), OUTLINE, {"reveal", "end"}),
    ],
    "reveal": [
        (
            "first question of a round",
            Position("reveal", 0, 0),
            OUTLINE,
            {"open_question", "show_leaderboard", "end"},
        ),
        (
            "last question of round 1",
            Position("reveal", 0, 1),
            OUTLINE,
            {"show_leaderboard", "next_round", "end"},
        ),
        ("last question of the quiz", Position("reveal", 1, 0), OUTLINE, {"show_leaderboard", "end"}),
    ],
    "leaderboard": [
        ("first question of a round", Position("leaderboard", 0, 0), OUTLINE, {"open_question", "end"}),
        ("last question of round 1", Position("leaderboard", 0, 1), OUTLINE, {"next_round", "end"}),
        ("last question of the quiz", Position("leaderboard", 1, 0), OUTLINE, {"end"}),
    ],
    # A tie-break is run by its own controls (pubquiz/tiebreak.py): no phase action applies.
    "tiebreak": [
        ("tie-break after the last question", Position("tiebreak", 1, 0), OUTLINE, set()),
    ],
    "ended": [
        ("ended from the lobby", Position("ended", 0, -1), OUTLINE, set()),
        ("ended mid round", Position("ended", 0, 0), OUTLINE, set()),
        ("ended after the last question", Position("ended", 1, 0), OUTLINE, set()),
    ],
}


def all_situations():
    for phase, situations in SITUATIONS.items():
        for description, pos, outline, allowed in situations:
            yield phase, description, pos, outline, allowed


def test_phases_and_actions_are_the_documented_ones_in_console_order():
    assert rules.PHASES == (
        "lobby",
        "intro",
        "question",
        "closed",
        "reveal",
        "leaderboard",
        "tiebreak",
        "ended",
    )
    assert rules.ACTIONS == (
        "start",
        "open_question",
        "close_question",
        "reveal",
        "show_leaderboard",
        "next_round",
        "end",
    )


def test_the_table_covers_every_phase():
    assert set(SITUATIONS) == set(rules.PHASES)
    for phase, _, pos, _, allowed in all_situations():
        assert pos.phase == phase
        assert allowed <= ALL_ACTIONS


@pytest.mark.parametrize("action", rules.ACTIONS)
@pytest.mark.parametrize("phase", rules.PHASES)
def test_allowed_matches_the_hand_written_table(phase, action):
    for description, pos, outline, allowed in SITUATIONS[phase]:
        expected = action in allowed
        assert rules.allowed(action, pos, outline) is expected, (
            f"{action} at {phase} ({description}): expected {'allowed' if expected else 'refused'}"
        )


def test_an_unknown_action_is_never_allowed():
    assert rules.allowed("jump", Position("reveal", 0, 0), OUTLINE) is False
    with pytest.raises(IllegalMove, match="Unknown action 'jump'"):
        rules.apply("jump", Position("reveal", 0, 0), OUTLINE)


# --- allowed_actions: the console's buttons, in console order ---------------------------------


@pytest.mark.parametrize(
    "pos, outline, expected",
    [
        (Position("lobby", 0, -1), OUTLINE, ["start", "end"]),
        (Position("lobby", 0, -1), (), ["end"]),
        (Position("intro", 0, -1), OUTLINE, ["open_question", "end"]),
        (Position("question", 0, 0), OUTLINE, ["close_question", "end"]),
        (Position("closed", 0, 0), OUTLINE, ["reveal", "end"]),
        (Position("reveal", 0, 0), OUTLINE, ["open_question", "show_leaderboard", "end"]),
        (Position("reveal", 0, 1), OUTLINE, ["show_leaderboard", "next_round", "end"]),
        (Position("reveal", 1, 0), OUTLINE, ["show_leaderboard", "end"]),
        (Position("leaderboard", 0, 0), OUTLINE, ["open_question", "end"]),
        (Position("leaderboard", 0, 1), OUTLINE, ["next_round", "end"]),
        (Position("leaderboard", 1, 0), OUTLINE, ["end"]),
        (Position("ended", 1, 0), OUTLINE, []),
    ],
)
def test_allowed_actions_in_console_order(pos, outline, expected):
    assert rules.allowed_actions(pos, outline) == expected


# --- apply: where each legal move leads -------------------------------------------------------


def test_start_goes_to_the_intro_of_round_0_with_no_question_open():
    assert rules.apply("start", Position("lobby", 0, -1), OUTLINE) == Position("intro", 0, -1)


def test_start_resets_indices_even_if_the_lobby_row_had_others():
    assert rules.apply("start", Position("lobby", 3, 7), OUTLINE) == Position("intro", 0, -1)


@pytest.mark.parametrize(
    "before, after",
    [
        (Position("intro", 0, -1), Position("question", 0, 0)),
        (Position("reveal", 0, 0), Position("question", 0, 1)),
        (Position("leaderboard", 0, 0), Position("question", 0, 1)),
        (Position("intro", 1, -1), Position("question", 1, 0)),
    ],
)
def test_open_question_opens_the_next_question_of_the_round(before, after):
    assert rules.apply("open_question", before, OUTLINE) == after


def test_close_reveal_and_leaderboard_keep_the_question():
    pos = Position("question", 0, 1)
    pos = rules.apply("close_question", pos, OUTLINE)
    assert pos == Position("closed", 0, 1)
    pos = rules.apply("reveal", pos, OUTLINE)
    assert pos == Position("reveal", 0, 1)
    pos = rules.apply("show_leaderboard", pos, OUTLINE)
    assert pos == Position("leaderboard", 0, 1)


@pytest.mark.parametrize("phase", ["reveal", "leaderboard"])
def test_next_round_goes_to_the_next_rounds_intro(phase):
    assert rules.apply("next_round", Position(phase, 0, 1), OUTLINE) == Position("intro", 1, -1)


@pytest.mark.parametrize("phase", ["reveal", "leaderboard"])
def test_next_round_is_refused_before_the_last_question_of_the_round(phase):
    with pytest.raises(IllegalMove, match="Next round"):
        rules.apply("next_round", Position(phase, 0, 0), OUTLINE)


@pytest.mark.parametrize("phase", ["reveal", "leaderboard"])
def test_next_round_is_refused_after_the_last_round(phase):
    with pytest.raises(IllegalMove, match="Next round"):
        rules.apply("next_round", Position(phase, 1, 0), OUTLINE)


@pytest.mark.parametrize("phase", ["lobby", "intro", "question", "closed", "reveal", "leaderboard"])
def test_end_is_allowed_from_every_phase_but_ended(phase):
    pos = Position(phase, 0, -1 if phase in ("lobby", "intro") else 0)
    after = rules.apply("end", pos, OUTLINE)
    assert after.phase == "ended"
    assert after.round_index == 0
    assert rules.allowed_actions(after, OUTLINE) == []


def test_a_whole_quiz_night_in_order():
    moves = [
        ("start", Position("intro", 0, -1)),
        ("open_question", Position("question", 0, 0)),
        ("close_question", Position("closed", 0, 0)),
        ("reveal", Position("reveal", 0, 0)),
        ("open_question", Position("question", 0, 1)),
        ("close_question", Position("closed", 0, 1)),
        ("reveal", Position("reveal", 0, 1)),
        ("show_leaderboard", Position("leaderboard", 0, 1)),
        ("next_round", Position("intro", 1, -1)),
        ("open_question", Position("question", 1, 0)),
        ("close_question", Position("closed", 1, 0)),
        ("reveal", Position("reveal", 1, 0)),
        ("show_leaderboard", Position("leaderboard", 1, 0)),
        ("end", Position("ended", 1, 0)),
    ]
    pos = Position()
    assert pos == Position("lobby", 0, -1)
    for action, expected in moves:
        pos = rules.apply(action, pos, OUTLINE)
        assert pos == expected, action


# --- apply: illegal moves and their messages --------------------------------------------------


def test_starting_a_quiz_without_questions_says_to_add_questions():
    with pytest.raises(IllegalMove) as refused:
        rules.apply("start", Position("lobby", 0, -1), ())
    message = str(refused.value)
    assert "no questions" in message
    assert "add" in message


def test_double_close_question_is_refused_with_the_button_label_and_phase():
    pos = rules.apply("close_question", Position("question", 0, 0), OUTLINE)
    with pytest.raises(IllegalMove) as refused:
        rules.apply("close_question", pos, OUTLINE)
    message = str(refused.value)
    assert "Close question now" in message
    assert "closed" in message
    assert "close_question" not in message


def test_double_start_is_refused():
    pos = rules.apply("start", Position("lobby", 0, -1), OUTLINE)
    with pytest.raises(IllegalMove, match="Start the quiz.*intro"):
        rules.apply("start", pos, OUTLINE)


def test_reveal_before_closing_is_refused():
    with pytest.raises(IllegalMove, match="Reveal answer.*question"):
        rules.apply("reveal", Position("question", 0, 0), OUTLINE)


def test_opening_past_the_end_of_a_round_is_refused():
    with pytest.raises(IllegalMove, match="Open next question"):
        rules.apply("open_question", Position("reveal", 0, 1), OUTLINE)


def test_ending_twice_is_refused():
    with pytest.raises(IllegalMove, match="End the game.*ended"):
        rules.apply("end", Position("ended", 0, 0), OUTLINE)


def _illegal_moves():
    for phase, description, pos, outline, allowed in all_situations():
        for action in rules.ACTIONS:
            if action not in allowed:
                yield pytest.param(action, pos, outline, id=f"{action}@{phase}:{description}")


@pytest.mark.parametrize("action, pos, outline", list(_illegal_moves()))
def test_every_illegal_move_raises_a_readable_message(action, pos, outline):
    with pytest.raises(IllegalMove) as refused:
        rules.apply(action, pos, outline)
    message = str(refused.value)
    if action == "start" and not outline:
        assert "add" in message and "questions" in message
    else:
        assert LABELS[action] in message
        assert pos.phase in message
    # The host never sees an internal identifier such as open_question.
    assert "_" not in message


# --- is_last_question and question_id ---------------------------------------------------------


@pytest.mark.parametrize(
    "pos, outline, expected",
    [
        (Position("question", 0, 0), OUTLINE, False),  # round 0 has another question
        (Position("question", 0, 1), OUTLINE, False),  # last of round 0, but round 1 follows
        (Position("reveal", 1, 0), OUTLINE, True),  # last question of the last round
        (Position("question", 0, 0), ((7,),), True),  # a one-question quiz
        (Position("intro", 1, -1), OUTLINE, False),  # nothing of the last round opened yet
        (Position("lobby", 0, -1), OUTLINE, False),
    ],
)
def test_is_last_question(pos, outline, expected):
    assert rules.is_last_question(pos, outline) is expected


@pytest.mark.parametrize(
    "pos, outline, expected",
    [
        (Position("question", 0, 0), OUTLINE, 101),
        (Position("closed", 0, 1), OUTLINE, 102),
        (Position("reveal", 1, 0), OUTLINE, 201),
        (Position("leaderboard", 1, 0), OUTLINE, 201),
        (Position("lobby", 0, -1), OUTLINE, None),
        (Position("intro", 0, -1), OUTLINE, None),
        (Position("intro", 1, -1), OUTLINE, None),
        (Position("lobby", 0, -1), (), None),
        (Position("question", 0, 0), (), None),
    ],
)
def test_question_id(pos, outline, expected):
    assert rules.question_id(pos, outline) == expected


# --- property-based: random walks through apply -----------------------------------------------

SHOWS_A_QUESTION = ("question", "closed", "reveal", "leaderboard")


@st.composite
def outlines(draw):
    """1-4 rounds of 1-4 question ids, every id distinct (as in the database)."""
    sizes = draw(st.lists(st.integers(1, 4), min_size=1, max_size=4))
    ids = iter(draw(st.lists(st.integers(1, 10**6), min_size=sum(sizes), max_size=sum(sizes), unique=True)))
    return tuple(tuple(next(ids) for _ in range(size)) for size in sizes)


class Walk:
    """Applies actions and checks the invariants after every legal step."""

    def __init__(self, outline):
        self.outline = outline
        self.pos = Position()
        self.opened = []  # (round, question) in the order they were opened
        self.opened_in_round = False

    def step(self, action):
        legal = rules.allowed(action, self.pos, self.outline)
        before = self.pos
        try:
            after = rules.apply(action, self.pos, self.outline)
        except IllegalMove as refused:
            assert not legal, f"{action} is allowed at {before} but apply refused it: {refused}"
            assert str(refused)
            return False
        assert legal, f"{action} is not allowed at {before} but apply accepted it"
        if action == "open_question":
            key = (after.round_index, after.question_index)
            assert key not in self.opened, f"opened {key} twice"
            self.opened.append(key)
            self.opened_in_round = True
        if action in ("start", "next_round"):
            self.opened_in_round = False
        self.pos = after
        self.check(action)
        return True

    def check(self, action):
        pos, outline = self.pos, self.outline
        assert pos.phase in rules.PHASES
        assert 0 <= pos.round_index < len(outline)
        assert -1 <= pos.question_index < len(outline[pos.round_index])
        qid = rules.question_id(pos, outline)
        if pos.phase == "ended":
            # Ending keeps the position, so the last opened question (if any) stays current; the
            # app only shows a question in the phases of SHOWS_A_QUESTION.
            if self.opened_in_round:
                assert qid == outline[pos.round_index][pos.question_index]
            else:
                assert qid is None
        else:
            expect_question = pos.phase in SHOWS_A_QUESTION and self.opened_in_round
            assert (qid is not None) is expect_question, (action, pos)
        if pos.phase in SHOWS_A_QUESTION:
            assert (pos.round_index, pos.question_index) == self.opened[-1]
        # Questions are opened in outline order, round by round, none skipped.
        in_order = [(r, q) for r, questions in enumerate(outline) for q in range(len(questions))]
        assert self.opened == in_order[: len(self.opened)]
        if pos.phase == "ended":
            assert rules.allowed_actions(pos, outline) == []


@settings(max_examples=300)
@given(outline=outlines(), actions=st.lists(st.sampled_from(rules.ACTIONS), max_size=60))
def test_random_action_sequences_keep_the_invariants(outline, actions):
    walk = Walk(outline)
    for action in actions:
        walk.step(action)


@settings(max_examples=300)
@given(outline=outlines(), data=st.data())
def test_random_legal_games_keep_the_invariants_and_open_every_question_once(outline, data):
    """Walks only legal moves (never 'end' until nothing else is possible): a whole game."""
    walk = Walk(outline)
    for _ in range(200):
        choices = [a for a in rules.allowed_actions(walk.pos, outline) if a != "end"]
        if not choices:
            break
        assert walk.step(data.draw(st.sampled_from(choices)))
    else:
        pytest.fail("the game never came to an end")
    # Only 'end' is left: that is the leaderboard of the very last question.
    assert walk.pos == Position("leaderboard", len(outline) - 1, len(outline[-1]) - 1)
    assert rules.is_last_question(walk.pos, outline)
    assert len(walk.opened) == sum(len(r) for r in outline)
    assert walk.step("end")
    assert walk.pos.phase == "ended"
    assert not walk.step("end")


@pytest.mark.parametrize(
    "mode, question_index, expected",
    [
        ("question", 0, True),  # after any question
        ("round", 0, False),  # not in the middle of a round...
        ("round", 1, True),  # ...only after its last question
        ("end", 1, False),  # only the final podium
    ],
)
def test_leaderboard_modes(mode, question_index, expected):
    outline = [(10, 11), (20,)]
    pos = Position("reveal", 0, question_index)
    assert rules.allowed("show_leaderboard", pos, outline, leaderboard=mode) is expected
    if not expected:
        with pytest.raises(rules.IllegalMove):
            rules.apply("show_leaderboard", pos, outline, leaderboard=mode)


# --- next_action: one "next" button (the API's, a Stream Deck's) --------------------------------


@pytest.mark.parametrize(
    "pos, outline, mode, expected",
    [
        (Position("lobby", 0, -1), OUTLINE, "question", "start"),
        (Position("lobby", 0, -1), (), "question", None),  # never ends a game with no questions
        (Position("intro", 0, -1), OUTLINE, "question", "open_question"),
        (Position("question", 0, 0), OUTLINE, "question", "close_question"),
        (Position("closed", 0, 0), OUTLINE, "question", "reveal"),
        (Position("reveal", 0, 0), OUTLINE, "question", "open_question"),
        (Position("reveal", 0, 1), OUTLINE, "question", "show_leaderboard"),
        (Position("reveal", 0, 1), OUTLINE, "end", "next_round"),
        (Position("reveal", 1, 0), OUTLINE, "question", "show_leaderboard"),
        (Position("reveal", 1, 0), OUTLINE, "end", "end"),  # the last answer is revealed
        (Position("leaderboard", 1, 0), OUTLINE, "round", "end"),
        (Position("tiebreak", 1, 0), OUTLINE, "question", None),
        (Position("ended", 1, 0), OUTLINE, "question", None),
    ],
)
def test_next_is_the_consoles_first_control_and_the_end_only_after_the_last_reveal(
    pos, outline, mode, expected
):
    assert rules.next_action(pos, outline, mode) == expected


@settings(max_examples=200)
@given(outline=outlines(), mode=st.sampled_from(rules.LEADERBOARD_MODES))
def test_pressing_next_alone_plays_every_question_once_and_then_ends(outline, mode):
    pos, opened, revealed = Position(), [], []
    for _ in range(200):
        action = rules.next_action(pos, outline, mode)
        if action is None:
            break
        assert rules.allowed(action, pos, outline, mode)
        if action == "end":  # never early: nothing is skipped
            assert rules.is_last_question(pos, outline) and pos.phase in ("reveal", "leaderboard")
        pos = rules.apply(action, pos, outline, mode)
        if action in ("open_question", "reveal"):
            (opened if action == "open_question" else revealed).append(rules.question_id(pos, outline))
    else:
        pytest.fail("next never came to the end")
    assert pos.phase == "ended"
    assert opened == revealed == [question for round_ in outline for question in round_]
