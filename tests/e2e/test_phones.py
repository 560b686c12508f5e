"""The teams' phones at 390x844 in Chromium: the joker asks before it is played, both phones of a
team name the captain, the lock-in button cannot be hit by a tap meant for an option, no host
links, and without JavaScript a refresh link and reloads that never send a form again."""

import os
import re

from browsing import build_quiz, join, start_game, wait_until_live
from playwright.sync_api import expect

from harness.quiz import RED_PLANET, Quiz, Round

PHONE = {"width": 390, "height": 844}
SMALL_PHONE = {"width": 360, "height": 640}
SHOTS = "/work/shots/phones"


def _shoot(page, name):
    """Screenshots to look at (not compared): at this phone's size, on a small old phone, and as
    the page would look on a laptop or the projector."""
    os.makedirs(SHOTS, exist_ok=True)
    size = page.viewport_size
    for width, height in (
        (size["width"], size["height"]),
        (SMALL_PHONE["width"], SMALL_PHONE["height"]),
        (1280, 720),
        (1920, 1080),
    ):
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=f"{SHOTS}/{name}-{width}x{height}.png", full_page=True)
    page.set_viewport_size(size)


def _game(people, email, joker=False):
    """A host's game of one multiple-choice question, in a joker round if asked: (host page, code)."""
    host = people.host(email)
    red_planet = dict(RED_PLANET, option_3="Saturn")
    quiz = build_quiz(host, Quiz("Phones", [Round("Picture round", [red_planet], joker=joker)]))
    code = start_game(host, quiz.quiz_id)
    wait_until_live(host)
    return host, code


def _phone(people, javascript=True):
    return people.new(javascript=javascript, **PHONE)


NEXT = {"start": "open_question", "open_question": "close_question", "close_question": "reveal"}


def _host_does(host, action):
    """A click on the live console, done once the console offers the step after it."""
    host.click(f"button[data-action={action}]")
    expect(host.locator(f"button[data-action={NEXT[action]}]")).to_be_visible()


def test_the_joker_asks_first_in_a_dialog(people):
    base = people.base
    host, code = _game(people, "joker-dialog@example.org", joker=True)
    phone = _phone(people)
    join(phone, base, code, "Jokers")
    wait_until_live(phone)
    phone.click("text=Picture round ×2")
    dialog = phone.locator("#joker-dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Play your joker on “Picture round”?")
    _shoot(phone, "joker-dialog")
    dialog.locator("text=Cancel").click()
    expect(dialog).to_be_hidden()
    expect(phone).to_have_url(f"{base}/play/{code}")
    expect(phone.locator(".joker-played")).to_have_count(0)

    phone.click("text=Picture round ×2")
    dialog.locator("text=Play the joker").click()
    expect(phone.locator(".joker-played")).to_contain_text("Joker played on “Picture round”")
    expect(dialog).to_be_hidden()
    expect(phone).to_have_url(f"{base}/play/{code}")  # no page load: the stream brought it


def test_without_javascript_the_joker_asks_on_a_page(people):
    base = people.base
    host, code = _game(people, "joker-page@example.org", joker=True)
    phone = _phone(people, javascript=False)
    join(phone, base, code, "Plain Jokers", live=False)
    phone.click("text=Picture round ×2")
    expect(phone).to_have_url(re.compile(rf"/play/{code}/joker\?round_id=\d+$"))
    expect(phone.locator("h2")).to_have_text("Play your joker on “Picture round”?")
    _shoot(phone, "joker-confirm-page-nojs")
    phone.click("text=Cancel")
    expect(phone).to_have_url(f"{base}/play/{code}")
    expect(phone.locator(".joker-played")).to_have_count(0)
    phone.click("text=Picture round ×2")
    phone.click("text=Play the joker")
    expect(phone).to_have_url(f"{base}/play/{code}")
    expect(phone.locator(".joker-played")).to_contain_text("Joker played on “Picture round”")


def test_both_phones_of_a_team_name_the_captain_and_the_lock_button_stands_apart(people):
    base = people.base
    host, code = _game(people, "captain@example.org")
    captain, teammate = _phone(people), _phone(people)
    join(captain, base, code, "Bears")
    pin = captain.locator(".team-invite strong.code").text_content()
    join(teammate, base, code, "Bears", pin)
    expect(captain.locator(".captain-line")).to_have_text("Captain: this phone")
    expect(teammate.locator(".captain-line")).to_have_text("Captain: the phone that joined first")
    wait_until_live(captain)
    wait_until_live(teammate)
    _host_does(host, "start")
    _host_does(host, "open_question")

    teammate.click("button.option-1")  # Mars, picked on the teammate's phone; nobody locks it in
    rule = "then the latest pick counts, even if nobody locked it in"
    for phone in (captain, teammate):
        expect(phone.locator(".pick")).to_contain_text("Your team's pick: ◆ B Mars")
        expect(phone.locator(".pick")).to_contain_text(rule)
    expect(teammate.locator(".lock-form")).to_be_hidden()  # only the captain locks in
    lock = captain.locator(".lock-form button")
    expect(lock).to_be_visible()
    button = lock.bounding_box()
    last_option = captain.locator("button.option-3").bounding_box()
    assert button["height"] >= 56
    assert button["y"] - (last_option["y"] + last_option["height"]) >= 24
    _shoot(captain, "pick-captain")
    _shoot(teammate, "pick-teammate")
    lock.click()
    for phone in (captain, teammate):
        expect(phone.locator("#answer-box .locked")).to_contain_text("Answer locked in: ◆ B Mars")
    _shoot(captain, "locked-captain")


