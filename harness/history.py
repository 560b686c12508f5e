"""A game's event history as the RedisBus keeps it (a Redis Stream per game, ids in publish order,
each entry holding every audience's fragment): the truth about what was published, to check what
clients received against."""

import json


def events_key(prefix, game_id):
    return f"{prefix}:{{game:{game_id}}}:events"


def history(redis_client, prefix, game_id, after=""):
    """[(id bytes, audiences, publish time s)] of a game's events after `after` (exclusive).
    An entry id is "<ms>-<seq>", the Redis clock when it was published."""
    start = "(" + after if after else "-"
    out = []
    for entry_id, fields in redis_client.xrange(events_key(prefix, game_id), start, "+"):
        parts = json.loads(fields[b"e"])["p"]
        out.append((entry_id, frozenset(parts), int(entry_id.split(b"-")[0]) / 1000.0))
    return out


def collapse(ids):
    """Consecutive repeats are one event: a team stream gets the players' and its own fragment of
    a result event as two messages with the same id."""
    out = []
    for event_id in ids:
        if not out or out[-1] != event_id:
            out.append(event_id)
    return out
