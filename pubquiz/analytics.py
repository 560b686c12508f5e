"""The analytics dashboard's figures as pure functions: % right per question, the hardest and the
easiest, the spread of answer times, days of games. Free of Flask and SQL: the pages read the
rows and draw the charts."""

import math
from dataclasses import dataclass
from datetime import date, timedelta

from .charts import Bar, Bin

# A histogram's bin width (seconds): the smallest of these that needs no more than MAX_BINS bins.
BIN_WIDTHS = (1, 2, 5, 10, 15, 30, 60, 120)
MAX_BINS = 12
MOST_SHOWN = 3  # hardest and easiest questions listed


@dataclass(frozen=True)
class Question:
    """How one question went: the answers it got and how many were right (a half counts)."""

    label: str  # "R1 Q2", or with the quiz's title across quizzes
    prompt: str
    answers: int
    right: int
    mean_seconds: float | None = None

    @property
    def percent(self):
        return round(100 * self.right / self.answers) if self.answers else 0

    @property
    def name(self):
        return f"{self.label} {self.prompt}"


def percent_bars(questions):
    return [Bar(q.name, q.percent, f"{q.percent} %") for q in questions]


def hardest(questions):
    """The questions fewest teams got right, hardest first; never the same one as easiest()
    when there are two or more (each list takes at most half of them)."""
    ranked = sorted(questions, key=lambda q: (q.percent, -q.answers))
    return ranked[: _shown(questions)]


def easiest(questions):
    ranked = sorted(questions, key=lambda q: (-q.percent, -q.answers))
    return ranked[: _shown(questions)]


def _shown(questions):
    return max(1, min(MOST_SHOWN, len(questions) // 2)) if questions else 0


def overall_percent(questions):
    answers = sum(q.answers for q in questions)
    return round(100 * sum(q.right for q in questions) / answers) if answers else 0


def time_bins(seconds):
    """[Bin] of equal width from 0 covering every time (seconds): how long teams took."""
    if not seconds:
        return []
    longest = max(max(seconds), 1)
    width = next((w for w in BIN_WIDTHS if math.ceil(longest / w) <= MAX_BINS), BIN_WIDTHS[-1])
    count = max(1, math.ceil(longest / width))
    counts = [0] * count
    for s in seconds:
        # A time on an edge goes in the bin it starts (10 s: 10–15, not 5–10), the longest in the last.
        counts[min(int(max(s, 0) // width), count - 1)] += 1
    return [Bin(i * width, (i + 1) * width, n) for i, n in enumerate(counts)]


def parse_day(text):
    """A date typed as YYYY-MM-DD (what <input type=date> sends); None when empty; ValueError
    otherwise (the page says why, in its language)."""
    text = (text or "").strip()
    return date.fromisoformat(text) if text else None


def days(first, last, rows):
    """[(day, row or None)] for every day from first to last: rows is {day: row}; a day with
    nothing happening is in the list too, so a quiet day shows as a zero, not a gap."""
    return [(first + timedelta(n), rows.get(first + timedelta(n))) for n in range((last - first).days + 1)]
