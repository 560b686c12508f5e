"""A season's league table as pure functions: each week (an ended game of the season) gives every
season team that played it a place and a total; the season's scoring rule turns those into league
points, and the written tie rules order equal teams. Free of Flask and SQL."""

from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from .rules import N_

# English, marked for the catalogues (N_): the pages say them in their language (describe()).
SCORING = {
    "total": N_("Total points: every week's points added up."),
    "best": N_("Best weeks: the points of each team's best %(best_of)s weeks added up."),
    "places": N_("Points by place: %(place_points)s for 1st, 2nd, 3rd… each week."),
}
TIE_RULES = N_(
    "Equal league points: the team with more weeks won is ahead, then the team with the higher "
    "best week; teams equal on all three share the place."
)
DEFAULT_PLACE_POINTS = (10, 8, 6, 5, 4, 3, 2, 1)
MAX_PLACE_POINTS = 20


class Finish(NamedTuple):
    """How a season team finished one week: its place (ties share one) and its points."""

    team: str
    place: int
    points: Decimal


@dataclass(frozen=True)
class Rule:
    scoring: str  # one of SCORING
    best_of: int | None = None
    place_points: tuple = ()

    def week_score(self, finish):
        """What one week is worth in the league: its points, or for 'places' its place's points
        (a place beyond the list is worth nothing)."""
        if self.scoring != "places":
            return Decimal(finish.points)
        return Decimal(self.place_points[finish.place - 1] if finish.place <= len(self.place_points) else 0)

    def counted(self, scores):
        """The indexes of the weeks that count: every week, or the best best_of of them (the
        earlier week first when two are worth the same)."""
        played = [i for i, score in enumerate(scores) if score is not None]
        if self.scoring != "best":
            return set(played)
        return set(sorted(played, key=lambda i: (-scores[i], i))[: self.best_of])

    def describe(self, translate=str):
        """The rule in words; translate: a gettext, for a page in another language."""
        points = ", ".join(str(p) for p in self.place_points)
        return translate(SCORING[self.scoring]) % {"best_of": self.best_of, "place_points": points}


@dataclass(frozen=True)
class Row:
    rank: int
    team: str
    weeks: list  # the week's league score, None for a week not played
    counted: frozenset  # indexes of the weeks that count towards points
    points: Decimal
    wins: int
    best_week: Decimal


def table(rule, weeks, teams):
    """[Row] of every team (season team names), best first: weeks is a list (oldest first) of
    lists of Finish. A team of no week is in the table with no points."""
    rows = []
    for team in teams:
        finishes = [next((f for f in week if f.team == team), None) for week in weeks]
        scores = [None if f is None else rule.week_score(f) for f in finishes]
        counted = rule.counted(scores)
        rows.append(
            Row(
                rank=0,
                team=team,
                weeks=scores,
                counted=frozenset(counted),
                points=sum((scores[i] for i in counted), Decimal(0)),
                wins=sum(1 for f in finishes if f is not None and f.place == 1),
                best_week=max((s for s in scores if s is not None), default=Decimal(0)),
            )
        )
    rows.sort(key=lambda r: (_standing(r), r.team.lower()))
    return [
        Row(**{**row.__dict__, "rank": 1 + sum(1 for o in rows if _standing(o) < _standing(row))})
        for row in rows
    ]


def _standing(row):
    """Smaller is better: league points, then weeks won, then the best week (TIE_RULES)."""
    return (-row.points, -row.wins, -row.best_week)


def parse_place_points(text):
    """'10, 8, 6' as (10, 8, 6), or None when it is not a list of whole points from the most
    down (a later place is never worth more than an earlier one)."""
    try:
        points = tuple(int(p) for p in text.replace(";", ",").split(",") if p.strip())
    except ValueError:
        return None
    if (
        not points
        or len(points) > MAX_PLACE_POINTS
        or min(points) < 0
        or list(points) != sorted(points)[::-1]
    ):
        return None
    return points
