"""The question bank in Chromium: from a round in the editor, find last week's question by a
word typed without its accent, add it to the round, and be warned that it was played at the same
venue; screenshots at a phone's, a laptop's and a projector's size."""

import os
from pathlib import Path

from browsing import build_quiz
from playwright.sync_api import expect

from harness.quiz import MOONLIGHT, RED_PLANET, Quiz, Round

SIZES = {"phone": (390, 844), "laptop": (1280, 720), "projector": (1920, 1080)}
ZOE = dict(MOONLIGHT, prompt="Which singer is Zoë Kravitz's father?", accepted="Lenny Kravitz")


def _shoot(page, name):
    """Screenshots for a person to look at, when PUBQUIZ_SHOTS names a folder."""
    folder = os.environ.get("PUBQUIZ_SHOTS")
    if not folder:
        return
    Path(folder).mkdir(parents=True, exist_ok=True)
    for size, (width, height) in SIZES.items():
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=f"{folder}/{name}-{size}.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 800})


def _play_first_question(host, base, quiz_id, venue):
    host.goto(f"{base}/quizzes/{quiz_id}")
    host.fill("#venue", venue)
    host.get_by_role("button", name="Start a game").click()
    for label in ("Start the quiz", "Open next question", "Close question now", "Reveal answer"):
        host.get_by_role("button", name=label).click()
    expect(host.get_by_role("button", name="Open next question")).to_be_visible()


def test_a_host_adds_a_question_from_the_bank(people):
    host = people.host("bank@example.org")
    last_week = build_quiz(
        host, Quiz("Last week", [Round("Music", [dict(ZOE, category="Music"), RED_PLANET])])
    )
    _play_first_question(host, people.base, last_week.quiz_id, "The Crown")
    this_week = build_quiz(host, Quiz("This week", [Round("Warm-up", [MOONLIGHT])]))
    host.goto(f"{people.base}/quizzes/{this_week.quiz_id}")
    host.get_by_role("link", name="Add from the bank").click()
    host.fill("#q", "zoe")
    host.get_by_role("button", name="Search").click()
    results = host.locator(".bank-results li")
    expect(results).to_have_count(1)
    expect(results.first).to_contain_text("Last week, Music")
    _shoot(host, "bank")
    results.first.get_by_role("button", name="Add to this round").click()
    expect(host.locator(".flash")).to_contain_text("added to Warm-up")
    host.get_by_role("link", name="Back to Warm-up").click()
    expect(host.locator("#round-%d ol.questions li" % this_week.round_ids[0])).to_have_count(2)
    expect(host.locator("ol.questions")).to_contain_text("Zoë Kravitz")
    expect(host.locator(".repeats")).to_contain_text("1 question already played at The Crown")
    expect(host.locator("ol.questions .played")).to_contain_text("at The Crown")
    _shoot(host, "editor")
    host.get_by_role("link", name="Which singer is Zoë Kravitz's father?").click()
    expect(host.locator("#category")).to_have_value("Music")
    _shoot(host, "question-form")
