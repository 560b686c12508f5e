"""Seasons in PostgreSQL: a host's leagues, the teams that come back week after week (a name
claimed once in the season with its PIN), and the league table read from the season's ended
games (league.py does the arithmetic)."""

import hmac
import time

from flask import current_app
from flask_babel import gettext

from . import db, league, limits, snapshot

REGULAR = "“{name}” is a regular of {season}: enter your team PIN (the one your team used last time)."


def rule(season):
    return league.Rule(season["scoring"], season["best_of"], tuple(season["place_points"] or ()))


def own(host_id):
    return db.all("seasons_of_host", host_id=host_id)


def create(host_id, name, scoring, best_of=None, place_points=None):
    return db.one(
        "insert_season",
        host_id=host_id,
        name=name,
        scoring=scoring,
        best_of=best_of if scoring == "best" else None,
        place_points=list(place_points) if scoring == "places" else None,
    )["id"]


def regular(tx, season, name, pin):
    """For a team new to a game of this season: (its PIN, its season team's id, None) when the
    name is new to the season or is a regular's and pin is its PIN; (None, None, why) when the
    PIN is missing or wrong (a wrong one counts as a guess)."""
    claimed = tx.one("season_team_by_name", season_id=season["id"], name=name)
    if claimed is None:
        return None, None, None
    if pin and hmac.compare_digest(pin, claimed["pin"]):
        return claimed["pin"], claimed["id"], None
    if pin:
        limits.wrong_guess()
    return None, None, REGULAR.format(name=claimed["name"], season=season["name"])


class ClaimedMeanwhile(Exception):
    """Another game's team claimed the name between our look and our claim: roll back."""


def claim(tx, season, team):
    """A team whose name is new to the season claims it, with the team's PIN."""
    claimed = tx.one("claim_season_team", season_id=season["id"], name=team["name"], pin=team["pin"])
    if claimed is None:
        raise ClaimedMeanwhile()
    tx.run("link_team", id=team["id"], season_team_id=claimed["id"])


def weeks(season_id):
    """[(game, [league.Finish])] of the season's ended games, oldest first: each season team's
    place and total in that game's final leaderboard (the one its results and podium show)."""
    by_team = {row["id"]: row["name"] for row in db.all("season_week_teams", season_id=season_id)}
    ended = [g for g in db.all("games_of_season", season_id=season_id) if g["phase"] == "ended"]
    result = []
    with db.transaction() as tx:
        for game in ended:
            snap = snapshot.read(tx, game["id"])
            finishes = [
                league.Finish(by_team[row["id"]], rank, row["total"])
                for rank, row in snap.leaderboard
                if row["id"] in by_team
            ]
            result.append((game, finishes))
    return result


def table(season):
    """(the season's weeks [game], its league table [league.Row])."""
    played = weeks(season["id"])
    names = [t["name"] for t in db.all("season_teams", season_id=season["id"])]
    return [game for game, _ in played], league.table(rule(season), [f for _, f in played], names)


def header(games):
    """The league table's columns: the points first (on a phone the weeks scroll), then each week."""
    weeks = [f"W{n} {g['created_at']:%d %b}" for n, g in enumerate(games, 1)]
    return ["Rank", "Team", "Points", "Won", *weeks]


def cells(row):
    return [row.rank, row.team, row.points, row.wins, *row.weeks]


LEAGUE_ON_SCREEN = 9  # rows: readable from the back of the pub at 720p, with the podium
LOBBY_WITH_LEAGUE = 8  # team names in the lobby above the league (the others are counted)
LOBBY_LEAGUE_SECONDS = 5


def on_screen(snap):
    """What the projector shows of the game's league: before the night (the lobby) and after it,
    (season, its rules in words, the top rows); None at other times and for a game of no season.

    In the lobby every team that joins publishes the screen: the league (the other weeks' games,
    a snapshot each) is kept for a few seconds per game and process, so a pub joining at once
    costs one league, not one per team (a correction to an old week shows at the first change
    after those seconds)."""
    season_id = snap.game.get("season_id")
    if snap.phase not in ("lobby", "ended") or not season_id:
        return None
    kept = current_app.extensions.setdefault("lobby_leagues", {})
    # The words are in the game's language, which may change in the lobby: it is part of the key.
    key, now = (snap.game["id"], season_id, snap.game["language"]), time.monotonic()
    if snap.phase == "lobby" and kept.get(key, (0, None))[0] > now:
        return kept[key][1]
    season = db.one("season_by_id", id=season_id)
    _, rows = table(season)
    shown = season, f"{rule(season).describe(gettext)} {gettext(league.TIE_RULES)}", rows[:LEAGUE_ON_SCREEN]
    if snap.phase == "lobby":
        for old in [k for k, (until, _) in kept.items() if until <= now]:
            kept.pop(old, None)
        kept[key] = (now + LOBBY_LEAGUE_SECONDS, shown)
    return shown
