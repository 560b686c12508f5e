"""The game as pure functions: phases, which host action is allowed when, and where it leads.

No Flask and no SQL here. A game's position is (phase, round_index, question_index) inside an
outline: one tuple of question ids per round, empty rounds left out.
"""

from dataclasses import dataclass, replace

PHASES = ("lobby", "intro", "question", "closed", "reveal", "leaderboard", "tiebreak", "ended")
# When the quiz lets the host show the leaderboard: after any question, after a round's last
# question, or only as the final podium.
LEADERBOARD_MODES = ("question", "round", "end")


def N_(text):
    """Marks English text for the catalogues; the screen that shows it translates it."""
    return text


# The host console offers these, in this order.
ACTIONS = ("start", "open_question", "close_question", "reveal", "show_leaderboard", "next_round", "end")

ACTION_LABELS = {
    "start": N_("Start the quiz"),
    "open_question": N_("Open next question"),
    "close_question": N_("Close question now"),
    "reveal": N_("Reveal answer"),
    "show_leaderboard": N_("Show leaderboard"),
    "next_round": N_("Next round"),
    "end": N_("End the game"),
}

# The phase in the host's words (the console, the list of games).
PHASE_LABELS = {
    "lobby": N_("Lobby: waiting for teams"),
    "intro": N_("Round intro"),
    "question": N_("Question open"),
    "closed": N_("Answers closed"),
    "reveal": N_("Answer revealed"),
    "leaderboard": N_("Leaderboard"),
    "tiebreak": N_("Tie-break"),
    "ended": N_("Game over"),
}


class IllegalMove(Exception):
    """A host action that the game's current phase does not allow (e.g. a double click). Its
    English text is `message % params`; the console says it in the host's language."""

    def __init__(self, message, **params):
        super().__init__(message % params if params else message)
        self.message, self.params = message, params


@dataclass(frozen=True)
class Position:
    phase: str = "lobby"
    round_index: int = 0
    question_index: int = -1


def question_id(position, outline):
    if position.question_index < 0 or not outline:
        return None
    return outline[position.round_index][position.question_index]


def _has_next_question(pos, outline):
    return bool(outline) and pos.question_index + 1 < len(outline[pos.round_index])


def _has_next_round(pos, outline):
    return pos.round_index + 1 < len(outline)


def is_last_question(pos, outline):
    return not _has_next_question(pos, outline) and not _has_next_round(pos, outline)


def allowed(action, pos, outline, leaderboard="question"):
    phase = pos.phase
    if action == "start":
        return phase == "lobby" and bool(outline)
    if action == "open_question":
        return phase in ("intro", "reveal", "leaderboard") and _has_next_question(pos, outline)
    if action == "close_question":
        return phase == "question"
    if action == "reveal":
        return phase == "closed"
    if action == "show_leaderboard":
        if leaderboard == "round":
            return phase == "reveal" and not _has_next_question(pos, outline)
        return phase == "reveal" and leaderboard == "question"
    if action == "next_round":
        return (
            phase in ("reveal", "leaderboard")
            and not _has_next_question(pos, outline)
            and _has_next_round(pos, outline)
        )
    if action == "end":
        return phase not in ("ended", "tiebreak")
    return False


def allowed_actions(pos, outline, leaderboard="question"):
    return [action for action in ACTIONS if allowed(action, pos, outline, leaderboard)]


def next_action(pos, outline, leaderboard="question"):
    """What one "next" button does (a Stream Deck's, through the API): the console's first
    control, so it walks start, open, close, reveal, leaderboard, next round; the end only where
    the game ends by itself (the last answer revealed), never early. None: nothing to do (a
    tie-break, the game over)."""
    for action in allowed_actions(pos, outline, leaderboard):
        if action != "end":
            return action
    if allowed("end", pos, outline, leaderboard) and is_last_question(pos, outline):
        if pos.phase in ("reveal", "leaderboard"):
            return "end"
    return None


def apply(action, pos, outline, leaderboard="question"):
    """The position after `action`, or IllegalMove with a message a host understands."""
    if action not in ACTIONS:
        raise IllegalMove(N_("Unknown action %(action)r."), action=action)
    if not allowed(action, pos, outline, leaderboard):
        if action == "start" and not outline:
            raise IllegalMove(N_("This quiz has no questions yet: add some before starting."))
        raise IllegalMove(
            N_("“%(action)s” is not possible now (the game is at %(phase)s)."),
            action=ACTION_LABELS[action],
            phase=pos.phase,
        )
    if action == "start":
        return Position("intro", 0, -1)
    if action == "open_question":
        return replace(pos, phase="question", question_index=pos.question_index + 1)
    if action == "close_question":
        return replace(pos, phase="closed")
    if action == "reveal":
        return replace(pos, phase="reveal")
    if action == "show_leaderboard":
        return replace(pos, phase="leaderboard")
    if action == "next_round":
        return Position("intro", pos.round_index + 1, -1)
    return replace(pos, phase="ended")


def position(game):
    """Where a game is, from its database row."""
    return Position(game["phase"], game["round_index"], game["question_index"])
