"""A night in Cologne in Chromium: the host's console in English, the projector and two phones
(set to English themselves) in German, from the lobby through a question, its reveal and the
leaderboard to the final podium. Then the projector and a phone in German, Dutch and French at
phone, laptop and projector sizes: long words must still fit.

PUBQUIZ_SHOTS=<folder> also saves screenshots of the phone and the projector there."""

import re

from browsing import build_quiz, join, post, wait_until_live
from playwright.sync_api import expect
from test_projector import LAYOUT_PROBLEMS, _settled, _shots

from harness.quiz import RED_PLANET, Quiz, Round

PHONE = (390, 844)
SCREENS = ((1280, 720), (1920, 1080))


def _quiz(host, title="Kneipenquiz"):
    expect(host).to_have_url(re.compile(r"/quizzes$"))
    red = dict(RED_PLANET, time_limit="300", points="2")
    return build_quiz(host, Quiz(title, [Round("Weltall", questions=[red])]))


def _phone(people):
    # The phone's own language is English: the game's language must win.
    context = people.browser.new_context(locale="en-GB", viewport={"width": PHONE[0], "height": PHONE[1]})
    context.on("response", lambda r: r.status >= 500 and people.server_errors.append((r.status, r.url)))
    context.set_default_timeout(10_000)
    people.contexts.append(context)
    return context.new_page()


def test_the_console_in_english_the_projector_and_phones_in_german(people):
    base = people.base
    host = people.host("koeln@example.org")
    quiz = _quiz(host)
    location = post(host, f"/quizzes/{quiz.quiz_id}/games").headers["location"]
    host.goto(base + location)
    code = location.rsplit("/", 1)[1]
    wait_until_live(host)
    screen = people.new(width=1920, height=1080)
    screen.goto(f"{base}/screen/{code}")
    wait_until_live(screen)
    expect(screen.locator("#stage")).to_contain_text("Scan the code")

    shots = _shots()
    if shots:  # the console's lobby, where the language is chosen, at each size
        for width, height in (PHONE, *SCREENS):
            host.set_viewport_size({"width": width, "height": height})
            host.screenshot(path=str(shots / f"console-lobby-{width}x{height}.png"), full_page=True)
        host.set_viewport_size({"width": 1280, "height": 800})
    # The host picks German in the lobby: the open projector changes language by itself.
    host.select_option("#game-language", "de")
    host.click("button[data-action=game-language]")
    expect(screen.locator("#stage")).to_contain_text("Scannt den Code oder tippt ihn ein")
    screen.reload()  # the page around the stage speaks it too
    wait_until_live(screen)
    expect(screen.locator("html")).to_have_attribute("lang", "de")
    expect(screen.locator(".join-panel")).to_contain_text("Mitspielen unter")

    mars, venus = _phone(people), _phone(people)
    for phone, name in ((mars, "Rote Riesen"), (venus, "Venusfalle")):
        phone.goto(f"{base}/join/{code}")
        expect(phone.locator("h1")).to_have_text("Beim Quiz mitspielen")
        join(phone, base, code, name)
        expect(phone.locator("html")).to_have_attribute("lang", "de")
        expect(phone.locator("#stage")).to_contain_text("Ihr seid dabei!")
    expect(screen.locator("#stage")).to_contain_text("2 Teams sind dabei.")

    host.click("button[data-action=start]")
    expect(mars.locator("#stage")).to_contain_text("Runde 1")
    expect(mars.locator("#stage")).to_contain_text("Macht euch bereit: 1 Frage.")
    host.click("button[data-action=open_question]")
    expect(mars.locator("#stage")).to_contain_text("Runde 1 · Frage 1 von 1")
    expect(screen.locator("#stage")).to_contain_text("Runde 1 · Frage 1 von 1 · 2 Pkt.")
    mars.click("button.option-1")
    expect(mars.locator("#answer-box")).to_contain_text("Antwort eingeloggt: ◆ B Mars")
    venus.click("button.option-0")
    expect(screen.locator(".answer-count")).to_contain_text("2 von 2 Teams haben geantwortet")
    expect(host.locator(".answer-count")).to_contain_text("2 of 2 teams answered")
    expect(host.locator("#console .phase-word")).to_have_text("Question open")

    host.click("button[data-action=close_question]")
    expect(mars.locator("#stage")).to_contain_text("Keine Antworten mehr. Gleich kommt die Auflösung…")
    expect(screen.locator("#stage")).to_contain_text("Die Zeit ist um!")
    host.click("button[data-action=reveal]")
    expect(mars.locator("#team-result")).to_contain_text("Richtig! +2 Punkte")
    expect(mars.locator("#team-result")).to_contain_text("Ihr seid 1. von 2 mit 2 Punkten")
    expect(venus.locator("#team-result")).to_contain_text("Diesmal nicht")
    expect(venus.locator("#team-result")).to_contain_text("Eure Antwort: A Venus ✗ · richtig war B Mars")
    expect(screen.locator("#stage .reveal")).to_contain_text("Antwort: B: Mars")
    host.click("button[data-action=show_leaderboard]")
    expect(screen.locator("#stage h1")).to_have_text("Rangliste")
    expect(host.locator("#console h2", has_text="Leaderboard")).to_be_visible()

    host.click("button[data-action=end]")
    expect(screen.locator("#stage h1")).to_have_text("Endstand")
    expect(screen.locator(".podium")).to_contain_text("2 Pkt.")
    expect(mars.locator(".standing")).to_contain_text("Gewonnen! 2 Punkte")
    expect(venus.locator(".standing")).to_contain_text("Ihr seid 2. von 2 mit 0 Punkten")
    expect(host.locator("#console .phase-word")).to_have_text("Game over")
    expect(host.locator("html")).to_have_attribute("lang", "en")


