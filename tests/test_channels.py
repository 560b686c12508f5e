"""Per-game channels: a process receives the events of the games it has streams of and nothing
else, and a stream's backlog and its live events join without a gap or a repeat."""

import json
import secrets
import time

import pytest
import redis
from helpers import CHOICE, Stream, redis_url

from pubquiz import games
from pubquiz.events import Hub, encode
from pubquiz.redis_bus import RedisBus


def _wait_for(condition, seconds=5, what="the condition"):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.01)


def _received(sub, expected):
    items = []
    _wait_for(lambda: items.extend(sub.wait(timeout=0.05)) or expected in items, what=expected)
    return items


@pytest.fixture
def processes():
    """Two buses on one Redis, as two app processes have."""
    prefix = "pubquiz-test-" + secrets.token_hex(4)
    buses = [RedisBus(Hub(), redis_url(), history_size=50, prefix=prefix) for _ in range(2)]
    for bus in buses:
        assert bus.connected.wait(5), "the Redis subscription did not start"
    yield buses
    for bus in buses:
        bus.close()


def _subscribers(bus, game_id):
    return redis.Redis.from_url(redis_url()).pubsub_numsub(bus.channel(game_id))[0][1]


def test_a_process_with_no_viewer_of_a_game_receives_nothing_of_it(processes):
    first, second = processes
    one = first.hub.subscribe(1, ("host",))
    two = second.hub.subscribe(2, ("host",))
    ids = [first.publish(1, {"host": "<p>%d</p>" % i, "team:3": "x" * 1000}).id for i in range(20)]
    # Game 2's event is published after all of game 1's: once the second process has it, it
    # would have had game 1's too, were it subscribed to them.
    marker = second.publish(2, {"host": "<p>marker</p>"}).id
    assert _received(one, encode(ids[-1], "<p>19</p>"))[0] == encode(ids[0], "<p>0</p>")
    _received(two, encode(marker, "<p>marker</p>"))
    assert second.received == 1
    assert first.received == 20


def test_one_subscription_per_game_while_streams_are_open_and_none_after_the_grace(processes):
    bus = processes[0]
    bus.GRACE_SECONDS = 0.5
    streams = [bus.hub.subscribe(7, ("player",)) for _ in range(3)]
    assert _subscribers(bus, 7) == 1  # three streams, one subscription of this process
    for sub in streams[:2]:
        bus.hub.unsubscribe(sub)
    time.sleep(1.6)  # past the grace and the listener's next round
    assert _subscribers(bus, 7) == 1  # a stream is still open
    bus.hub.unsubscribe(streams[2])
    # A reload within the grace finds the subscription still there.
    again = bus.hub.subscribe(7, ("player",))
    event = bus.publish(7, {"player": "<p>back</p>"})
    _received(again, encode(event.id, "<p>back</p>"))
    bus.hub.unsubscribe(again)
    _wait_for(lambda: _subscribers(bus, 7) == 0, what="the unsubscribe after the grace")
    bus.publish(7, {"player": "<p>nobody</p>"})  # no stream here: this process gets none of it
    after = bus.hub.subscribe(7, ("player",))  # subscribes again, from now on
    event = bus.publish(7, {"player": "<p>again</p>"})
    assert _received(after, encode(event.id, "<p>again</p>")) == [encode(event.id, "<p>again</p>")]
    assert bus.received == 2  # "back" and "again"


# --- the join of backlog and live events, over HTTP, on both buses -------------------------


def _game(app, host, new_team):
    code = host.start_game(host.create_quiz(questions=[CHOICE]))
    team = new_team()
    team.join(code, "Listeners")
    with app.app_context():
        game_id = games.by_code(code)["id"]
    return code, team, game_id


@pytest.mark.parametrize("backend", ["memory", "redis"], indirect=True)
@pytest.mark.parametrize("when", ["before", "before, delivered late", "after"])
def test_an_event_published_while_a_stream_reads_its_backlog_arrives_exactly_once(
    app, host, new_team, monkeypatch, when
):
    """`before`: published after the stream subscribed but before its backlog was read, so the
    backlog holds it and it is delivered live too, while the backlog is read or (delivered
    late) after it was sent. `after`: published just after the backlog was read, so only the
    subscription can bring it."""
    code, team, game_id = _game(app, host, new_team)
    bus, hub = app.extensions["bus"], app.extensions["hub"]
    position = bus.last_id(game_id)
    read_backlog, deliver = bus.since, hub.deliver

    def since_with_a_publish(game, after):
        if when.startswith("before"):
            bus.publish(game_id, {"player": "<p>in between</p>"})
        missed = read_backlog(game, after)
        if when == "after":
            bus.publish(game_id, {"player": "<p>in between</p>"})
        return missed

    def deliver_late(event):
        time.sleep(0.3)  # the Redis listener's thread: the stream has sent its backlog by then
        deliver(event)

    monkeypatch.setattr(bus, "since", since_with_a_publish)
    if when.endswith("late"):
        monkeypatch.setattr(hub, "deliver", deliver_late)
    stream = Stream(team.get(f"/play/{code}/events", headers={"Last-Event-ID": position}, buffered=False))
    stream.read_until("in between")
    monkeypatch.setattr(bus, "since", read_backlog)
    bus.publish(game_id, {"player": "<p>marker</p>"})
    text = stream.read_until("marker")
    stream.close()
    assert text.count("in between") == 1
    assert len(stream.ids()) == len(set(stream.ids())) == 2


def test_events_published_before_fragments_were_shared_still_replay_and_deliver(processes):
    """A rolling upgrade: a process of the previous version publishes each audience's fragment in
    "p", with no "f"; this version reads its history and its live messages alike."""
    bus = processes[0]
    old = json.dumps({"g": 1, "p": {"host": "<p>old host</p>"}, "t": time.time()})
    client = redis.Redis.from_url(redis_url())
    entry = client.xadd(bus._key(1), {"e": old}).decode()
    assert [(e.id, e.parts) for e in bus.since(1, "0")] == [(entry, {"host": "<p>old host</p>"})]
    host = bus.hub.subscribe(1, ("host",))
    client.publish(bus.channel(1), "9-1 " + old)
    assert encode("9-1", "<p>old host</p>") in _received(host, encode("9-1", "<p>old host</p>"))
