"""A Stream Deck button in a real pub: the host makes a token on the API tokens page in
Chromium, a button (plain HTTP with the token) presses "next" on the real server, and the
console, the projector and a phone that are open move at once, pushed like a click. Revoking
the token on the page stops the button.

With PUBQUIZ_SHOTS=<folder> the test also saves the tokens page at phone, laptop and projector sizes."""

import json
import re
import urllib.error
import urllib.request

from browsing import join, wait_until_live
from playwright.sync_api import expect
from test_accessibility import Audit
from test_console import STATEMENTS, shoot


def press(base, token, code, action):
    """A Companion button: (status, JSON answer)."""
    request = urllib.request.Request(
        f"{base}/api/v1/games/{code}/actions/{action}",
        method="POST",
        headers={"Authorization": f"Bearer {token}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_a_stream_deck_button_moves_the_open_console_projector_and_phones(people, live):
    host, code = people.true_or_false_game("deck@example.org", STATEMENTS, True)
    audit = Audit()  # axe, and no sideways scroll on a phone, in each state of the page
    host.click("text=API tokens")
    expect(host.locator("h1")).to_have_text("API tokens")
    audit.check(host, "api tokens", "none yet")
    host.fill("#name", "Nameless")
    host.uncheck("input[value='games:control']")
    host.click("text=Make the token")
    expect(host.locator(".field-error")).to_have_text("Tick what the token may do (at least one).")
    audit.check(host, "api tokens", "with errors")
    host.fill("#name", "Stream Deck at the Red Lion")
    host.check("input[value='games:control']")
    host.check("input[value='results:read']")
    host.click("text=Make the token")
    expect(host.locator(".new-token")).to_contain_text("shown only this once")
    token = host.locator("#new-token-text").input_value()
    assert re.fullmatch(r"pq_[A-Za-z0-9_-]{43}", token)
    audit.check(host, "api tokens", "token made")
    shoot(host, "api-token-made")

    host.goto(f"{live}/host/{code}")
    wait_until_live(host)
    screen = people.new(width=1280, height=720)
    screen.goto(f"{live}/screen/{code}")
    wait_until_live(screen)
    phone = people.new(width=390, height=844)
    join(phone, live, code, "Tokens United")

    assert press(live, token, code, "next")[1]["phase"] == "intro"
    expect(host.locator("#console .phase")).to_contain_text("Round intro")
    status, opened = press(live, token, code, "next")
    assert (status, opened["phase"]) == (200, "question")
    for page in (host, screen, phone):
        expect(page.locator("body")).to_contain_text(STATEMENTS[0])
    status, refused = press(live, token, code, "reveal")
    assert status == 409 and "not possible now" in refused["error"]

    host.goto(f"{live}/account/api-tokens")
    expect(host.locator(".api-tokens")).to_contain_text("last used")
    shoot(host, "api-tokens-list")
    host.click("text=Revoke “Stream Deck at the Red Lion”")
    expect(host.locator(".api-tokens")).to_contain_text("revoked")
    audit.check(host, "api tokens", "revoked")
    audit.assert_clean()
    assert press(live, token, code, "next")[0] == 401
    host.goto(f"{live}/host/{code}")
    expect(host.locator("#console .phase")).to_contain_text("Question open")
