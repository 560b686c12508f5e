"""Render once per audience, encode once per process: what a change costs does not grow with the
number of phones. Read from what was published (the bus's history) and what the streams were
handed, not from the code's own counters."""

from helpers import CHOICE
from night import game_id, play, query, team_id, visible

from pubquiz import i18n, live, snapshot
from pubquiz.events import START, Hub, MemoryBus


def _published(app, code):
    """The parts of the game's newest event for the phones: audience -> fragment. (A coalesced
    answer count, for the host and the screen only, may land after the click that is looked at.)"""
    with app.app_context():
        events = app.extensions["bus"].since(game_id(app, code), START)
    return next(event.parts for event in reversed(events) if set(event.parts) != {"host", "screen"})


def test_an_open_question_is_rendered_once_for_all_phones_and_a_result_once_per_team(app, host, new_team):
    code = host.start_game(host.create_quiz(questions=[CHOICE]))
    teams = [new_team() for _ in range(3)]
    for number, team in enumerate(teams):
        team.join(code, f"Table {number}")
    host.act(code, "start")
    host.act(code, "open_question")
    # The question is the same on every phone: one "player" fragment, nothing rendered per team.
    opened = _published(app, code)
    assert sorted(opened) == ["host", "player", "screen"]
    assert "Which planet is red?" in opened["player"]
    host.act(code, "close_question")
    host.act(code, "reveal")
    # A result differs per team: then, and only then, one fragment per team.
    revealed = _published(app, code)
    assert sorted(part for part in revealed if part.startswith("team:")) == sorted(
        f"team:{team_id}" for team_id in _team_ids(app, code)
    )


def test_teams_with_the_same_result_share_one_rendering_of_it(app, host, new_team):
    code = host.start_game(host.create_quiz(questions=[CHOICE]))
    mars, also_mars, venus = new_team(), new_team(), new_team()
    for name, team in (("Mars", mars), ("Also Mars", also_mars), ("Venus", venus)):
        team.join(code, name)
    host.act(code, "start")
    play(host, code, {mars: {"choice": "1"}, also_mars: {"choice": "1"}, venus: {"choice": "0"}})
    revealed = _published(app, code)
    part = {name: revealed["team:%d" % team_id(app, code, name)] for name in ("Mars", "Also Mars", "Venus")}
    # The same answer, points and place: one fragment, rendered once for both teams.
    assert part["Mars"] is part["Also Mars"]
    assert "You said B Mars ✓" in visible(part["Mars"])
    assert "You're 1st of 3 with 2 points" in visible(part["Mars"])
    assert "You said A Venus ✗" in visible(part["Venus"])
    assert "You're 3rd of 3 with 0 points" in visible(part["Venus"])


def test_templates_read_the_environments_own_globals_so_a_render_copies_no_chain_of_them(app):
    # Jinja's default gives each template a ChainMap over the globals, copied name by name at
    # every render, include and import: a third of a small fragment's CPU.
    with app.app_context():
        template = app.jinja_env.get_template("play/_result.html")
        assert template.globals is app.jinja_env.globals
        # The same dict, so a name the app adds later is seen by a template already loaded.
        app.jinja_env.globals["added_later"] = "seen"
        assert app.jinja_env.from_string("{{ added_later }}").render() == "seen"


def test_a_reveal_looks_its_catalogues_up_once_per_language_not_per_team(app, host, new_team, monkeypatch):
    code = host.start_game(host.create_quiz(questions=[CHOICE]))
    teams = [new_team() for _ in range(3)]
    for number, team in enumerate(teams):
        team.join(code, f"Table {number}")
    host.act(code, "start")
    play(host, code, {team: {"choice": str(number)} for number, team in enumerate(teams)})
    looked_up = []
    real = i18n.get_translations
    monkeypatch.setattr(i18n, "get_translations", lambda: looked_up.append(1) or real())
    with app.test_request_context("/"):
        parts = live.publish(snapshot.load(game_id(app, code))).parts
    # The console in its host's language, and the projector, the phones and three different
    # results in the game's: two look-ups, where each of those six renders made one of its own.
    assert len(looked_up) == 2
    assert len({parts.get("team:%d" % team_id(app, code, f"Table {n}")) for n in range(3)}) == 3


def _team_ids(app, code):
    return [row["id"] for row in query(app, "select id from team where game_id = %s", game_id(app, code))]


def test_every_stream_of_an_audience_is_handed_the_same_encoded_bytes():
    hub = Hub()
    bus = MemoryBus(hub)
    phones = [hub.subscribe(1, ("player",)) for _ in range(3)]
    bus.publish(1, {"player": "<p>the question</p>", "host": "<p>the console</p>"})
    handed = [phone.wait(timeout=1) for phone in phones]
    assert all(len(items) == 1 for items in handed)
    # One bytes object for all of them: encoded once, not once per phone.
    assert handed[0][0] is handed[1][0] is handed[2][0]