def test_long_words_fit_the_phone_and_the_projector_in_every_language(people):
    shots = _shots()
    base = people.base
    host = people.host("sizes@example.org")
    quiz = _quiz(host, "Pubquiz")
    for language, scored in (("de", "Punkte"), ("nl", "punten"), ("fr", "points")):
        location = post(host, f"/quizzes/{quiz.quiz_id}/games", {"language": language}).headers["location"]
        code = location.rsplit("/", 1)[1]
        host.goto(base + location)
        wait_until_live(host)
        phone = _phone(people)
        join(phone, base, code, "Quizteam Schlaumeier")
        screen = people.new(width=SCREENS[0][0], height=SCREENS[0][1])
        screen.goto(f"{base}/screen/{code}")
        wait_until_live(screen)
        host.click("button[data-action=start]")
        host.click("button[data-action=open_question]")
        expect(phone.locator("html")).to_have_attribute("lang", language)
        expect(phone.locator("button.option-1")).to_be_visible()
        _look(shots, phone, screen, language, "question")
        phone.click("button.option-1")
        host.click("button[data-action=close_question]")
        host.click("button[data-action=reveal]")
        expect(phone.locator("#team-result")).to_contain_text(scored)
        _look(shots, phone, screen, language, "reveal")
        host.click("button[data-action=end]")
        expect(phone.locator(".standing.final")).to_be_visible()
        _look(shots, phone, screen, language, "end")


def _look(shots, phone, screen, language, state):
    """No sideways scroll on the phone; the projector passes the back-of-the-room checks."""
    phone.set_viewport_size({"width": PHONE[0], "height": PHONE[1]})
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE[0], f"the {language} phone scrolls sideways at {state}: {width}px"
    if shots:
        name = f"phone-{language}-{state}-{PHONE[0]}x{PHONE[1]}.png"
        phone.screenshot(path=str(shots / name), full_page=True)
        for size in SCREENS:
            phone.set_viewport_size({"width": size[0], "height": size[1]})
            phone.screenshot(path=str(shots / f"phone-{language}-{state}-{size[0]}x{size[1]}.png"))
        phone.set_viewport_size({"width": PHONE[0], "height": PHONE[1]})
    for width, height in SCREENS:
        screen.set_viewport_size({"width": width, "height": height})
        _settled(screen)
        assert screen.evaluate(LAYOUT_PROBLEMS) == [], f"{language} projector at {state}, {width}x{height}"
        if shots:
            screen.screenshot(path=str(shots / f"screen-{language}-{state}-{width}x{height}.png"))
    if shots:
        screen.set_viewport_size({"width": PHONE[0], "height": PHONE[1]})
        screen.screenshot(path=str(shots / f"screen-{language}-{state}-{PHONE[0]}x{PHONE[1]}.png"))
