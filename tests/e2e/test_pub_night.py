"""The pub-quiz extras in Chromium: a team on two phones, a free-text answer marked by a helper on
another browser, a correction that moves the projector's leaderboard, and a tie-break between the
two teams that end level."""

import re

from browsing import build_quiz, join, start_game, wait_until_live
from playwright.sync_api import expect

from harness.quiz import MOONLIGHT, RED_PLANET, Quiz, Round


def _write_quiz(host):
    expect(host).to_have_url(re.compile(r"/quizzes$"))
    red_planet = dict(RED_PLANET, time_limit="120")
    moonlight = dict(MOONLIGHT, time_limit="120")
    quiz = build_quiz(host, Quiz("Pub night", [Round(questions=[red_planet]), Round("Words", [moonlight])]))
    code = start_game(host, quiz.quiz_id)
    wait_until_live(host)
    return code


def test_two_phones_a_marker_a_correction_and_a_tiebreak(people):
    base = people.base
    host = people.host("pubnight@example.org")
    code = _write_quiz(host)
    screen = people.new(width=1600, height=900)
    screen.goto(f"{base}/screen/{code}")
    wait_until_live(screen)

    phone_a, phone_b, solo = (people.new(width=360, height=740) for _ in range(3))
    join(phone_a, base, code, "Duo")
    pin = phone_a.locator(".team-invite .code").text_content()  # inside a closed <details>
    join(phone_b, base, code, "duo", pin)  # the team's name in any case, with its PIN
    expect(phone_b.locator(".team-name")).to_have_text("Duo")
    join(solo, base, code, "Solo")
    expect(screen.locator("#stage")).to_contain_text("2 teams in")

    host.click("button[data-action=start]")
    host.click("button[data-action=open_question]")
    expect(phone_b.locator("#stage")).to_contain_text("Which planet is red?")

    # A team on two phones: a pick on one shows on the other; the captain locks it in.
    phone_a.click("button.option-0")
    expect(phone_b.locator("#answer-box")).to_contain_text("Your team's pick: ▲ A Venus")
    phone_b.click("button.option-1")
    expect(phone_a.locator("#answer-box")).to_contain_text("Your team's pick: ◆ B Mars")
    expect(phone_b.locator(".captain-only")).to_be_hidden()  # the second phone is not the captain
    phone_a.click("text=Lock in our answer")
    expect(phone_b.locator("#answer-box")).to_contain_text("Answer locked in: ◆ B Mars")
    solo.click("button.option-1")
    expect(solo.locator("#answer-box")).to_contain_text("Answer locked in")
    host.click("button[data-action=close_question]")
    host.click("button[data-action=reveal]")
    expect(phone_b.locator("#team-result")).to_contain_text("Right! +1 point")

    # A free-text round, marked by a helper on another browser.
    host.click("button[data-action=next_round]")
    host.click("button[data-action=open_question]")
    phone_b.fill("#text-answer", "bethoven")
    phone_b.click("text=Send answer")
    expect(phone_a.locator("#answer-box")).to_contain_text("bethoven")
    solo.fill("#text-answer", "Mozart")
    solo.click("text=Send answer")
    host.click("button[data-action=close_question]")
    expect(phone_a.locator("#stage")).to_contain_text("being marked")
    host.click("button[data-action=invite-marker]")
    marker_link = host.locator(".marker-link a").get_attribute("href")
    marker = people.new(width=1024, height=768)
    marker.goto(marker_link)
    wait_until_live(marker)
    group = marker.locator(".group", has_text="bethoven")
    expect(group).to_contain_text("looks like “Beethoven”")
    group.locator("button[data-verdict=right]").click()
    expect(marker.locator(".group", has_text="bethoven")).to_contain_text("✓ right")
    host.click("button[data-action=reveal]")
    expect(phone_a.locator("#team-result")).to_contain_text("Right! +1 point")
    expect(solo.locator("#team-result")).to_contain_text("Not this time")
    host.click("button[data-action=show_leaderboard]")
    expect(screen.locator(".leaderboard li").first).to_contain_text("Duo")
    expect(screen.locator(".leaderboard li").first).to_contain_text("2")

    # A correction on the scores page moves the projector's leaderboard.
    scores = host.context.new_page()
    scores.goto(f"{base}/host/{code}/scores")
    scores.select_option("#team_id", label="Solo")
    scores.select_option(
        "#question_id", scores.locator("#question_id option", has_text="Moonlight").get_attribute("value")
    )
    scores.fill("#points", "1")
    scores.fill("#reason", "Mozart accepted: the question was ambiguous")
    scores.click("text=Save correction")
    expect(scores.locator(".flash")).to_contain_text("Solo now has 1 point for R2 Q1.")
    solo_row = screen.locator(".leaderboard li", has_text="Solo")
    expect(solo_row.locator(".total")).to_have_text("2")
    scores.goto(f"{base}/host/{code}/audit")
    expect(scores.locator("table.audit")).to_contain_text("Mozart accepted")
    expect(scores.locator("table.audit")).to_contain_text("marker")

    # Level at the end: a tie-break between exactly the tied teams.
    host.click("button[data-action=end]")
    expect(host.locator(".tiebreak-panel")).to_contain_text("Tie on the podium")
    host.fill("#tb-prompt", "How many keys does a piano have?")
    host.fill("#tb-answer", "88")
    host.click("button[data-action=tiebreak-start]")
    expect(screen.locator("#stage")).to_contain_text("How many keys does a piano have?")
    phone_b.fill("#tiebreak-number", "90")
    phone_b.click("text=Send guess")
    expect(phone_a.locator("#team-result")).to_contain_text("Your tie-break guess: 90")
    solo.fill("#tiebreak-number", "100")
    solo.click("text=Send guess")
    host.click("button[data-action=tiebreak-close]")
    expect(screen.locator(".podium .place-1")).to_contain_text("Duo")
    expect(screen.locator(".podium .place-2")).to_contain_text("Solo")
    expect(screen.locator("#stage")).to_contain_text("Answer: 88")