def test_player_pages_show_no_host_links(people):
    base = people.base
    host, code = _game(people, "nohost@example.org")
    phone = _phone(people)
    phone.goto(f"{base}/join/{code}")
    expect(phone.locator("header.site")).to_have_text("pubquiz")
    expect(phone.locator("text=Host")).to_have_count(0)
    _shoot(phone, "join")
    join(phone, base, code, "Owls")
    expect(phone.locator("header.site")).to_have_text("pubquiz")
    expect(phone.locator("a", has_text=re.compile("host|log in", re.I))).to_have_count(0)
    wait_until_live(phone)
    expect(phone.locator(".refresh")).to_be_hidden()  # the stream is live: nothing to tap
    _shoot(phone, "lobby")
    phone.goto(base + "/")
    expect(phone.locator("header.site")).to_have_text("pubquiz")
    expect(phone.locator(".host-link")).to_have_text("Quiz masters: log in")
    _shoot(phone, "home")


def test_without_javascript_a_refresh_link_and_no_form_sent_twice(people):
    base = people.base
    host, code = _game(people, "nojs-phone@example.org")
    phone = _phone(people, javascript=False)
    join(phone, base, code, "Paper Planes", live=False)
    refresh = phone.locator(".refresh a")
    expect(refresh).to_have_text("Next question? Tap to refresh")
    _host_does(host, "start")
    _host_does(host, "open_question")
    refresh.click()
    expect(phone.locator("#stage")).to_contain_text("Which planet is red?")
    _shoot(phone, "question-nojs")

    posts = []
    phone.on("request", lambda r: r.method == "POST" and posts.append(r.url))
    phone.click("button.option-1")
    expect(phone).to_have_url(f"{base}/play/{code}")
    expect(phone.locator("#answer-box .locked")).to_have_count(1)
    phone.reload()  # after a 303 this is a GET: the browser has no form to send again
    expect(phone.locator("#answer-box .locked")).to_have_text("✓ Answer locked in: ◆ B Mars")
    expect(phone.locator("text=Answer locked in")).to_have_count(1)
    assert posts == [f"{base}/play/{code}/answer"]
    _shoot(phone, "locked-nojs")


def test_a_join_code_of_the_wrong_length_is_explained_once(people):
    base = people.base
    phone = _phone(people)
    phone.goto(base + "/")
    phone.fill("#code", "ABC")
    phone.fill("#name", "Short Codes")
    phone.click("button.primary")
    expect(phone).to_have_url(base + "/")  # the browser did not send it
    assert phone.locator("#code").evaluate("el => el.validationMessage") == "Codes have 6 characters."
    phone.fill("#code", "ABCDEF")  # typing again clears it
    assert phone.locator("#code").evaluate("el => el.validationMessage") == ""
    # A code the browser could not check (the right length, but no such game; a removed game's
    # address): its message once, not in a banner and again in the card.
    phone.fill("#code", "ZZZZZZ")
    phone.click("button.primary")
    expect(phone.locator("text=There is no game with this code")).to_have_count(1)
    _shoot(phone, "join-error")
    phone.goto(f"{base}/screen/ZZZZZZ")  # an error page
    expect(phone.locator("text=There is no game with this code")).to_have_count(1)
    _shoot(phone, "no-such-game")


def test_without_javascript_a_refused_tap_says_why_once_and_a_reload_sends_nothing(people):
    base = people.base
    host, code = _game(people, "nojs-late@example.org")
    phone = _phone(people, javascript=False)
    join(phone, base, code, "Dawdlers", live=False)
    _host_does(host, "start")
    _host_does(host, "open_question")
    phone.reload()
    _host_does(host, "close_question")  # while the phone still shows the question
    posts = []
    phone.on("request", lambda r: r.method == "POST" and posts.append(r.url))
    phone.click("button.option-1")
    expect(phone).to_have_url(f"{base}/play/{code}")
    expect(phone.locator("text=Too late: answers for this question have closed.")).to_have_count(1)
    _shoot(phone, "too-late-nojs")
    phone.reload()
    expect(phone.locator("#stage")).to_contain_text("Answers are closed")
    expect(phone.locator("text=Too late")).to_have_count(0)
    assert posts == [f"{base}/play/{code}/answer"]
