"""The projector read from the back of the room: a whole night on `/screen/<code>` at 1280x720,
1920x1080 and 3840x2160, measured in Chromium in every phase. No text smaller than 2.5 % of the
screen's height, nothing that scrolls, overlaps, spills out of its box or breaks mid-word, a
picture scaled up to the space it has, the podium revealed from 3rd to 1st (at once for people who
ask for less motion), and no colour-contrast violation axe can find.

PUBQUIZ_SHOTS=<folder> also saves a screenshot of every phase at every size there."""

import os
import pathlib
import re
import struct
import zlib

import psycopg
from axe_playwright_python.sync_playwright import Axe
from browsing import build_quiz, join, post, start_game, wait_until_live
from playwright.sync_api import expect

from harness.quiz import Quiz, Round
from pubquiz.snapshot import LOBBY_NAMES

SIZES = ((1280, 720), (1920, 1080), (3840, 2160))
SMALLEST_TEXT = 0.025  # of the viewport's height
LONG_NAMES = ("Universally Challenged Rejects", "Quiz Team Aguilera and Friends")  # 30 characters
OTHER_NAMES = (
    "Gin Fizzicists",
    "Les Quizerables",
    "Agatha Quiztie",
    "The Brainy Bunch",
    "Quizteama",
    "Tequila Mockingbird",
    "Norfolk Enchants",
    "Spice Squirrels",
    "E=MC Hammer",
    "Sofa Kings",
)
SIX_OPTIONS = ("Mercury", "Venus", "Earth", "Mars", "Jupiter", "Saturn")

# Every problem a person at the back would see, as sentences. Text fragments are the line boxes
# of each visible text node (Range.getClientRects), so a word that wraps shows up as two lines.
LAYOUT_PROBLEMS = """() => {
  const W = innerWidth, H = innerHeight, problems = [];
  const root = document.documentElement;
  if (root.scrollWidth > W || root.scrollHeight > H)
    problems.push(`the page scrolls: ${root.scrollWidth}x${root.scrollHeight} in ${W}x${H}`);
  const fragments = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node; (node = walker.nextNode());) {
    const text = node.data.trim(), el = node.parentElement;
    if (!text || !el.checkVisibility({opacityProperty: true, visibilityProperty: true})) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    const rects = [...range.getClientRects()].filter(r => r.width > 0 && r.height > 0);
    if (!rects.length) continue;
    const style = getComputedStyle(el), size = parseFloat(style.fontSize);
    if (size < SMALLEST * H) problems.push(`"${text.slice(0, 40)}" is ${size.toFixed(1)}px high`);
    for (const r of rects) {
      if (r.left < -1 || r.top < -1 || r.right > W + 1 || r.bottom > H + 1)
        problems.push(`"${text.slice(0, 40)}" is outside the screen`);
      fragments.push({node, text, rect: r});
    }
    for (const word of node.data.matchAll(/\\S+/g)) {
      const w = document.createRange();
      w.setStart(node, word.index);
      w.setEnd(node, word.index + word[0].length);
      const lines = [...w.getClientRects()].filter(r => r.width > 0).sort((a, b) => a.top - b.top);
      if (lines.some(r => r.top >= lines[0].bottom - 1))
        problems.push(`"${word[0]}" is broken over two lines`);
    }
  }
  for (const el of document.querySelectorAll("body *")) {
    const display = getComputedStyle(el).display;
    if (display === "inline" || display === "contents" || !el.checkVisibility()) continue;
    if (el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1)
      problems.push(`<${el.localName} class="${el.className}"> spills out of its box: ` +
                    `${el.scrollWidth}x${el.scrollHeight} > ${el.clientWidth}x${el.clientHeight}`);
  }
  const overlap = (a, b) => Math.min(a.right, b.right) - Math.max(a.left, b.left) > 2 &&
    Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 0.2 * Math.min(a.height, b.height);
  for (let i = 0; i < fragments.length; i++)
    for (let j = i + 1; j < fragments.length; j++)
      if (fragments[i].node !== fragments[j].node && overlap(fragments[i].rect, fragments[j].rect))
        problems.push(`"${fragments[i].text.slice(0, 30)}" overlaps "${fragments[j].text.slice(0, 30)}"`);
  for (const panel of document.querySelectorAll(".join-panel, .sound-check")) {
    if (!panel.checkVisibility()) continue;
    const box = panel.getBoundingClientRect();
    for (const f of fragments)
      if (!panel.contains(f.node) && overlap(f.rect, box))
        problems.push(`"${f.text.slice(0, 30)}" is under <${panel.localName} class="${panel.className}">`);
  }
  return problems;
}""".replace("SMALLEST", str(SMALLEST_TEXT))

