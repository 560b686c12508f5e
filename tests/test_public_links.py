"""The links people copy or scan (join link, QR code, marker link) come from PUBQUIZ_PUBLIC_URL or
the address the host opened the console at, never from the Host header of whoever else's request
caused a page or a push."""

import functools
import re

import segno
from helpers import TEXT, HostActions, Stream, TeamActions

from pubquiz import games

LAPTOP = "laptop.lan:5000"


def _as(browser, host_header):
    """Every request of this browser names this Host (as a browser that opened that address)."""
    browser.client.open = functools.partial(
        type(browser.client).open, browser.client, base_url=f"http://{host_header}/"
    )
    return browser


def _game_with_marker_link(app):
    host = _as(HostActions(app), LAPTOP)
    assert host.register().status_code == 303
    code = host.start_game(host.create_quiz(questions=[TEXT]))
    assert host.get(f"/host/{code}").status_code == 200
    assert host.post(f"/host/{code}/manage/marker").status_code == 303
    return host, code


def _console_stream(host, code):
    """The console's stream from where its page was rendered: only what is pushed after now."""
    page = host.get(f"/host/{code}").get_data(as_text=True)
    url = re.search(r'hx-sse:connect="([^"]+)"', page).group(1).replace("&amp;", "&")
    stream = Stream(host.get(url))
    stream.read_until(": ping")  # the stream starts with a ping; nothing was missed
    return stream


def _republished(app, host, code):
    """What the console is pushed when background work (not a request) publishes the game."""
    stream = _console_stream(host, code)
    with app.app_context():
        game_id = games.by_code(code)["id"]
    app.extensions["background"].republish([game_id])
    pushed = stream.read_until('id="console"')
    stream.close()
    return pushed


def _marker_links(html):
    return re.findall(r'href="([^"]*/mark/[^"]*/join/[^"]+)"', html)


def _qr_path(url):
    """The drawing of the QR code that encodes url, as the pages draw it."""
    svg = segno.make(url, error="m").svg_inline(scale=1, border=2, omitsize=True)
    return re.search(r' d="([^"]+)"', svg).group(1)


def test_a_team_joining_with_a_forged_host_does_not_reach_the_marker_link(app):
    host, code = _game_with_marker_link(app)
    stream = _console_stream(host, code)
    assert _as(TeamActions(app), "evil.example").join(code, "The Forgers").status_code == 303
    pushed = stream.read_until("The Forgers")
    stream.close()
    assert "evil.example" not in pushed
    assert _marker_links(pushed) and all(
        link.startswith(f"http://{LAPTOP}/mark/{code}/join/") for link in _marker_links(pushed)
    )


def test_background_pushes_use_the_consoles_address_not_a_pretend_request(app):
    host, code = _game_with_marker_link(app)
    pushed = _republished(app, host, code)
    assert "localhost" not in pushed and "pubquiz.invalid" not in pushed
    assert f'action="/host/{code}/manage/pause"' in pushed or f'action="/host/{code}/start"' in pushed
    assert _marker_links(pushed)[0].startswith(f"http://{LAPTOP}/mark/{code}/join/")


def test_the_projector_shows_the_consoles_join_link_whatever_host_it_was_opened_by(app):
    host, code = _game_with_marker_link(app)
    screen = _as(TeamActions(app), "evil.example").get(f"/screen/{code}").get_data(as_text=True)
    assert "evil.example" not in screen
    assert f"http://{LAPTOP}" in screen
    assert _qr_path(f"http://{LAPTOP}/join/{code}") in screen


def test_the_public_url_wins_over_every_host_header(app):
    app.config["PUBLIC_URL"] = "https://quiz.example.org"
    host, code = _game_with_marker_link(app)
    console = host.get(f"/host/{code}").get_data(as_text=True)
    assert LAPTOP not in console
    assert f'href="https://quiz.example.org/join/{code}"' in console
    assert _qr_path(f"https://quiz.example.org/join/{code}") in console
    assert _marker_links(console)[0].startswith(f"https://quiz.example.org/mark/{code}/join/")
    pushed = _republished(app, host, code)
    assert _marker_links(pushed)[0].startswith(f"https://quiz.example.org/mark/{code}/join/")


def test_a_console_opened_at_loopback_says_phones_cannot_reach_it(app):
    host = HostActions(app)
    _as(host, "127.0.0.1:5000").register()
    code = host.start_game(host.create_quiz(questions=[TEXT]))
    console = host.get(f"/host/{code}").get_data(as_text=True)
    assert "Phones can't reach 127.0.0.1" in console
    assert "Phones can't reach 127.0.0.1" in host.get(f"/screen/{code}").get_data(as_text=True)


def test_a_console_opened_at_a_network_address_gives_no_warning(app):
    host, code = _game_with_marker_link(app)
    assert "Phones can't reach" not in host.get(f"/host/{code}").get_data(as_text=True)


def test_a_server_listening_on_loopback_only_offers_no_address_that_would_not_answer(app):
    app.config["LISTEN_HOST"] = "127.0.0.1"
    host = HostActions(app)
    _as(host, "127.0.0.1:5000").register()
    code = host.start_game(host.create_quiz(questions=[TEXT]))
    console = host.get(f"/host/{code}").get_data(as_text=True)
    warning = re.search(r'<p id="loopback".*?</p>', console, re.S).group(0)
    assert "serve on every network" in warning and "href" not in warning


def test_a_teams_own_link_comes_from_the_consoles_address_not_the_phones_host(app):
    host, code = _game_with_marker_link(app)
    phone = _as(TeamActions(app), "evil.example")
    assert phone.join(code, "The Forgers").status_code == 303
    page = phone.get(f"/play/{code}").get_data(as_text=True)
    assert "evil.example" not in page
    assert re.search(rf'href="http://{LAPTOP}/join/{code}\?team=The\+Forgers&amp;pin=\d+"', page)
