"""A phone drops off the pub's Wi-Fi mid-question: what it missed arrives when it is back, a tap
made while offline says it did not reach the quiz, and the tap after reconnecting counts."""
import re

from playwright.sync_api import expect


def test_a_phone_that_goes_offline_catches_up_and_its_answer_counts(people):
    base = people.base
    host = people.new()
    host.goto(base + "/register")
    host.fill("#email", "offline@example.org")
    host.fill("#password", "a long enough password")
    host.click("button.primary")
    host.fill("#title", "Wi-Fi trouble")
    host.click("text=Create")
    host.click("text=True or false")
    host.fill("#prompt", "Pub Wi-Fi always works.")
    host.check("input[name=truth][value=false]")
    host.fill("#time_limit", "120")
    host.click("text=Save question")
    host.click("text=Start a game")
    expect(host).to_have_url(re.compile(r"/host/[A-Z0-9]{6}$"))
    code = host.url.rsplit("/", 1)[1]
    host.wait_for_selector("body.live", state="attached")

    phone = people.new(width=360, height=740)
    phone.goto(f"{base}/join/{code}")
    phone.fill("#name", "Dropouts")
    phone.click("button.primary")
    phone.wait_for_selector("body.live", state="attached")
    phone.evaluate("window.sameDocument = true")

    phone.context.set_offline(True)
    host.click("button[data-action=start]")
    host.click("button[data-action=open_question]")  # published while the phone is away
    phone.wait_for_timeout(3000)
    phone.context.set_offline(False)
    # Back online: the stream reconnects with Last-Event-ID and replays the question.
    expect(phone.locator("#stage")).to_contain_text("Pub Wi-Fi always works.", timeout=20_000)

    phone.context.set_offline(True)
    phone.click("button.option-1")
    expect(phone.locator("#answer-box .problem")).to_contain_text("did not reach the quiz")
    expect(host.locator("#console .answer-count")).to_contain_text("0 of 1 teams answered")
    phone.context.set_offline(False)
    phone.click("button.option-1")
    expect(phone.locator("#answer-box")).to_contain_text("Answer locked in")
    expect(host.locator("#console .answer-count")).to_contain_text("1 of 1 teams answered")
    assert phone.evaluate("window.sameDocument === true"), "the page reloaded"
