"""Scores that tell the truth, in Chromium: a team sees what it answered once the question closes
(and nothing of its rank while the result is a secret, even after a reload), half points as ½,
and the joker's doubling spelled out on the phone, the projector and the scores page."""

import os
import re

from browsing import build_quiz, join, post, start_game, wait_until_live
from playwright.sync_api import expect

from harness.quiz import MOONLIGHT, RED_PLANET, Quiz, Round

SHOTS = os.environ.get("PUBQUIZ_SHOTS")  # a folder for screenshots of the pages this test sees
PHONE = {"width": 390, "height": 844}


def _shoot(page, name, sizes=((390, 844),)):
    if not SHOTS:
        return
    for width, height in sizes:
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=os.path.join(SHOTS, f"{name}-{width}x{height}.png"), full_page=True)


def _write_quiz(host):
    """One joker round of a choice question and a free-text question, 1 point each."""
    expect(host).to_have_url(re.compile(r"/quizzes$"))
    largest = dict(RED_PLANET, prompt="Which planet is the largest?", correct_option="2", time_limit="120")
    moonlight = dict(MOONLIGHT, time_limit="120")
    quiz = build_quiz(
        host, Quiz("Truthful night", [Round("Space and music", [largest, moonlight], joker=True)])
    )
    code = start_game(host, quiz.quiz_id)
    wait_until_live(host)
    return code


def _phone(people, base, code, name):
    phone = people.new(**PHONE)
    join(phone, base, code, name)
    return phone


def test_a_phone_sees_its_answer_its_half_point_and_its_joker_but_no_rank_before_the_reveal(people):
    base = people.base
    host = people.host("truth@example.org")
    code = _write_quiz(host)
    screen = people.new(width=1280, height=720)
    screen.goto(f"{base}/screen/{code}")
    wait_until_live(screen)
    jokers = _phone(people, base, code, "Jokers")
    halves = _phone(people, base, code, "Halves")
    # The joker's form, confirmed (as the confirmation step sends it, where there is one).
    round_id = jokers.locator(".joker-form button").first.get_attribute("value")
    post(jokers, f"/play/{code}/joker", {"round_id": round_id, "confirm": "yes"})
    jokers.reload()
    wait_until_live(jokers)
    expect(jokers.locator("#team-result")).to_contain_text("Joker played on “Space and music”")

    host.click("button[data-action=start]")
    host.click("button[data-action=open_question]")
    jokers.click("button.option-2")
    halves.click("button.option-1")
    expect(halves.locator("#answer-box")).to_contain_text("Mars")
    host.click("button[data-action=close_question]")
    # Closed: the team's own answer arrives on its phone, without a verdict and without a rank.
    expect(halves.locator("#team-result")).to_contain_text("You said B Mars")
    expect(jokers.locator("#team-result")).to_contain_text("You said C Jupiter")
    halves.reload()
    wait_until_live(halves)
    expect(halves.locator("#team-result")).to_contain_text("You said B Mars")
    expect(halves.locator("#team-result")).not_to_contain_text("of 2 with")
    expect(halves.locator("#team-result")).not_to_contain_text("✗")
    _shoot(halves, "phone-closed")

    host.click("button[data-action=reveal]")
    expect(halves.locator("#team-result")).to_contain_text("You said B Mars ✗ · the answer was C Jupiter")
    expect(jokers.locator("#team-result")).to_contain_text("You said C Jupiter ✓")
    expect(jokers.locator("#team-result")).to_contain_text("✓ Right! +1 point × 2 joker")
    expect(jokers.locator("#team-result")).to_contain_text("You're 1st of 2 with 2 points")
    _shoot(jokers, "phone-reveal-joker")
    host.click("button[data-action=show_leaderboard]")
    first = screen.locator(".leaderboard li").first
    expect(first).to_contain_text("Jokers")
    expect(first).to_contain_text("+1 point × 2 joker")
    expect(first.locator(".total")).to_have_text("2")
    _shoot(screen, "projector-leaderboard", ((1280, 720), (1920, 1080)))

    host.click("button[data-action=open_question]")
    halves.fill("#text-answer", "bethoven")
    halves.click("text=Send answer")
    expect(halves.locator("#answer-box")).to_contain_text("bethoven")
    host.click("button[data-action=close_question]")
    expect(halves.locator("#team-result")).to_contain_text("You said bethoven")
    marker = host.context.new_page()
    marker.goto(f"{base}/mark/{code}")
    marker.locator(".group", has_text="bethoven").locator("button[data-verdict=half]").click()
    expect(marker.locator(".group", has_text="bethoven")).to_contain_text("half")
    host.click("button[data-action=reveal]")
    expect(halves.locator("#team-result")).to_contain_text("You said bethoven ½")
    expect(halves.locator("#team-result")).to_contain_text("½ Half points: +½ point")
    expect(halves.locator("#team-result")).to_contain_text("You're 2nd of 2 with ½ point")
    _shoot(halves, "phone-reveal-half")

    host.click("button[data-action=end]")
    expect(jokers.locator("#team-result")).to_contain_text("You won!")
    expect(halves.locator("#team-result")).to_contain_text("You came 2nd of 2 with ½ point")
    expect(screen.locator(".podium .place-2")).to_contain_text("½ pt")
    _shoot(halves, "phone-ended")
    _shoot(jokers, "phone-won")
    _shoot(screen, "projector-podium", ((1280, 720), (1920, 1080)))

    scores = host.context.new_page()
    scores.goto(f"{base}/host/{code}/scores")
    table = scores.locator("table.scores")
    expect(table.locator("thead")).to_contain_text("R1 Q1")
    expect(table.locator("thead")).to_contain_text("R1 Q2")
    expect(table.locator("tr", has_text="Jokers")).to_contain_text("× 2 joker")
    expect(table.locator("tr", has_text="Halves")).to_contain_text("½")
    _shoot(scores, "scores", ((390, 844), (1280, 720), (1920, 1080)))
