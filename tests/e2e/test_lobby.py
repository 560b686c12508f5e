"""The host closes the lobby from the console in Chromium: a late team is told so on its phone,
the team already in gets a teammate in with its PIN; reopening lets the late team in."""

import os
import re

from browsing import join, send_join_form, wait_until_live
from playwright.sync_api import expect

SHOTS = os.environ.get("PUBQUIZ_SHOTS", "/work/shots/limits")
SIZES = {"phone": (390, 844), "projector": (1280, 720), "projector-hd": (1920, 1080)}


def _shoot(page, name):
    if os.path.isdir(SHOTS):
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def test_the_host_closes_the_lobby_and_only_the_teams_in_it_get_in(people):
    base = people.base
    host, code = people.true_or_false_game("lobby@example.org", ["The Moon is made of rock"], truth=True)
    wait_until_live(host)
    captain = people.new(width=390, height=844)
    join(captain, base, code, "Reds")
    pin = next(
        text for text in captain.locator("strong.code").all_text_contents() if re.fullmatch(r"\d{4}", text)
    )

    teams = host.locator("#console details.teams")
    expect(teams).to_contain_text("Reds")
    teams.get_by_role("button", name="Close the lobby to new teams").click()
    expect(teams.get_by_role("button", name="Reopen the lobby")).to_be_visible()
    expect(teams).to_contain_text("The lobby is closed")
    for size, (width, height) in SIZES.items():
        host.set_viewport_size({"width": width, "height": height})
        _shoot(host, f"console-lobby-closed-{size}")

    latecomer = people.new(width=390, height=844)
    send_join_form(latecomer, base, code, "Blues")
    expect(latecomer.locator("#name-error")).to_contain_text("closed this game to new teams")
    _shoot(latecomer, "join-lobby-closed-phone")
    teammate = people.new(width=390, height=844)
    join(teammate, base, code, "Reds", pin)

    teams.get_by_role("button", name="Reopen the lobby").click()
    expect(teams.get_by_role("button", name="Close the lobby to new teams")).to_be_visible()
    send_join_form(latecomer, base, code, "Blues")
    expect(latecomer.locator(".team-name")).to_have_text(re.compile("Blues", re.I))
    expect(teams).to_contain_text("Blues")
