"""From what the clients recorded and what the bus kept, the figures: latency percentiles,
deliveries, losses, duplicates and order.

The truth about what was published is the game's event history in Redis (harness/history.py):
for each stream the expected ids are the entries after its starting point that carry one of its
audiences. An entry id is the Redis clock when it was published (same machine), so
publish-to-arrival is measured too.
"""

from harness.history import collapse, events_key, history

QUANTILES = 200  # the distribution kept for plots: the i/200 quantiles, i = 0..200 (201 values)


def percentiles(values, scale=1000.0, digits=1):
    """{count, p50, p95, p99, max, quantiles} of seconds, in milliseconds by default (nearest
    rank). quantiles: min, then every half percent up to max, to 3 significant digits (enough for
    a CDF on a log axis, and results.json stays small)."""
    if not values:
        return {"count": 0, "p50": None, "p95": None, "p99": None, "max": None, "quantiles": []}
    ordered = sorted(values)
    count = len(ordered)

    def value(q):
        return ordered[min(count - 1, max(0, int(q * count + 0.999999) - 1))] * scale

    def rank(q):
        return round(value(q), digits)

    return {
        "count": count,
        "p50": rank(0.50),
        "p95": rank(0.95),
        "p99": rank(0.99),
        "max": round(ordered[-1] * scale, digits),
        "quantiles": [float(f"{value(i / QUANTILES):.3g}") for i in range(QUANTILES + 1)],
    }


def newest_id(redis_client, prefix, game_id):
    """The id (str) of a game's latest event, "" before its first: a window starts after it."""
    newest = redis_client.xrevrange(events_key(prefix, game_id), count=1)
    return newest[0][0].decode() if newest else ""


class Deliveries:
    """Adds up, over many streams, what was expected against what arrived."""

    def __init__(self):
        self.expected = 0
        self.delivered = 0
        self.lost = 0
        self.duplicates = 0
        self.out_of_order = 0
        self.streams = 0
        self.streams_with_loss = 0
        self.click = []  # host POST sent -> arrival (s)
        self.publish = []  # published (Redis id time) -> arrival (s)
        self.arrivals = []
        self.examples = []

    def add(self, stream, expected, published, caused_at=None):
        """expected: ids in order; published: id -> publish time; caused_at: id -> click time."""
        self.streams += 1
        wanted = set(expected)
        seen = {}
        order = []
        for event_id, received in stream.events:
            if event_id in wanted:
                if event_id not in seen:
                    seen[event_id] = received
                order.append(event_id)
        order = collapse(order)
        self.expected += len(expected)
        self.delivered += len(seen)
        missing = len(expected) - len(seen)
        self.lost += missing
        if missing:
            self.streams_with_loss += 1
            if len(self.examples) < 5:
                self.examples.append(
                    {
                        "stream": str(stream.path),
                        "missing": [e.decode() for e in expected if e not in seen][:5],
                        "statuses": stream.statuses[-5:],
                        "connects": stream.connects,
                    }
                )
        self.duplicates += len(order) - len(seen)
        if [e for e in order if e in seen] != [e for e in expected if e in seen] or len(order) != len(
            set(order)
        ):
            self.out_of_order += 1
        for event_id, received in seen.items():
            self.arrivals.append(received)
            self.publish.append(received - published[event_id])
            if caused_at and event_id in caused_at:
                self.click.append(received - caused_at[event_id])

    def summary(self):
        return {
            "streams": self.streams,
            "expected": self.expected,
            "delivered": self.delivered,
            "lost": self.lost,
            "streams_with_loss": self.streams_with_loss,
            "duplicates": self.duplicates,
            "streams_out_of_order": self.out_of_order,
            "click_to_arrival_ms": percentiles(self.click),
            "publish_to_arrival_ms": percentiles(self.publish),
            **({"loss_examples": self.examples} if self.examples else {}),
        }


def check_games(redis_client, prefix, games, streams_of, audiences_of, mark_of, clicks_of=None, into=None):
    """games: iterable; streams_of(game) -> streams; audiences_of(stream) -> set of audiences;
    mark_of(game) -> id (str) the window starts after; clicks_of(game) -> [send times of the host's
    successful clicks, in order]: the n-th event carrying "player" is the n-th click's.
    into: a Deliveries to add to (a soak checks game by game). Returns (Deliveries, notes)."""
    result = into or Deliveries()
    notes = []
    for game in games:
        events = history(redis_client, prefix, game.id, mark_of(game))
        published = {event_id: at for event_id, _, at in events}
        caused_at = None
        if clicks_of is not None:
            clicks = clicks_of(game)
            transitions = [event_id for event_id, audiences, _ in events if "player" in audiences]
            if len(transitions) != len(clicks):
                notes.append(f"game {game.code}: {len(clicks)} clicks but {len(transitions)} player events")
            caused_at = dict(zip(transitions, clicks, strict=False))  # a mismatch is noted above
        for stream in streams_of(game):
            wanted = audiences_of(stream)
            expected = [event_id for event_id, audiences, _ in events if audiences & wanted]
            result.add(stream, expected, published, caused_at)
    return result, notes
