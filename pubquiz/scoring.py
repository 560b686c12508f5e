"""Scoring as pure functions: answer matching, points per answer, leaderboard ranks."""
import string
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

_PUNCTUATION = str.maketrans({c: " " for c in string.punctuation + "‘’“”«»¿¡–—…"})
SPEED_BONUS_SHARE = 0.5  # a correct answer at the very first instant earns +50 %


def normalise(text):
    """Case, surrounding spaces, accents and punctuation do not matter: 'Beyoncé!' == 'beyonce'."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    without_accents = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(without_accents.casefold().translate(_PUNCTUATION).split())


@dataclass(frozen=True)
class Question:
    kind: str
    points: int
    time_limit: int
    correct_option: int | None = None
    accepted: tuple = ()
    numeric_answer: Decimal | None = None
    tolerance: Decimal = Decimal(0)


@dataclass(frozen=True)
class Answer:
    id: int
    choice: int | None = None
    text: str | None = None
    number: Decimal | None = None
    seconds_taken: float = 0.0


def _correct_set(question, answers):
    if question.kind in ("choice", "truefalse"):
        return {a.id for a in answers if a.choice is not None and a.choice == question.correct_option}
    if question.kind == "text":
        accepted = {normalise(t) for t in question.accepted} - {""}
        return {a.id for a in answers if normalise(a.text) in accepted}
    # numeric: the closest team(s) win, and so does anyone within the tolerance.
    guesses = [a for a in answers if a.number is not None]
    if not guesses or question.numeric_answer is None:
        return set()
    distance = {a.id: abs(a.number - question.numeric_answer) for a in guesses}
    best = min(distance.values())
    return {i for i, d in distance.items() if d == best or d <= question.tolerance}


def score(question, answers, speed_bonus=False):
    """{answer id: (correct, points)} for every answer to one question."""
    correct = _correct_set(question, answers)
    result = {}
    for a in answers:
        if a.id not in correct:
            result[a.id] = (False, 0)
            continue
        points = question.points
        if speed_bonus:
            left = max(0.0, 1.0 - a.seconds_taken / question.time_limit)
            points += int(question.points * SPEED_BONUS_SHARE * left + 0.5)  # halves round up
        result[a.id] = (True, points)
    return result


def rank(totals):
    """[(rank, key, total)] best first; equal totals share a rank (1, 2, 2, 4)."""
    ordered = sorted(totals.items(), key=lambda kv: -kv[1])
    ranked, previous, previous_rank = [], None, 0
    for position, (key, total) in enumerate(ordered, start=1):
        if total != previous:
            previous, previous_rank = total, position
        ranked.append((previous_rank, key, total))
    return ranked


def spread(question, options, answers):
    """[(label, count, correct)]: how the room answered, for the projector and the host."""
    correct = _correct_set(question, answers)
    if question.kind in ("choice", "truefalse"):
        counts = [0] * len(options)
        for a in answers:
            if a.choice is not None and 0 <= a.choice < len(options):
                counts[a.choice] += 1
        return [(option, counts[i], i == question.correct_option) for i, option in enumerate(options)]
    groups = {}  # same answer (normalised text, or equal number) -> [label, count, correct]
    for a in answers:
        if question.kind == "text":
            label, key = a.text or "", normalise(a.text)
        elif a.number is not None:
            label, key = format(a.number.normalize(), "f"), a.number
        else:
            continue
        group = groups.setdefault(key, [label, 0, False])
        group[1] += 1
        group[2] = group[2] or a.id in correct
    return sorted((tuple(g) for g in groups.values()), key=lambda g: (-g[1], g[0]))
