"""The console's controls as the console and the API both press them: the transition in one
transaction (games.py), the deadline timer of a question it opened, then the publish. There is
no second path to the rules: a Stream Deck's "next" is the console's button."""

from flask import current_app

from . import games, live


def move(game_id, action, expected_version, actor):
    """Apply a host action (rules.ACTIONS, or "next") and push it to every screen; its snapshot.
    Raises rules.IllegalMove when the game is not where the action fits (or moved since
    expected_version; None: whatever it is now)."""
    snap = games.transition(game_id, action, expected_version=expected_version, actor=actor)
    # Only opening a question leads to "question", only closing one to "closed".
    if snap.phase == "question":
        current_app.extensions["background"].deadline_in(snap.seconds_left)
    # A new question silences the last one's music.
    live.publish(snap, audio=snap.phase in ("question", "closed"))
    return snap


def pause(game_id, paused, expected_version, actor):
    """Pause or resume, and push it; its snapshot. Raises rules.IllegalMove as move does."""
    snap = games.set_paused(game_id, paused, expected_version, actor)
    if not paused and snap.phase == "question":
        current_app.extensions["background"].deadline_in(snap.seconds_left)
    live.publish(snap)
    return snap
