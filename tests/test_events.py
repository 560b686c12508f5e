"""The event path: hub fan-out, replay history, and SSE streams over HTTP."""

import secrets
import time

import pytest
from helpers import CHOICE, HostActions, Stream, redis_url

from pubquiz import games
from pubquiz.events import HEARTBEAT, START, Hub, MemoryBus, Subscription, encode
from pubquiz.redis_bus import RedisBus

# Every test here runs against both buses: one process, and many processes over Redis.
pytestmark = pytest.mark.parametrize("backend", ["memory", "redis"], indirect=True)


@pytest.fixture
def bus(backend):
    if backend == "memory":
        yield MemoryBus(Hub(), history_size=5)
        return
    bus = RedisBus(Hub(), redis_url(), history_size=5, prefix="pubquiz-test-" + secrets.token_hex(4))
    assert bus.connected.wait(5), "the Redis subscription did not start"
    yield bus
    bus.close()


def _wait_for(condition, seconds=5):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def _drain(sub, expect=1):
    """The first `expect` items the subscriber received, waiting (bounded) for them: the Redis bus
    delivers from its listener thread, a moment after publish returns."""
    items = []
    deadline = time.monotonic() + 5
    while len(items) < expect:
        assert time.monotonic() < deadline, f"{expect} items expected, got {items}"
        items += sub.wait(timeout=0.1)
    return items


def _before_marker(bus, sub, game_id, audience):
    """What the subscriber received before a marker published now for its game and audience. One
    bus delivers in publish order (Redis: one channel), so whatever an earlier publish was going
    to deliver has arrived once the marker has: "nothing else arrived" is then a real check."""
    marker = encode(bus.publish(game_id, {audience: "<p>marker</p>"}).id, "<p>marker</p>")
    items = []
    while marker not in items:
        items += _drain(sub)
    return items[: items.index(marker)]


def test_each_subscriber_gets_only_its_audiences(bus):
    host = bus.hub.subscribe(1, ("host",))
    team = bus.hub.subscribe(1, ("player", "team:7"))
    other_team = bus.hub.subscribe(1, ("player", "team:8"))
    other_game = bus.hub.subscribe(2, ("host",))
    event = bus.publish(1, {"host": "<p>host</p>", "player": "<p>all</p>", "team:7": "<p>you</p>"})
    assert _before_marker(bus, host, 1, "host") == [encode(event.id, "<p>host</p>")]
    assert _before_marker(bus, team, 1, "team:7") == [
        encode(event.id, "<p>all</p>") + encode(event.id, "<p>you</p>")
    ]
    assert _before_marker(bus, other_team, 1, "team:8") == [encode(event.id, "<p>all</p>")]
    assert _before_marker(bus, other_game, 2, "host") == []


def test_teams_with_the_same_result_are_handed_one_encoding_of_it(bus):
    teams = {number: bus.hub.subscribe(1, ("team:%d" % number,)) for number in (1, 2, 3)}
    # Equal fragments that are not one string object, as two renderings or a decoder give them.
    right = "".join(["<p>", "right</p>"])
    event = bus.publish(1, {"team:1": right, "team:2": "<p>right</p>", "team:3": "<p>wrong</p>"})
    handed = {number: _drain(sub)[0] for number, sub in teams.items()}
    assert handed[1] == encode(event.id, "<p>right</p>")
    assert handed[1] is handed[2]  # encoded once for both teams
    assert handed[3] == encode(event.id, "<p>wrong</p>")


def test_a_fragment_many_teams_share_is_published_once_and_replayed_to_each(backend, bus):
    result = "<p>You said B Mars ✓</p>" * 40
    parts = {"team:%d" % number: result for number in range(200)} | {"player": "<p>all</p>"}
    event = bus.publish(1, parts)
    if backend == "redis":  # what Redis holds, and every process decodes: the fragment once
        [(_, fields)] = bus.redis.xrange(bus._key(1))
        assert len(fields[b"e"]) < 2 * len(result.encode()) + 200 * 20
    [replayed] = bus.since(1, START)
    assert replayed.id == event.id and replayed.parts == parts


def test_wire_format_is_one_unnamed_sse_message(backend):
    assert encode("a-1", "<div>\n  x\n</div>") == b"id: a-1\ndata: <div>\ndata:   x\ndata: </div>\n\n"