# How much of the screen the question's picture covers as drawn (object-fit keeps its shape).
PICTURE = """() => {
  const img = document.querySelector("#stage .question-image"), box = img.getBoundingClientRect();
  const scale = Math.min(box.width / img.naturalWidth, box.height / img.naturalHeight);
  return {natural: img.naturalWidth, scale, share: scale * img.naturalWidth * scale * img.naturalHeight
          / (innerWidth * innerHeight)};
}"""

# Each podium place: its opacity now, and when its entrance starts and whether it is hidden until
# then (null without an animation).
PODIUM = """() => [...document.querySelectorAll(".podium li")].map(li => {
  const entrance = li.getAnimations()[0], timing = entrance && entrance.effect.getTiming();
  return {place: li.className, opacity: getComputedStyle(li).opacity,
          delay: timing ? timing.delay : null, fill: timing ? timing.fill : null};
})"""


def _png(width, height):
    """The picture a quiz master uploads: a small flag, blue above yellow."""

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(
        b"\0" + (b"\x00\x57\xb7" if y < height // 2 else b"\xff\xd7\x00") * width for y in range(height)
    )
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


class Team:
    """A team's phone: a browser context of its own (its team cookie) that joins through the form
    and then posts what its answer forms would post."""

    def __init__(self, people, code, name):
        self.context = people.browser.new_context()
        people.contexts.append(self.context)
        self.base, self.code = people.base, code
        self.page = self.context.new_page()
        join(self.page, people.base, code, name)

    def send(self, path, form):
        self.page.goto(f"{self.base}/play/{self.code}")
        if "choice" in form:
            shown = re.search(r'name="question_id" value="(\d+)"', self.page.content())
            form = dict(form, question_id=shown[1])
        post(self.page, path, form)


def _write_quiz(host):
    """Two choice questions (a picture with four options worth 1 point, six planets worth 2) and
    a game of it: (the game's code)."""
    flag = {
        "kind": "choice",
        "prompt": "Which country flies this flag (blue above yellow) over its parliament and its embassies "
        "abroad?",
        "option_0": "Sweden",
        "option_1": "Ukraine",
        "option_2": "Colombia",
        "option_3": "Bosnia",
        "correct_option": "1",
        "time_limit": "600",
        "points": "1",
    }
    planets = dict(
        {f"option_{i}": name for i, name in enumerate(SIX_OPTIONS)},
        kind="choice",
        prompt="Which planet has the most moons we know of?",
        correct_option="5",
        time_limit="600",
        points="2",
    )
    quiz = build_quiz(host, Quiz("The Friday Night Pub Quiz", [Round("Around the world", [flag, planets])]))
    post(
        host,
        f"/questions/{quiz.question_ids[0][0]}/media",
        multipart={"file": {"name": "flag.png", "mimeType": "image/png", "buffer": _png(300, 200)}},
    )
    code = start_game(host, quiz.quiz_id)
    wait_until_live(host)
    return code


def _shots():
    """The folder for screenshots, if PUBQUIZ_SHOTS asks for them."""
    if not os.environ.get("PUBQUIZ_SHOTS"):
        return None
    folder = pathlib.Path(os.environ["PUBQUIZ_SHOTS"])
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _act(host, action, phase):
    """The quiz master presses a console button and sees the console move on (its next button
    carries the new version: pressing it sooner would be refused as a double click)."""
    host.click(f"button[data-action={action}]")
    expect(host.locator("#console")).to_have_attribute("data-phase", phase)


def _settled(screen):
    """Wait until every entrance animation has played (the countdown runs for minutes: not it)."""
    screen.wait_for_function("""() => document.getAnimations()
        .filter(a => !a.effect.target.closest('.countdown')).every(a => a.playState === 'finished')""")


def _console_opened_at(database_url, code, origin):
    """As if the quiz master had opened the console at that address (the pub's network)."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("update game set console_url = %s where code = %s", (origin, code))


def _check(screen, phase, axe, shots):
    for width, height in SIZES:
        screen.set_viewport_size({"width": width, "height": height})
        _settled(screen)
        if shots:
            screen.screenshot(path=str(shots / f"{phase}-{width}x{height}.png"))
        assert screen.evaluate(LAYOUT_PROBLEMS) == [], f"{phase} at {width}x{height}"
        contrast = axe.run(screen, options={"runOnly": ["color-contrast"]}).response["violations"]
        assert contrast == [], f"{phase} at {width}x{height}: {contrast}"


def test_every_phase_reads_from_the_back_of_the_room(people, database_url):
    shots = _shots()
    axe = Axe()
    host = people.host("projector@example.org")
    code = _write_quiz(host)
    _console_opened_at(database_url, code, "http://192.168.1.20:5000")
    screen = people.new(width=1280, height=720)
    screen.goto(f"{people.base}/screen/{code}")
    wait_until_live(screen)
    stage = screen.locator("#stage")
    teams = {name: Team(people, code, name) for name in LONG_NAMES + OTHER_NAMES}
    expect(stage).to_contain_text("12 teams in")
    expect(screen.locator("#loopback")).to_have_count(0)
    _check(screen, "lobby", axe, shots)
    qr = screen.locator(".join-panel .qr").bounding_box()
    assert qr["height"] >= 0.45 * 2160, "the QR code is big in the lobby"
    # The console opened at 127.0.0.1 again: the rest of the night carries the loopback warning.
    host.reload()
    wait_until_live(host)
    screen.reload()
    wait_until_live(screen)
    expect(screen.locator(".join-panel #loopback")).to_contain_text("Phones can't reach 127.0.0.1")
    _check(screen, "lobby-loopback", axe, shots)
    screen.click("[data-sound-check]")

    _act(host, "start", "intro")
    expect(stage).to_have_attribute("data-phase", "intro")
    _check(screen, "intro", axe, shots)
    _act(host, "open_question", "question")
    expect(stage.locator(".question-image")).to_be_visible()
    for name in LONG_NAMES[1], OTHER_NAMES[0]:
        teams[name].send(f"/play/{code}/answer", {"choice": "1"})
    expect(stage.locator(".answer-count")).to_contain_text("2 of 12 teams answered")
    _check(screen, "question-picture", axe, shots)
    for width, height in SIZES:
        screen.set_viewport_size({"width": width, "height": height})
        picture = screen.evaluate(PICTURE)
        assert picture["natural"] == 300 and picture["scale"] > 1, (width, picture)
        assert picture["share"] >= 0.2, f"the picture covers {picture['share']:.0%} of {width}x{height}"
    assert not screen.locator(".join-panel .qr").is_visible(), "no QR code in the way of a question"
    _act(host, "close_question", "closed")
    expect(stage).to_have_attribute("data-phase", "closed")
    _check(screen, "closed", axe, shots)
    _act(host, "reveal", "reveal")
    expect(stage).to_have_attribute("data-phase", "reveal")
    _check(screen, "reveal", axe, shots)

    _act(host, "open_question", "question")
    expect(stage.locator("ol.options li")).to_have_count(6)
    teams[LONG_NAMES[0]].send(f"/play/{code}/answer", {"choice": "5"})
    _check(screen, "question-six-options", axe, shots)
    host.click("button[data-action=pause]")
    expect(host.locator("button[data-action=resume]")).to_be_visible()
    expect(stage.locator(".paused-banner")).to_be_visible()
    _check(screen, "paused", axe, shots)
    host.click("button[data-action=resume]")
    expect(host.locator("button[data-action=pause]")).to_be_visible()
    _act(host, "close_question", "closed")
    _act(host, "reveal", "reveal")
    _act(host, "show_leaderboard", "leaderboard")
    expect(stage.locator(".leaderboard li")).to_have_count(10)
    _check(screen, "leaderboard", axe, shots)

    _act(host, "end", "ended")
    expect(stage.locator(".podium .place-1")).to_contain_text(LONG_NAMES[0])
    _check(screen, "ended-tie", axe, shots)
    steps = [li.bounding_box()["x"] for li in stage.locator(".podium li").all()]
    assert steps[1] < steps[0] < steps[2], "the winner in the middle, even when 2nd place is shared"
    host.fill("#tb-prompt", "How many keys does a piano have?")
    host.fill("#tb-answer", "88")
    _act(host, "tiebreak-start", "tiebreak")
    expect(stage).to_have_attribute("data-phase", "tiebreak")
    teams[LONG_NAMES[1]].send(f"/play/{code}/tiebreak", {"number": "90"})
    expect(stage).to_contain_text("✓")
    _check(screen, "tiebreak", axe, shots)
    teams[OTHER_NAMES[0]].send(f"/play/{code}/tiebreak", {"number": "100"})
    _act(host, "tiebreak-close", "ended")
    expect(stage).to_contain_text("Answer: 88")
    expect(stage.locator(".podium .place-1 .total")).to_have_text("2 pts")
    expect(stage.locator(".podium .place-2")).to_contain_text(LONG_NAMES[1])
    expect(stage.locator(".podium .place-2 .total")).to_have_text("1 pt")
    places = screen.evaluate(PODIUM)
    assert [p["place"] for p in places] == ["place-1", "place-2", "place-3"]
    assert places[2]["delay"] < places[1]["delay"] < places[0]["delay"], f"3rd, then 2nd, then 1st: {places}"
    assert all(p["fill"] in ("backwards", "both") for p in places), "each place hidden until its turn"
    _check(screen, "ended", axe, shots)


def test_the_podium_is_all_there_at_once_for_less_motion(people, browser):
    host = people.host("calm@example.org")
    code = _write_quiz(host)
    Team(people, code, "Gin Fizzicists")
    _act(host, "start", "intro")
    host.click("button[data-action=end]")  # ending from the intro is early: the console asks first
    host.locator("#confirm-dialog button.danger").click()
    expect(host.locator("#console")).to_have_attribute("data-phase", "ended")
    calm = browser.new_context(reduced_motion="reduce", viewport={"width": 1920, "height": 1080})
    people.contexts.append(calm)
    screen = calm.new_page()
    screen.goto(f"{people.base}/screen/{code}")
    expect(screen.locator(".podium .place-1")).to_contain_text("Gin Fizzicists")
    assert [p["opacity"] for p in screen.evaluate(PODIUM)] == ["1"], "shown at once, no entrance"
    assert [p["delay"] for p in screen.evaluate(PODIUM)] == [None]


def test_a_full_pub_fits_the_lobby(people):
    host = people.host("full@example.org")
    code = _write_quiz(host)
    # Two hundred teams (PUBQUIZ_MAX_TEAMS), a quarter with names of 30 characters, the longest
    # joining first: a full pub, added by the quiz master.
    names = [f"{name[:26]} {number:03}" for number, name in enumerate(LONG_NAMES * 25)]
    names += [f"{name} {number}" for number in range(1, 16) for name in OTHER_NAMES]
    for name in names:
        post(host, f"/host/{code}/manage/teams", {"name": name})
    screen = people.new(width=1280, height=720)
    screen.goto(f"{people.base}/screen/{code}")
    stage = screen.locator("#stage")
    expect(stage).to_contain_text(f"{len(names)} teams in")
    # As many names as fit, the first to join; the rest counted.
    expect(stage.locator(".chips li:not(.more)")).to_have_count(LOBBY_NAMES)
    expect(stage.locator(".chips li.more")).to_have_text(f"+ {len(names) - LOBBY_NAMES} more teams")
    expect(stage).to_contain_text(names[0])
    expect(stage).not_to_contain_text(names[-1])
    for width, height in SIZES:
        screen.set_viewport_size({"width": width, "height": height})
        if _shots():
            screen.screenshot(path=str(_shots() / f"lobby-full-{width}x{height}.png"))
        assert screen.evaluate(LAYOUT_PROBLEMS) == [], f"{len(names)} teams at {width}x{height}"
