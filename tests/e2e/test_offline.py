"""Phones on pub Wi-Fi: cut off for half a minute mid-question, put in a pocket (backgrounded),
or a reply lost on the way. Whatever happened meanwhile arrives when the phone is back, every event
in order; a tap that did not get through says so; an answer sent again counts once."""

import time

import psycopg
from browsing import join, wait_until_live
from playwright.sync_api import expect

# Every SSE message id the page's stream received, in order (htmx fires this for each message).
RECORD_IDS = """() => {
  window.seen = [];
  document.addEventListener("htmx:sse:before:message", (e) => window.seen.push(e.detail.message.id));
}"""
# What a browser does to a page when the phone is locked or another app comes to the front.
SET_HIDDEN = """(hidden) => {
  Object.defineProperty(document, "hidden", {configurable: true, get: () => hidden});
  Object.defineProperty(document, "visibilityState",
                        {configurable: true, get: () => hidden ? "hidden" : "visible"});
  document.dispatchEvent(new Event("visibilitychange"));
}"""


def _quiz_night(people, email, prompts, wifi=None):
    """A host with a true/false quiz of `prompts` in a started game, and two teams' phones
    recording their stream ids: (host, code, dropouts, steady); the first on `wifi` if given."""
    base = people.base
    host, code = people.true_or_false_game(email, prompts, False, time_limit=300)
    wait_until_live(host)
    phones = []
    for name, via in (("Dropouts", wifi.base if wifi else base), ("Steady", base)):
        phone = people.new(width=360, height=740)
        join(phone, via, code, name)
        phone.evaluate(RECORD_IDS)
        phone.evaluate("window.sameDocument = true")
        phones.append(phone)
    return host, code, phones[0], phones[1]


def _ids(phone, start=0):
    """The ids received since `start`, a repeat collapsed (a team's stream gets the players'
    fragment and its own under one id)."""
    out = []
    for event_id in phone.evaluate("window.seen")[start:]:
        if not out or out[-1] != event_id:
            out.append(event_id)
    return out


def _catches_up(phone, since, steady, steady_since, timeout=15):
    """The phone ends up with exactly the events the phone that never left got, in that order."""
    deadline = time.monotonic() + timeout
    while _ids(phone, since) != _ids(steady, steady_since) and time.monotonic() < deadline:
        phone.wait_for_timeout(200)
    missed = _ids(steady, steady_since)
    assert missed, "nothing happened while the phone was away"
    assert _ids(phone, since) == missed


def test_a_phone_cut_off_for_30_seconds_mid_question_gets_every_event_in_order(people, wifi, database_url):
    host, code, phone, steady = _quiz_night(
        people, "offline@example.org", ["Pub Wi-Fi always works.", "Phones never run out of battery."], wifi
    )
    host.click("button[data-action=start]")
    host.click("button[data-action=open_question]")
    for both in (phone, steady):  # each has the question before counting from here
        expect(both.locator("#stage")).to_contain_text("Pub Wi-Fi always works.")

    phone.context.set_offline(True)
    wifi.cut()
    cut_at = time.monotonic()
    since, steady_since = len(phone.evaluate("window.seen")), len(steady.evaluate("window.seen"))
    # A tap while cut off: it cannot arrive, and the phone says so rather than look accepted.
    phone.click("button.option-1")
    expect(phone.locator("#answer-box .problem")).to_contain_text("No reply from the quiz")
    with psycopg.connect(database_url) as conn:
        assert conn.execute("select count(*) from answer").fetchone() == (0,), "the tap got through"
    # The quiz goes on without the phone: the question closes, the answer, the leaderboard, the next one.
    for action in ("close_question", "reveal", "show_leaderboard", "open_question"):
        host.click(f"button[data-action={action}]")
        expect(host.locator(f"button[data-action={action}]")).to_have_count(0)
    expect(steady.locator("#stage")).to_contain_text("Phones never run out of battery.")
    phone.wait_for_timeout(max(0, 30 - (time.monotonic() - cut_at)) * 1000)
    assert _ids(phone, since) == [], "the cut was not real: events arrived while offline"
    expect(phone.locator("#stage")).to_contain_text("Pub Wi-Fi always works.")

    wifi.restore()
    phone.context.set_offline(False)
    # Back: the stream reconnects (at most 5 s apart) with Last-Event-ID and replays what it missed.
    expect(phone.locator("#stage")).to_contain_text("Phones never run out of battery.", timeout=15_000)
    _catches_up(phone, since, steady, steady_since)
    phone.click("button.option-1")
    expect(phone.locator("#answer-box")).to_contain_text("Answer locked in")
    expect(host.locator("#console .answer-count")).to_contain_text("1 of 2 teams answered")
    assert phone.evaluate("window.sameDocument === true"), "the page reloaded"


def test_a_phone_put_in_a_pocket_pauses_its_stream_and_catches_up_when_it_comes_back(people):
    host, code, phone, steady = _quiz_night(people, "pocket@example.org", ["Crisps count as dinner."])
    host.click("button[data-action=start]")
    for both in (phone, steady):  # each has the start before counting from here
        expect(both.locator("#stage")).to_contain_text("Round 1")
    since, steady_since = len(phone.evaluate("window.seen")), len(steady.evaluate("window.seen"))
    # htmx 4 cancels a backgrounded page's stream reader in the visibilitychange handler itself:
    # from here on the phone reads nothing, however long it would be waited for.
    phone.evaluate(SET_HIDDEN, True)
    host.click("button[data-action=open_question]")
    expect(steady.locator("#stage")).to_contain_text("Crisps count as dinner.")
    host.click("button[data-action=close_question]")
    expect(steady.locator("#stage")).to_contain_text("Answers are closed")
    # Both events reached the steady phone: a stream still open would have brought them here too.
    assert _ids(phone, since) == [], "a backgrounded page received events"

    phone.evaluate(SET_HIDDEN, False)
    _catches_up(phone, since, steady, steady_since)
    expect(phone.locator("#stage")).to_contain_text("Answers are closed")


def test_an_answer_whose_reply_is_lost_is_sent_again_and_counts_once(people, database_url):
    host, code, phone, steady = _quiz_night(people, "lost-reply@example.org", ["Last orders means last."])
    host.click("button[data-action=start]")
    host.click("button[data-action=open_question]")
    expect(phone.locator("#stage")).to_contain_text("Last orders means last.")

    def lose_the_reply(route):
        route.fetch()  # the answer reaches the quiz ...
        route.abort("timedout")  # ... and its reply never reaches the phone

    phone.route("**/answer", lose_the_reply)
    phone.click("button.option-1")
    expect(phone.locator("#answer-box .problem")).to_contain_text("No reply from the quiz")
    expect(host.locator("#console .answer-count")).to_contain_text("1 of 2 teams answered")
    phone.unroute("**/answer")

    phone.click("button.option-1")  # what the message asks for
    expect(phone.locator("#answer-box")).to_contain_text("Answer locked in")
    expect(phone.locator("#answer-box .problem")).to_have_count(0)
    host.click("button[data-action=close_question]")
    host.click("button[data-action=reveal]")
    expect(phone.locator("#stage")).to_contain_text("Right!")
    with psycopg.connect(database_url) as conn:
        stored = conn.execute(
            "select t.name, count(*) from answer a join team t on t.id = a.team_id group by t.name"
        ).fetchall()
    assert stored == [("Dropouts", 1)]
