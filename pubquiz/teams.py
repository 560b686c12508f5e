"""Teams and their members (the phones that play for one team): who a browser plays as, joining a
game or a team, and the host's team management (rename, kick, merge, paper teams)."""

import hmac
import secrets

from flask import abort, current_app, redirect, session, url_for
from flask_babel import gettext as _

from . import db, games, i18n, limits, seasons, snapshot

MAX_NAME = 30
SAFE_NAMES = (
    "The Quizzly Bears",
    "Quiz in My Pants",
    "Les Quizerables",
    "The Smarty Pints",
    "Trivia Newton John",
    "Universally Challenged",
    "The Brainy Bunch",
    "Agatha Quiztie",
)


def new_pin():
    return "%04d" % secrets.randbelow(10000)


def identity(game):
    """The member this browser is in this game (from its signed cookie), with its team; None for a
    browser of no team, a cookie of another game, a forged or an outdated one, or a kicked team."""
    saved = session.get("teams", {}).get(game["code"])
    if not saved or not isinstance(saved, list) or len(saved) != 2:
        return None
    token = saved[1]
    cache = current_app.extensions["cache"]
    member = cache.get("member:%s" % token)
    if member is None:
        member = db.one("member_identity", game_id=game["id"], token=token)
        if member is None:
            return None
        member = _cacheable(member)
        cache.put("member:%s" % token, member)
    if member["game_id"] != game["id"] or member["kicked"]:
        return None
    return member


def _cacheable(member):
    return {
        key: member[key]
        for key in ("id", "game_id", "name", "pin", "version", "kicked", "member_id", "captain", "token")
    }


def members(tx, team_id):
    """A team's members as the change's transaction left them, for refresh() after it commits."""
    return tx.all("members_of_team", team_id=team_id)


def refresh(members):
    """After a change to a team commits: every member's cached identity gets the new version."""
    cache = current_app.extensions["cache"]
    for member in members:
        cache.put("member:%s" % member["token"], _cacheable(member))


def remember(code, member):
    current_app.extensions["cache"].put("member:%s" % member["token"], _cacheable(member))
    teams = dict(session.get("teams", {}))
    teams[code] = [member["id"], member["token"]]
    # Only the latest few games: the cookie must stay small.
    session["teams"] = dict(list(teams.items())[-5:])
    session.permanent = True


def join(game_id, name, pin="", max_teams=200, may_add_team=lambda: True):
    """Join as a new team (its first phone is the captain) or, with the team's PIN, as another
    member of a team that joined already. may_add_team() is asked (and counts) only for a new
    team. In a game of a season, a name the season knows is its regular's, who must give the
    season team's PIN. Returns (member, the game's snapshot, None) or (None, None, message)."""
    token = secrets.token_urlsafe(16)
    try:
        with db.transaction() as tx:
            team = tx.one("team_by_name", game_id=game_id, name=name)
            captain = team is None
            if team is None:
                team, problem = _new_team(tx, game_id, name, pin, max_teams, may_add_team)
                if problem:
                    return None, None, problem
            elif team["paper"]:
                return None, None, _("That team name is taken in this game. Pick another name.")
            elif not pin or not hmac.compare_digest(pin, team["pin"]):
                if pin:
                    limits.wrong_guess()
                return (
                    None,
                    None,
                    _(
                        "A team with this name has already joined. If it is yours, enter the "
                        "team PIN shown on your teammate's phone."
                    ),
                )
            tx.run("insert_member", team_id=team["id"], token=token, captain=captain)
            member = tx.one("member_identity", game_id=game_id, token=token)
            snap = snapshot.read(tx, game_id)
    except seasons.ClaimedMeanwhile:
        return None, None, _("Another team has just claimed that name in this season. Pick another name.")
    return member, snap, None


def _new_team(tx, game_id, name, pin, max_teams, may_add_team):
    """(the new team, None), or (None, why not)."""
    game = tx.one("game_by_id", id=game_id)
    if game["lobby_closed"]:
        return None, _(
            "The quiz master has closed this game to new teams. If your team is "
            "playing already, join it with its name and PIN."
        )
    if tx.one("teams_in_game", game_id=game_id)["teams"] >= max_teams:
        return None, (
            _(
                "This game is full: it has %(count)s teams. Join a teammate's team with its name and PIN.",
                count=max_teams,
            )
        )
    season = game["season_id"] and tx.one("season_by_id", id=game["season_id"])
    season_pin, season_team_id, problem = seasons.regular(tx, season, name, pin) if season else (None,) * 3
    if problem:
        return None, problem
    if not may_add_team():
        return None, _(
            "So many teams have joined this game from this network that no more "
            "can. Join a teammate's team with its name and PIN, or ask the quiz master."
        )
    team = _insert(tx, game_id, name, False, season, season_pin, season_team_id)
    if team is None:  # taken a moment ago, or by a team the host removed
        return None, _("That team name is taken in this game. Pick another name.")
    return team, None


def _insert(tx, game_id, name, paper, season, season_pin=None, season_team_id=None):
    """A new team; in a season's game it plays for its season team (a regular keeps its PIN), or
    a name new to the season claims itself."""
    team = tx.one(
        "insert_team",
        game_id=game_id,
        name=name,
        pin=season_pin or new_pin(),
        paper=paper,
        season_team_id=season_team_id,
    )
    if team and season and season_team_id is None:
        seasons.claim(tx, season, team)
    return team


def add_paper_team(tx, game_id, name):
    """A team the host adds for a table that plays on paper. In a season's game the host vouches
    for it: it plays for the season team of its name (or claims the name)."""
    season = tx.one("season_of_game", game_id=game_id)
    claimed = season and tx.one("season_team_by_name", season_id=season["id"], name=name)
    return _insert(tx, game_id, name, True, season, claimed and claimed["pin"], claimed and claimed["id"])


def safe_name(taken):
    """A friendly name no other team has: for a team whose chosen name had to go."""
    taken = {t.lower() for t in taken}
    for name in SAFE_NAMES:
        if name.lower() not in taken:
            return name
    number = len(taken) + 1
    while f"team {number}" in taken:
        number += 1
    return f"Team {number}"


def merge(tx, game, from_id, into_id):
    """Fold a team that joined twice into the other (game: its row or cached state): its members,
    and its answers, joker, paper scores and corrections where the other has none; then it is gone."""
    game_id, created_at = game["id"], games.created_at(game)
    for query in ("merge_answers", "merge_members", "merge_joker", "merge_paper_scores", "merge_corrections"):
        tx.run(query, game_created_at=created_at, **{"from": from_id, "into": into_id})
    # Above both teams' versions: the phones moved over must not keep a cached identity.
    tx.run("touch_team", id=into_id, **{"from": from_id})
    return tx.run("delete_team", id=from_id, game_id=game_id)


def member_or_join(code):
    """(game game, this browser's member); for no such game and for not yours alike, a redirect
    to the join form with the code filled in (the two must not be told apart)."""
    game = games.by_code(code)
    member = game and identity(game)
    if not member:
        limits.wrong_guess()
        abort(redirect(url_for("play.join", code=games.normalise_code(code)), 303))
    i18n.use(game.get("language"))
    return game, member


def saved_token(code):
    """The member token this browser holds for a game, without asking anyone (the answer path)."""
    saved = session.get("teams", {}).get(code)
    return saved[1] if isinstance(saved, list) and len(saved) == 2 else None
