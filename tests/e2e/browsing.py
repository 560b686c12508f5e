"""What every e2e test's people do in a browser the same way: a phone sends the join form, a
phone joins and is in, a page's stream is live, a form is posted from a person's browser, and a
host writes a quiz (a harness.quiz Quiz) and starts a game of it."""

import re

from playwright.sync_api import expect

from harness.quiz import Reply, build


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


def join(page, base, code, name, pin="", live=True):
    """A phone joins and is in: its team's page, with the stream live (live=False: a page without
    JavaScript, which has no stream)."""
    send_join_form(page, base, code, name, pin)
    expect(page.locator(".team-name")).to_have_text(re.compile(re.escape(name), re.I))
    if live:
        wait_until_live(page)


def origin(page):
    """Scheme, host and port of the page: where its forms post to."""
    return "/".join(page.url.split("/", 3)[:3])


def _send_form(page, path, form=None, multipart=None):
    token = page.locator('meta[name="csrf-token"]').get_attribute("content")
    if multipart is not None:
        body = {"multipart": dict(multipart, csrf_token=token)}
    else:
        body = {"form": dict(form or {}, csrf_token=token)}
    return page.request.post(origin(page) + path, max_redirects=0, **body)


def post(page, path, form=None, multipart=None):
    """A form post from this person's browser (its cookies, the page's CSRF token), as the page's
    forms would send it; the response, a page (200) or a redirect (303) not followed."""
    response = _send_form(page, path, form, multipart)
    assert response.status in (200, 303), (path, response.status, response.text()[:300])
    return response


def build_quiz(page, quiz):
    """A harness.quiz Quiz written in the editor from this host's browser: its Built ids."""

    def send(request):
        if request.fields is None:
            response = page.request.get(origin(page) + request.path, max_redirects=0)
        else:
            response = _send_form(page, request.path, request.fields)
        return Reply(response.status, response.headers.get("location", ""), response.text())

    return build(quiz, send)


def start_game(page, quiz_id):
    """The host starts a game of the quiz and is on its console: the game's code."""
    location = post(page, f"/quizzes/{quiz_id}/games").headers["location"]
    page.goto(origin(page) + location)
    return location.rsplit("/", 1)[1]
