"""Scoring as pure functions: answer matching, points per answer (with markers' verdicts,
speed bonus, negative marking), totals (with corrections, jokers and paper scores), ranks."""

import string
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

_PUNCTUATION = str.maketrans({c: " " for c in string.punctuation + "‘’“”«»¿¡–—…"})
SPEED_BONUS_SHARE = Decimal("0.5")  # a correct answer at the very first instant earns +50 %


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


def answer_key(question, answer):
    """What a marker's verdict applies to: every answer with the same normalised text."""
    return normalise(answer.text) if question.kind == "text" else None


def to_halves(value):
    """The nearest whole number of halves (halves of halves round away from zero): 1.3 -> 1.5."""
    return (Decimal(value) * 2).quantize(Decimal(1), rounding=ROUND_HALF_UP) / 2


def half(points):
    return Decimal(points) / 2  # exactly half: 1 point gives ½, 3 give 1½


def score(question, answers, speed_bonus=False, negative=False, verdicts=None):
    """{answer id: (correct, points)} for every answer to one question.

    verdicts: {answer key: "right" | "half" | "wrong"} from a person marking free text; they
    win over the answer key. Speed bonus only for fully right answers; with negative marking a
    wrong answer loses the question's points."""
    verdicts = verdicts or {}
    automatic = _correct_set(question, answers)
    result = {}
    for a in answers:
        verdict = verdicts.get(answer_key(question, a)) or ("right" if a.id in automatic else "wrong")
        if verdict == "wrong":
            # An answer with nothing in it is no answer: it scores 0 even with negative marking.
            blank = a.choice is None and not a.text and a.number is None
            result[a.id] = (False, Decimal(-question.points if negative and not blank else 0))
            continue
        if verdict == "half":
            result[a.id] = (True, half(question.points))
            continue
        points = Decimal(question.points)
        if speed_bonus:
            left = Decimal(max(0.0, 1.0 - a.seconds_taken / question.time_limit))
            points += to_halves(question.points * SPEED_BONUS_SHARE * left)
        result[a.id] = (True, points)
    return result


def totals(points, round_of, corrections=None, jokers=None, paper=None):
    """{team: total}.

    points: {(team, question): points scored}; round_of: {question: round};
    corrections: {(team, question): points}, the host's word, over what was scored;
    jokers: {team: round whose points count double}; paper: {(team, round): points typed in}."""
    corrections, jokers, paper = corrections or {}, jokers or {}, paper or {}
    per_round = defaultdict(Decimal)
    for team, question in set(points) | set(corrections):
        effective = corrections.get((team, question), points.get((team, question), 0))
        per_round[(team, round_of[question])] += effective
    for (team, round_), value in paper.items():
        per_round[(team, round_)] += value
    result = defaultdict(Decimal)
    for (team, round_), value in per_round.items():
        result[team] += value * (2 if jokers.get(team) == round_ else 1)
    return dict(result)


def rank(totals, tiebreak=None):
    """[(rank, key, total)] best first; equal totals share a rank (1, 2, 2, 4) unless
    tiebreak ({key: place in a tie-break, lower is better}) separates them."""
    tiebreak = tiebreak or {}
    unplaced = float("inf")
    ordered = sorted(totals.items(), key=lambda kv: (-kv[1], tiebreak.get(kv[0], unplaced)))
    ranked, previous, previous_rank = [], None, 0
    for position, (key, total) in enumerate(ordered, start=1):
        standing = (total, tiebreak.get(key, unplaced))
        if standing != previous:
            previous, previous_rank = standing, position
        ranked.append((previous_rank, key, total))
    return ranked


def tiebreak_places(answer, guesses):
    """{team: place} for a numeric tie-break, closest first; equal distances share a place;
    teams without a guess come last."""
    distance = {team: abs(number - answer) for team, number in guesses.items()}
    places, previous, previous_place = {}, None, 0
    for position, (team, d) in enumerate(sorted(distance.items(), key=lambda kv: kv[1]), start=1):
        if d != previous:
            previous, previous_place = d, position
        places[team] = previous_place
    return places


def podium_ties(ranked, places=3):
    """The groups of keys that share a rank on the podium: [[a, b], ...]."""
    groups = defaultdict(list)
    for rank_, key, _ in ranked:
        if rank_ <= places:
            groups[rank_].append(key)
    return [keys for _, keys in sorted(groups.items()) if len(keys) > 1]


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
