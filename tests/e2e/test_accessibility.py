"""Accessibility in Chromium: axe-core over every page in each of its live states, at a phone's
size and a laptop's or projector's, with no violation of any impact allowed; and a whole night
run by a host on the keyboard alone (Tab, Enter, Space), with the focus always visible."""

import collections
import re

from axe_playwright_python.sync_playwright import Axe
from browsing import build_quiz, join, post, start_game, wait_until_live
from playwright.sync_api import expect
from test_media import png

from harness.quiz import MOONLIGHT, RED_PLANET, Quiz, Round

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1280, "height": 720}
PROJECTOR = {"width": 1920, "height": 1080}
AXE = Axe()


class Audit:
    """Runs axe on pages and keeps every violation as a line naming the page, its state, the
    rule and the offending node, so one run lists everything left to fix."""

    def __init__(self):
        self.problems = []
        self.per_rule = collections.Counter()

    def check(self, page, name, state, sizes=(PHONE, LAPTOP)):
        for size in sizes:
            page.set_viewport_size(size)
            # A page wider than the phone makes a player (or the host in a dark room) scroll sideways.
            # The projector is laid out for a 16:9 screen (tests/e2e/test_projector.py measures it).
            page.wait_for_load_state()
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > size["width"] and name != "projector":
                self.problems.append(f"{name} [{state}] at {size['width']}x{size['height']}: {width} px wide")
            results = AXE.run(page, options={"resultTypes": ["violations"]})
            for violation in results.response["violations"]:
                self.per_rule[(violation["id"], violation["impact"])] += 1
                for node in violation["nodes"]:
                    self.problems.append(
                        f"{name} [{state}] at {size['width']}x{size['height']}: {violation['id']} "
                        f"({violation['impact']}) on {node['target']}: {node['failureSummary']}"
                    )

    def assert_clean(self):
        summary = ", ".join(f"{rule} ({impact}) x{n}" for (rule, impact), n in sorted(self.per_rule.items()))
        assert self.problems == [], f"axe found: {summary}\n" + "\n".join(self.problems)


def _write_quiz(host):
    """A quiz with a picture question, a free-text one and a numeric one in a second round:
    (quiz id, first round id, the picture question's id)."""
    red_planet = dict(RED_PLANET, option_3="Saturn", image_on_phones="on")
    moonlight = MOONLIGHT
    moon_landing = {
        "kind": "numeric",
        "prompt": "In what year did people first walk on the Moon?",
        "numeric_answer": "1969",
        "time_limit": "300",
        "points": "1",
    }
    quiz = build_quiz(
        host, Quiz("Pub night", [Round(questions=[red_planet, moonlight]), Round("Numbers", [moon_landing])])
    )
    question_id = quiz.question_ids[0][0]
    picture = {"name": "planet.png", "mimeType": "image/png", "buffer": png(40, 30)}
    post(host, f"/questions/{question_id}/media", multipart={"file": picture})
    return quiz.quiz_id, quiz.round_ids[0], question_id


