"""What every e2e test's people do in a browser the same way: a phone sends the join form, a
phone joins and is in, a page's stream is live."""
import re

from playwright.sync_api import expect


def wait_until_live(page):
    """Until the page's stream is connected (pubquiz.js sets body.live)."""
    page.wait_for_selector("body.live", state="attached")


def send_join_form(page, base, code, name, pin=""):
    """A phone opens the join link and sends the form; what happens next is the test's."""
    page.goto(f"{base}/join/{code}")
    page.fill("#name", name)
    if pin:
        page.fill("#pin", pin)
    page.click("button.primary")


def join(page, base, code, name, pin=""):
    """A phone joins and is in: its team's page, with the stream live."""
    send_join_form(page, base, code, name, pin)
    expect(page.locator(".team-name")).to_have_text(re.compile(name, re.I))
    wait_until_live(page)