def test_replay_after_an_id_in_order_and_unknown_ids(bus):
    ids = [bus.publish(1, {"host": f"<p>{i}</p>"}).id for i in range(4)]
    assert [e.parts["host"] for e in bus.since(1, ids[1])] == ["<p>2</p>", "<p>3</p>"]
    assert bus.since(1, ids[-1]) == []
    assert bus.since(1, "from-before-a-restart") is None
    assert len(bus.since(1, START)) == 4  # a page rendered before the first event
    assert bus.since(1, "") is None  # no position: the full state, never the whole history
    assert bus.last_id(1) == ids[-1]
    assert bus.last_id(99) == ""


def test_history_is_bounded_and_too_old_means_full_refresh(bus):
    # Redis trims streams approximately (MAXLEN ~): it keeps at least the last 5, maybe more.
    ids = [bus.publish(1, {"host": str(i)}).id for i in range(400)]
    assert bus.since(1, ids[0]) is None  # trimmed: the client must get the full state
    assert [e.parts["host"] for e in bus.since(1, ids[-4])] == ["397", "398", "399"]
    assert len(bus.since(1, START)) < 400


def test_a_client_too_slow_to_keep_up_is_closed_not_buffered_forever(bus):
    sub = bus.hub.subscribe(1, ("host",))
    big = "x" * (Subscription.LIMIT // 10)
    for _ in range(12):
        bus.publish(1, {"host": big})
    _wait_for(lambda: sub.closed)
    assert _drain(sub) == [None]


def test_many_small_events_fit_what_a_stream_may_hold(bus):
    sub = bus.hub.subscribe(1, ("host",))
    ids = [bus.publish(1, {"host": str(i)}).id for i in range(300)]
    assert _drain(sub, expect=300) == [encode(i, str(n)) for n, i in enumerate(ids)]
    assert not sub.closed


def test_heartbeats_reach_idle_streams_from_one_timer(bus):
    sub = bus.hub.subscribe(1, ("host",))
    bus.hub.start_heartbeats(0.05)
    try:
        assert _drain(sub)[0] == b": ping\n\n"
    finally:
        bus.hub.stop()


def test_a_stream_that_had_an_event_since_its_last_turn_needs_no_heartbeat(bus):
    busy, idle = bus.hub.subscribe(1, ("host",)), bus.hub.subscribe(2, ("host",))
    bus.hub.start_heartbeats(0.2)
    received = {busy: [], idle: []}
    try:
        deadline = time.monotonic() + 0.7
        while time.monotonic() < deadline:
            bus.publish(1, {"host": "<p>another answer</p>"})
            time.sleep(0.01)
            for sub, items in received.items():
                items += sub.wait(timeout=0)
    finally:
        bus.hub.stop()
    assert received[idle].count(HEARTBEAT) >= 2
    assert HEARTBEAT not in received[busy]


def test_streams_take_their_heartbeats_a_tenth_at_a_time(backend):
    """5,000 streams beating in the same instant stall a process for a fifth of a second of CPU,
    which a click arriving then waits for."""
    hub = Hub()
    subs = [hub.subscribe(1, ("player",)) for _ in range(100)]
    hub.start_heartbeats(2.0)
    try:
        beaten = []
        _wait_for(lambda: beaten.extend(s for s in subs if s.wait(timeout=0)) or beaten)
        time.sleep(0.05)  # the first turn has pushed all its beats (the next is 0.2 s away)
        beaten += [s for s in subs if s.wait(timeout=0)]
    finally:
        hub.stop()
    assert len(beaten) == 10


def test_unsubscribe_stops_delivery(bus):
    sub = bus.hub.subscribe(1, ("host",))
    witness = bus.hub.subscribe(1, ("host",))
    bus.hub.unsubscribe(sub)
    event = bus.publish(1, {"host": "x"})
    # Once the witness has a later event, the hub has handed this one to every subscriber it had.
    assert _before_marker(bus, witness, 1, "host") == [encode(event.id, "x")]
    assert sub.wait(timeout=0) == [] and bus.hub.stream_count() == 1


# --- over HTTP ----------------------------------------------------------------------------


def _game_with_team(host, new_team):
    code = host.start_game(host.create_quiz(questions=[CHOICE]))
    team = new_team()
    team.join(code, "Listeners")
    return code, team


def test_team_stream_receives_the_question_after_the_host_opens_it(host, new_team):
    code, team = _game_with_team(host, new_team)
    stream = Stream(team.get(f"/play/{code}/events?after=", buffered=False))
    stream.read_until("You're in!")  # the join itself, replayed from the history
    host.act(code, "start")
    host.act(code, "open_question")
    text = stream.read_until("Which planet is red?")
    assert 'id="stage"' in text and 'hx-swap-oob="true"' in text
    assert "csrf_token" not in text  # pushed fragments carry nobody's token
    stream.close()


def test_host_and_screen_see_answer_counts_coalesced(app, host, new_team):
    """Answers arriving together make one count push for the console and the projector, not one
    each. COUNT_INTERVAL is 1 s here so that four answers posted back to back fall inside one
    interval even on a loaded machine; without coalescing each answer makes its own push."""
    app.config["COUNT_INTERVAL"] = 1
    code, first = _game_with_team(host, new_team)
    teams = [first, *(new_team() for _ in range(3))]
    for number, team in enumerate(teams[1:]):
        team.join(code, f"Listeners {number}")
    host.act(code, "start")
    host.act(code, "open_question")
    bus, background = app.extensions["bus"], app.extensions["background"]
    with app.app_context():
        game = games.by_code(code)["id"]
    now = bus.last_id(game)
    console = Stream(host.get(f"/host/{code}/events", headers={"Last-Event-ID": now}, buffered=False))
    screen = Stream(first.get(f"/screen/{code}/events", headers={"Last-Event-ID": now}, buffered=False))
    page = first.get(f"/play/{code}").get_data(as_text=True)
    question_id = page.split('name="question_id" value="')[1].split('"')[0]
    before, scheduled = set(background._timers), set()  # the question's deadline timer is older
    for team in teams:
        assert team.answer(code, question_id, choice="1").status_code == 303
        scheduled |= set(background._timers) - before
    for timer in scheduled:  # every count push these answers scheduled has been published
        timer.join(10)
    for stream in (console, screen):
        stream.read_until("<strong>4</strong> of 4 teams answered")
        stream.close()
    assert "Every team has answered." in console.text  # the waiting list is the console's only
    assert "Every team has answered." not in screen.text
    pushes = [event for event in bus.since(game, now) if "teams answered" in event.parts.get("screen", "")]
    assert 1 <= len(pushes) < len(teams)


def test_reconnect_with_last_event_id_gets_exactly_what_it_missed(host, new_team):
    code, team = _game_with_team(host, new_team)
    first = Stream(team.get(f"/play/{code}/events?after=", buffered=False))
    first.read_until("You're in!")
    last_seen = first.ids()[-1]
    first.close()
    host.act(code, "start")
    host.act(code, "open_question")
    again = Stream(team.get(f"/play/{code}/events", headers={"Last-Event-ID": last_seen}, buffered=False))
    text = again.read_until("Which planet is red?")
    assert text.index("Get ready") < text.index("Which planet is red?")  # in order
    assert last_seen not in again.ids()
    assert len(again.ids()) == 2
    again.close()


def test_reconnect_with_an_unknown_id_gets_the_full_state(host, new_team):
    code, team = _game_with_team(host, new_team)
    host.act(code, "start")
    stream = Stream(team.get(f"/play/{code}/events", headers={"Last-Event-ID": "0-0"}, buffered=False))
    stream.read_until("Get ready")
    assert len(stream.ids()) == 1
    stream.close()


def test_streams_are_authorised(app, host, new_team):
    code, team = _game_with_team(host, new_team)
    other_code, other_team = _game_with_team(host, new_team)
    assert other_team.get(f"/play/{code}/events").status_code == 404
    assert team.get(f"/host/{code}/events").status_code == 303  # to the login page
    other_host = HostActions(app)
    other_host.register("other@example.org")
    assert other_host.get(f"/host/{code}/events").status_code == 404


def test_an_ended_games_history_goes_after_a_while_and_then_means_full_refresh(bus):
    bus.ended_history_seconds = 1
    running = bus.publish(1, {"host": "a question"}).id
    bus.publish(2, {"host": "a question"})
    ended = bus.publish(2, {"host": "the podium"}, ended=True).id
    assert bus.last_id(2) == ended  # the podium's reconnects still replay
    _wait_for(lambda: bus.last_id(2) == "", seconds=5)
    assert bus.since(2, ended) is None  # a browser back later gets the full state
    assert bus.last_id(1) == running and bus.since(1, running) == []  # running games keep theirs


def test_ending_a_game_starts_the_clock_on_its_history(app, host):
    bus = app.extensions["bus"]
    bus.ended_history_seconds = 1
    code = host.start_game(host.create_quiz(questions=[CHOICE]))
    host.act(code, "start")
    with app.app_context():
        game_id = games.by_code(code)["id"]
    time.sleep(1.5)
    assert bus.last_id(game_id) != ""  # a running game keeps its history
    host.act(code, "end", confirm=True)
    assert bus.last_id(game_id) != ""
    _wait_for(lambda: bus.last_id(game_id) == "")
