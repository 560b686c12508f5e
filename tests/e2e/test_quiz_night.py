"""A whole quiz night in Chromium: a host, a projector and three teams, each in its own browser
context. After joining, no page reloads: everything arrives over the pages' SSE streams."""

import re
import time

from browsing import join, wait_until_live
from playwright.sync_api import expect


def _write_quiz(host):
    expect(host).to_have_url(re.compile(r"/quizzes$"))
    host.fill("#title", "Pub night")
    host.click("text=Create")
    # 1: multiple choice
    host.click("text=Multiple choice")
    host.fill("#prompt", "Which planet is known as the Red Planet?")
    for i, option in enumerate(["Venus", "Mars", "Jupiter"]):
        host.fill(f"#option-{i}", option)
    host.check("#correct-1")
    host.fill("#time_limit", "60")
    host.click("text=Save question")
    # 2: free text
    host.click("text=Free text")
    host.fill("#prompt", "Who composed the Moonlight Sonata?")
    host.fill("#accepted", "Beethoven\nLudwig van Beethoven")
    host.fill("#time_limit", "60")
    host.click("text=Save question")
    # 3: numeric, closest wins, with a short timer that runs out by itself
    host.click("text=Number (closest wins)")
    host.fill("#prompt", "In what year did people first walk on the Moon?")
    host.fill("#numeric_answer", "1969")
    host.fill("#time_limit", "6")
    host.fill("#points", "3")
    host.click("text=Save question")
    expect(host.locator(".questions li")).to_have_count(3)
    host.click("text=Start a game")
    expect(host).to_have_url(re.compile(r"/host/[A-Z0-9]{6}$"))
    return host.url.rsplit("/", 1)[1]


def _mark_document(page):
    """A marker that survives only as long as this document: a reload would lose it."""
    page.evaluate("window.joinedDocument = true")


def test_a_whole_quiz_night(people):
    base = people.base
    host = people.host("qm@example.org")
    code = _write_quiz(host)
    wait_until_live(host)

    screen = people.new(width=1920, height=1080)
    screen.goto(f"{base}/screen/{code}")
    wait_until_live(screen)
    expect(screen.locator(".join-panel")).to_contain_text(code)
    expect(screen.locator(".join-panel svg")).to_be_visible()  # the QR code

    teams = {}
    for name in ("Quizzly Bears", "Les Misérables", "Agatha Quiztie"):
        page = people.new(width=360, height=740)
        join(page, base, code, name)  # by the QR code's link, code filled in
        _mark_document(page)
        teams[name] = page
        expect(screen.locator("#stage")).to_contain_text(name)
        expect(host.locator("#console")).to_contain_text(name)
    bears, mis, agatha = teams.values()
    expect(screen.locator("#stage")).to_contain_text("3 teams in")

    # Round intro
    host.click("button[data-action=start]")
    for page in (screen, *teams.values()):
        expect(page.locator("#stage")).to_contain_text("Round 1")

    # The host opens the team list (shut by default once the game runs); updates leave it open.
    host.click("#console details.teams summary")
    expect(host.locator("#console details.teams")).to_have_attribute("open", "")

    # Q1: multiple choice, closed early by the host
    started = time.monotonic()
    host.click("button[data-action=open_question]")
    expect(bears.locator("#stage")).to_contain_text("Red Planet")
    click_to_phone = time.monotonic() - started
    print(f"\nhost click -> question visible on a team's phone: {click_to_phone * 1000:.0f} ms")
    expect(host.locator("#console")).to_have_attribute("data-phase", "question")
    expect(host.locator("#console details.teams")).to_have_attribute("open", "")
    expect(screen.locator("#stage .options")).to_contain_text("Mars")
    expect(screen.locator(".countdown")).to_be_visible()
    expect(screen.locator("#stage")).not_to_contain_text("Answer:")  # no answer key before reveal
    bears.click("button.option-1")  # Mars, right
    expect(bears.locator("#answer-box")).to_contain_text("Answer locked in: ◆ B Mars")
    mis.click("button.option-0")  # Venus, wrong
    expect(host.locator("#console .answer-count")).to_contain_text("2 of 3 teams answered")
    expect(screen.locator(".answer-count")).to_contain_text("2 of 3 teams answered")
    host.click("button[data-action=close_question]")
    expect(screen.locator("#stage")).to_contain_text("Time is up")
    expect(agatha.locator("#stage")).to_contain_text("Answers are closed")
    host.click("button[data-action=reveal]")
    expect(screen.locator("#stage .reveal")).to_contain_text("B: Mars")
    expect(screen.locator(".spread li.correct")).to_contain_text("1")
    expect(bears.locator("#team-result")).to_contain_text("Right! +1 point")
    expect(mis.locator("#team-result")).to_contain_text("Not this time")
    expect(agatha.locator("#team-result")).to_contain_text("No answer from your team")
    expect(bears.locator("#team-result")).to_contain_text("1st of 3")
    host.click("button[data-action=show_leaderboard]")
    expect(screen.locator(".leaderboard li").first).to_contain_text("Quizzly Bears")

    # Q2: free text; accents, case and punctuation do not matter
    host.click("button[data-action=open_question]")
    expect(mis.locator("#stage")).to_contain_text("Moonlight Sonata")
    mis.fill("#text-answer", "  ludwig van BEETHOVEN! ")
    mis.click("text=Send answer")
    expect(mis.locator("#answer-box")).to_contain_text("ludwig van BEETHOVEN!")
    agatha.fill("#text-answer", "Mozart")
    agatha.click("text=Send answer")
    expect(agatha.locator("#answer-box")).to_contain_text("Answer locked in")
    host.click("button[data-action=close_question]")
    host.click("button[data-action=reveal]")
    expect(mis.locator("#team-result")).to_contain_text("Right!")
    expect(agatha.locator("#team-result")).to_contain_text("Not this time")

    # Q3: numeric, the timer runs out with nobody pressing anything
    host.click("button[data-action=open_question]")
    expect(agatha.locator("#stage")).to_contain_text("walk on the Moon")
    agatha.fill("#number-answer", "1970")
    agatha.click("text=Send answer")
    bears.fill("#number-answer", "1950")
    bears.click("text=Send answer")
    expect(bears.locator("#answer-box")).to_contain_text("1950")
    expect(screen.locator("#stage")).to_contain_text("Time is up", timeout=15_000)
    expect(host.locator("#console")).to_contain_text("How the teams answered")
    host.click("button[data-action=reveal]")
    expect(agatha.locator("#team-result")).to_contain_text("Right! +3 points")  # closest wins
    expect(bears.locator("#team-result")).to_contain_text("Not this time")

    host.click("button[data-action=end]")
    podium = screen.locator(".podium")
    expect(podium.locator(".place-1")).to_contain_text("Agatha Quiztie")
    expect(podium).to_contain_text("Quizzly Bears")
    expect(podium).to_contain_text("Les Misérables")
    expect(agatha.locator("#stage")).to_contain_text("That's the end of the quiz!")
    expect(agatha.locator("#team-result")).to_contain_text("You won! 3 points")
    expect(bears.locator("#team-result")).to_contain_text(re.compile(r"You came \d\w\w of 3 with 1 point"))

    reloaded = [name for name, page in teams.items() if not page.evaluate("window.joinedDocument === true")]
    assert reloaded == [], "these teams' pages reloaded"