def test_every_page_in_every_state_has_no_axe_violations(people):
    base = people.base
    audit = Audit()
    visitor = people.new()
    for path, name in (
        ("/", "home"),
        ("/login", "login"),
        ("/register", "register"),
        ("/no/such/page", "error page"),
    ):
        visitor.goto(base + path)
        audit.check(visitor, name, "first visit")
    visitor.goto(base + "/login")
    visitor.fill("#email", "nobody@example.org")
    visitor.fill("#password", "not the password")
    visitor.click("button.primary")
    expect(visitor.locator("main")).to_contain_text(re.compile("wrong|not|incorrect", re.I))
    audit.check(visitor, "login", "refused")

    host = people.host("a11y@example.org")
    audit.check(host, "quiz list", "empty")
    quiz_id, round_id, question_id = _write_quiz(host)
    host.goto(f"{base}/quizzes")
    audit.check(host, "quiz list", "one quiz")
    host.goto(f"{base}/quizzes/{quiz_id}")
    audit.check(host, "editor", "three questions")
    host.goto(f"{base}/quizzes/bank?to_round={round_id}&q=planet")
    audit.check(host, "question bank", "adding to a round")
    host.goto(f"{base}/questions/{question_id}")
    audit.check(host, "question form", "choice with a picture")
    for kind in ("choice", "truefalse", "text", "numeric"):
        host.goto(f"{base}/rounds/{round_id}/questions/new?kind={kind}")
        audit.check(host, "question form", f"new {kind}")
    host.goto(f"{base}/rounds/{round_id}/questions/new?kind=choice")
    host.fill("#prompt", "A question with one option")
    host.fill("#option-0", "The only one")
    host.click("text=Save question")  # re-rendered with its error
    expect(host.locator(".field-error").first).to_be_visible()
    audit.check(host, "question form", "with errors")
    host.goto(f"{base}/quizzes/{quiz_id}/delete/confirm")
    audit.check(host, "confirmation page", "delete the quiz")
    host.goto(f"{base}/rounds/{round_id}/delete/confirm")
    audit.check(host, "confirmation page", "delete a round")
    host.goto(f"{base}/quizzes")
    for sheet, state, shown in (
        (b"kind,question,answer\nchoice,Which?,Red\n", "problems", "#import-problems"),
        (b"kind,question,answer\ntext,Who?,Beethoven\n", "preview", "#import-preview"),
    ):
        host.set_input_files("#import-file", {"name": "pub.csv", "mimeType": "text/csv", "buffer": sheet})
        host.click("#import-form button")
        expect(host.locator(shown)).to_be_visible()
        audit.check(host, "import", state)

    code = start_game(host, quiz_id)
    wait_until_live(host)
    screen = people.new(**PROJECTOR)
    screen.goto(f"{base}/screen/{code}")
    wait_until_live(screen)
    visitor.goto(f"{base}/join/{code}")
    audit.check(visitor, "join", "from the QR code")
    visitor.fill("#code", "NOPE42")
    visitor.fill("#name", "Lost")
    visitor.click("button.primary")
    expect(visitor.locator(".field-error").first).to_be_visible()
    audit.check(visitor, "join", "refused")

    captain, second, solo = (people.new(**PHONE) for _ in range(3))
    join(captain, base, code, "Duo")
    pin = captain.locator(".team-invite .code").text_content()
    join(second, base, code, "duo", pin)
    join(solo, base, code, "Solo")
    expect(screen.locator("#stage")).to_contain_text("2 teams in")

    def everyone(state):
        audit.check(host, "host console", state)
        audit.check(screen, "projector", state, sizes=(PHONE, PROJECTOR))
        for page, name in (
            (captain, "phone (captain of two)"),
            (second, "phone (second of two)"),
            (solo, "phone (one-phone team)"),
        ):
            audit.check(page, name, state)

    def act(action, words, phase):
        host.click(f"button[data-action={action}]")
        expect(host.locator("#console")).to_have_attribute("data-phase", phase)
        expect(screen.locator("#stage")).to_contain_text(words)

    everyone("lobby")
    host.goto(f"{base}/host/{code}/teams")
    audit.check(host, "teams page", "lobby")
    host.goto(f"{base}/host/{code}")
    wait_until_live(host)

    act("start", "Round 1", "intro")
    everyone("intro")
    act("open_question", "Which planet is red?", "question")
    expect(captain.locator(".question-image")).to_be_visible()
    everyone("question: choice with a picture")
    captain.click("button.option-0")
    expect(second.locator("#answer-box")).to_contain_text("Your team's pick")
    audit.check(second, "phone (second of two)", "the team's pick")
    captain.click("text=Lock in our answer")
    solo.click("button.option-1")
    expect(solo.locator("#answer-box")).to_contain_text("Answer locked in")
    audit.check(solo, "phone (one-phone team)", "answer locked in")
    act("close_question", "Time is up", "closed")
    everyone("closed")
    act("reveal", "B: Mars", "reveal")
    everyone("reveal")
    act("show_leaderboard", "Solo", "leaderboard")
    everyone("leaderboard")

    act("open_question", "Moonlight Sonata", "question")
    everyone("question: free text")
    second.fill("#text-answer", "bethoven")
    second.click("text=Send answer")
    expect(captain.locator("#answer-box")).to_contain_text("bethoven")
    act("close_question", "Time is up", "closed")
    marking = host.context.new_page()
    marking.goto(f"{base}/mark/{code}")
    wait_until_live(marking)
    expect(marking.locator(".group", has_text="bethoven")).to_be_visible()
    audit.check(marking, "marking page", "one answer to mark")
    marking.locator(".group", has_text="bethoven").locator("button[data-verdict=right]").click()
    expect(marking.locator(".group", has_text="bethoven")).to_contain_text("right")
    audit.check(marking, "marking page", "marked")
    host.click("button[data-action=invite-marker]")
    helper = people.new(width=1024, height=768)
    helper.goto(host.locator(".marker-link a").get_attribute("href"))
    wait_until_live(helper)
    audit.check(helper, "marking page", "a helper's tablet")
    act("reveal", "Beethoven", "reveal")
    act("show_leaderboard", "Duo", "leaderboard")

    act("next_round", "Round 2", "intro")
    act("open_question", "walk on the Moon", "question")
    everyone("question: numeric")
    solo.fill("#number-answer", "1969")
    solo.click("text=Send answer")
    expect(solo.locator("#answer-box")).to_contain_text("1969")
    host.click("button[data-action=pause]")
    expect(screen.locator("#stage")).to_contain_text("Paused")
    everyone("paused")
    host.click("button[data-action=resume]")
    expect(screen.locator("#stage")).not_to_contain_text("Paused")
    captain.fill("#number-answer", "1969")
    captain.click("text=Send answer")
    act("close_question", "Time is up", "closed")

    scores = host.context.new_page()
    scores.goto(f"{base}/host/{code}/scores")
    audit.check(scores, "scores", "after three questions")
    scores.goto(f"{base}/host/{code}/audit")
    audit.check(scores, "audit log", "after marking")
    host.goto(f"{base}/host/{code}/end/confirm")
    audit.check(host, "confirmation page", "end the game early")
    host.goto(f"{base}/host/{code}/teams")
    solo_id = re.search(r"/manage/teams/(\d+)/kick/confirm", host.content())
    if solo_id:
        host.goto(f"{base}/host/{code}/manage/teams/{solo_id.group(1)}/kick/confirm")
        audit.check(host, "confirmation page", "remove a team")
    host.goto(f"{base}/host/{code}")
    wait_until_live(host)

    act("reveal", "1969", "reveal")
    host.click("button[data-action=end]")
    expect(host.locator(".tiebreak-panel")).to_contain_text("Tie on the podium")
    expect(screen.locator(".podium")).to_be_visible()
    everyone("ended: podium with a tie")
    host.fill("#tb-prompt", "How many keys does a piano have?")
    host.fill("#tb-answer", "88")
    host.click("button[data-action=tiebreak-start]")
    expect(screen.locator("#stage")).to_contain_text("How many keys")
    expect(solo.locator("#stage")).to_contain_text("How many keys")
    everyone("tie-break")
    solo.fill("#tiebreak-number", "90")
    solo.click("text=Send guess")
    captain.fill("#tiebreak-number", "100")
    captain.click("text=Send guess")
    host.click("button[data-action=tiebreak-close]")
    expect(screen.locator(".podium .place-1")).to_contain_text("Solo")
    everyone("ended: podium")
    host.goto(f"{base}/host/{code}/results")
    audit.check(host, "results", "after a tie-break")
    host.goto(f"{base}/quizzes")
    audit.check(host, "quiz list", "an ended game with its podium")
    host.goto(f"{base}/quizzes/{quiz_id}/sheets")
    audit.check(host, "answer sheets", "a round with a picture")
    audit.assert_clean()


