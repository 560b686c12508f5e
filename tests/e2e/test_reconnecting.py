"""A page whose stream is down says so: a phone or a projector that fell off the Wi-Fi shows a
large "Reconnecting…" until its stream is back, and then the state published meanwhile."""

from browsing import send_join_form, wait_until_live
from playwright.sync_api import expect


def test_a_phone_and_a_projector_off_the_wifi_say_reconnecting_until_they_are_back(people, wifi):
    host, code = people.true_or_false_game("reconnecting@example.org", ["Pub Wi-Fi always works."], False)
    phone = people.new(width=390, height=844)
    send_join_form(phone, wifi.base, code, "Dropouts")
    projector = people.new(width=1920, height=1080)
    projector.goto(f"{wifi.base}/screen/{code}")
    for page in (phone, projector):
        wait_until_live(page)
        expect(page.locator("#reconnecting")).to_be_hidden()

    wifi.cut()
    for page in (phone, projector):
        expect(page.get_by_role("status").filter(has_text="Reconnecting…")).to_be_visible()
    # On the projector the notice keeps clear of the title the room is reading.
    bar, title = (projector.locator(selector).bounding_box() for selector in ("#reconnecting", "#stage h1"))
    assert bar["y"] >= title["y"] + title["height"] or bar["y"] + bar["height"] <= title["y"], (bar, title)
    host.click("button[data-action=start]")  # the quiz goes on meanwhile
    expect(host.locator("#reconnecting")).to_be_hidden()  # the console's own stream is fine

    wifi.restore()
    for page in (phone, projector):
        expect(page.locator("#reconnecting")).to_be_hidden(timeout=15_000)
        expect(page.locator("#stage")).to_contain_text("Round 1")
