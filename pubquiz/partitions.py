"""Answer partitions, one per UTC month of the game's creation (migration 0013 says why):
created ahead of need, and dropped whole by `pubquiz prune` when their nights are forgotten."""

import datetime
from dataclasses import dataclass

from . import db


class PruneRefused(Exception):
    """The reason a prune would lose what someone still needs, in words for the operator."""


@dataclass
class Pruned:
    partitions: list  # (name, answers it held)
    games: int
    before: datetime.date  # the first month kept


def first_of_month(day):
    return day.replace(day=1)


def months_back(day, months):
    """The first day of the month `months` before day's month."""
    index = day.year * 12 + day.month - 1 - months
    return datetime.date(index // 12, index % 12 + 1, 1)


def check_prune_date(before, today, force):
    """The first month kept when pruning before that date: whole months only, so a date in the
    middle of a month keeps that month. Dropping this month or last month (nights that may still
    be corrected or looked at) needs force."""
    kept = first_of_month(before)
    if kept > months_back(today, 1) and not force:
        raise PruneRefused(
            f"{before} would drop answers of this month or last month; "
            f"the latest date allowed is {months_back(today, 1)} (or add --force)."
        )
    return kept


def create_ahead(months_ahead):
    """This month's partition and the next months'; the names of those created now."""
    with db.transaction() as tx:
        tx.one("lock_answer_partitions")
        return [row["name"] for row in tx.all("create_answer_partitions", months_ahead=months_ahead)]


def month_partitions():
    return db.all("answer_partitions")


def prune(before, today, force=False):
    """Drop the month partitions wholly before `before`, and the games they held the answers of
    (results with every answer gone would be wrong, not just old). Refused while one of those
    games has not ended, unless forced."""
    kept = check_prune_date(before, today, force)
    boundary = datetime.datetime.combine(kept, datetime.time(), datetime.UTC)
    with db.transaction() as tx:
        tx.one("lock_answer_partitions")
        unfinished = tx.all("unfinished_games_created_before", before=boundary)
        if unfinished and not force:
            codes = ", ".join(f"{g['code']} ({g['phase']})" for g in unfinished[:10])
            raise PruneRefused(
                f"{len(unfinished)} game(s) created before {kept} have not ended: {codes}. "
                "End them first (or add --force)."
            )
        dropped = [
            (row["name"], tx.value("drop_answer_partition", name=row["name"]))
            for row in tx.all("answer_partitions")
            if row["month"] < kept
        ]
        games = tx.run("delete_games_created_before", before=boundary)
    return Pruned(dropped, games, kept)