FOCUSED = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  return {
    tag: el.tagName.toLowerCase(), text: (el.innerText || el.value || "").trim().slice(0, 40),
    name: el.getAttribute("name") || el.id || el.getAttribute("data-action") || "",
    ring: (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0) || style.boxShadow !== "none",
    danger: !!el.closest(".danger-zone"),
  };
}"""


def _tab_to(page, selector, before_danger=False, limit=80):
    """Tab until the element matching `selector` has the focus; every stop on the way must show
    where the focus is; with before_danger, none may be in the danger zone. Returns the stops
    (none when the focus is there already, as on the console's next control after a step)."""
    stops = []
    if page.evaluate("s => document.activeElement.matches(s)", selector):
        assert page.evaluate(FOCUSED)["ring"], f"no visible focus on {selector} ({page.url})"
        return stops
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        stops.append(f"{focused['tag']} {focused['name']!r} {focused['text']!r}")
        assert focused["tag"] == "body" or focused["ring"], f"no visible focus on {stops[-1]} ({page.url})"
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return stops
        assert not (before_danger and focused["danger"]), (
            f"the danger zone came before {selector} on {page.url}: {stops}"
        )
    raise AssertionError(f"{selector} never got the focus on {page.url}: {stops}")


def _type_into(page, selector, text):
    _tab_to(page, selector)
    page.keyboard.type(text)


def _enter_and_load(page):
    """Enter on a link or a form's button: the next page has loaded before the next Tab."""
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_the_host_runs_a_whole_night_with_the_keyboard_alone(people):
    base = people.base
    people.host("keys@example.org").context.close()
    host = people.new()
    host.goto(base + "/login")
    _type_into(host, "#email", "keys@example.org")
    _type_into(host, "#password", "a long enough password")
    _enter_and_load(host)
    expect(host).to_have_url(re.compile(r"/quizzes$"))

    _type_into(host, "#title", "Keyboard night")
    _enter_and_load(host)
    expect(host.locator("h1")).to_have_text("Keyboard night")
    for statement in ("The Thames flows through London", "Owls are mammals"):
        _tab_to(host, ".add-question a[href*='kind=truefalse']")
        _enter_and_load(host)
        _type_into(host, "#prompt", statement)
        _tab_to(host, "input[name=truth][value=true]")
        host.keyboard.press("Space")
        _tab_to(host, "form button.primary")
        _enter_and_load(host)
        expect(host.locator(".questions")).to_contain_text(statement)
    _tab_to(host, "form[action$='/games'] button")
    _enter_and_load(host)
    expect(host).to_have_url(re.compile(r"/host/[A-Z0-9]{6}$"))
    wait_until_live(host)

    console = host.locator("#console")
    for action, phase in (
        ("start", "intro"),
        ("open_question", "question"),
        ("close_question", "closed"),
        ("reveal", "reveal"),
        ("show_leaderboard", "leaderboard"),
    ):
        _tab_to(host, f"button[data-action={action}]", before_danger=True)
        host.keyboard.press("Enter")
        expect(console).to_have_attribute("data-phase", phase)
    _tab_to(host, "button[data-action=open_question]", before_danger=True)  # the next question
    _tab_to(host, ".danger-zone button")
    host.keyboard.press("Enter")
    dialog = host.locator("#confirm-dialog")
    expect(dialog).to_contain_text("End the game now?")
    audit = Audit()
    audit.check(host, "host console", "the end-the-game dialog")
    audit.assert_clean()
    expect(dialog.locator("button[value=cancel]")).to_be_focused()
    _tab_to(host, "#confirm-dialog button.danger")
    host.keyboard.press("Enter")
    expect(console).to_have_attribute("data-phase", "ended")
    expect(console).to_contain_text("Game over")
