""" "Used before": when and at which venue each of a quiz's questions was last played, and which of
them the teams at a venue have had already (the same question, or one with the same prompt)."""

from . import db


def for_quiz(host_id, quiz_id, venue=None):
    """The venues the host has played at (the latest first), the venue checked (the one asked
    for, or else the latest), each question's last play by its id, and the repeats there."""
    venues = [row["venue"] for row in db.all("venues_of_host", host_id=host_id)]
    venue = " ".join((venue or "").split()) or (venues[0] if venues else None)
    return {
        "venues": venues,
        "venue": venue,
        "plays": {row["question_id"]: row for row in db.all("last_plays_of_quiz", quiz_id=quiz_id)},
        "repeats": db.all("repeats_at_venue", quiz_id=quiz_id, venue=venue) if venue else [],
    }
