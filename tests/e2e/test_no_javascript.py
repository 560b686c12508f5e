"""With JavaScript turned off, joining and answering still work: plain forms, redirects, and a
page that the player reloads."""
import re

from playwright.sync_api import expect


def _host_a_true_or_false_game(people, email, statement):
    """A host without JavaScript registers, writes a one-question quiz and starts a game."""
    host = people.new(javascript=False)
    host.goto(people.base + "/register")
    host.fill("#email", email)
    host.fill("#password", "a long enough password")
    host.click("button.primary")
    host.fill("#title", "No-script quiz")
    host.click("text=Create")
    host.click("text=True or false")
    host.fill("#prompt", statement)
    host.check("input[name=truth][value=true]")
    host.click("text=Save question")
    host.click("text=Start a game")
    expect(host).to_have_url(re.compile(r"/host/[A-Z0-9]{6}$"))
    return host, host.url.rsplit("/", 1)[1]


def test_play_a_question_by_plain_form_posts(people):
    base = people.base
    host, code = _host_a_true_or_false_game(people, "nojs@example.org", "Water boils at 100 °C at sea level.")

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
    host, code = _host_a_true_or_false_game(people, "stale@example.org", "Pubs sell beer.")
    team = people.new(javascript=False)
    team.goto(f"{base}/join/{code}")
    team.fill("#name", "Dawdlers")
    team.click("button.primary")
    host.reload()
    host.click("button[data-action=start]")
    host.click("button[data-action=open_question]")
    team.reload()
    host.click("button[data-action=close_question]")
    team.click("button.option-0")
    expect(team.locator(".problem")).to_contain_text("Too late")
