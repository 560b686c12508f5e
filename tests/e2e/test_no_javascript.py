"""With JavaScript turned off, joining and answering still work: plain forms, redirects, and a
page that the player reloads."""

from browsing import send_join_form
from playwright.sync_api import expect


def test_play_a_question_by_plain_form_posts(people):
    base = people.base
    host, code = people.true_or_false_game(
        "nojs@example.org", ["Water boils at 100 °C at sea level."], True, javascript=False
    )

    team = people.new(javascript=False, width=360, height=640)
    team.goto(base + "/")
    team.fill("#code", code.lower())
    team.fill("#name", "Offline Owls")
    team.click("button.primary")
    expect(team).to_have_url(f"{base}/play/{code}")
    expect(team.locator("#stage")).to_contain_text("You're in!")

    host.reload()
    expect(host.locator("#console")).to_contain_text("Offline Owls")
    host.click("button[data-action=start]")  # a plain POST, then a 303 back to the console
    host.click("button[data-action=open_question]")
    expect(host.locator("#console")).to_contain_text("0 of 1 teams answered")

    team.reload()
    expect(team.locator("#stage")).to_contain_text("Water boils")
    team.click("button.option-0")  # True
    expect(team).to_have_url(f"{base}/play/{code}")
    expect(team.locator("#answer-box")).to_contain_text("Answer locked in")

    host.click("button[data-action=close_question]")
    host.click("button[data-action=reveal]")
    team.reload()
    expect(team.locator("#team-result")).to_contain_text("Right! +1 point")
    expect(team.locator("#team-result")).to_contain_text("1st of 1")


def test_a_stale_answer_form_gets_a_clear_message(people):
    """The page was loaded while the question was open; the host closed it before the tap."""
    base = people.base
    host, code = people.true_or_false_game("stale@example.org", ["Pubs sell beer."], True, javascript=False)
    team = people.new(javascript=False)
    send_join_form(team, base, code, "Dawdlers")
    host.reload()
    host.click("button[data-action=start]")
    host.click("button[data-action=open_question]")
    team.reload()
    host.click("button[data-action=close_question]")
    team.click("button.option-0")
    expect(team.locator(".problem")).to_contain_text("Too late")
