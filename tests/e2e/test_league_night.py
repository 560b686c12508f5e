"""A season in Chromium: the projector of a season's game shows the league in the lobby (before
the night) and below the podium (after it), read from the back of the room at 1280x720, 1920x1080
and 3840x2160 (the projector's own measurements), and the host's seasons pages pass axe at a
phone's size and a laptop's.

PUBQUIZ_SHOTS=<folder> also saves screenshots of every page at every size there."""

import psycopg
from axe_playwright_python.sync_playwright import Axe
from browsing import build_quiz, join, post, send_join_form, wait_until_live
from playwright.sync_api import expect
from test_accessibility import LAPTOP, PHONE, Audit
from test_projector import LAYOUT_PROBLEMS, LONG_NAMES, OTHER_NAMES, SIZES, _settled, _shots

from harness.quiz import RED_PLANET, Quiz, Round

TEAMS = LONG_NAMES + OTHER_NAMES  # twelve, two of them with names of 30 characters


def _version(conn, code):
    return conn.execute("select version from game where code = %s", (code,)).fetchone()[0]


def _week(host, conn, quiz, season_id, points):
    """A night of the season played on paper: the quiz master adds the teams, types in their
    sheets and ends the game. points: {team: points}. Returns the game's code."""
    code = post(host, f"/quizzes/{quiz.quiz_id}/games", {"season_id": season_id}).headers["location"][-6:]
    for name in points:
        post(host, f"/host/{code}/manage/teams", {"name": name})
    post(host, f"/host/{code}/start", {"version": _version(conn, code)})
    for name, score in points.items():
        team = conn.execute(
            "select t.id from team t join game g on g.id = t.game_id where g.code = %s and t.name = %s",
            (code, name),
        ).fetchone()[0]
        post(host, f"/mark/{code}/paper", {"team_id": team, "round_id": quiz.round_ids[0], "points": score})
    post(host, f"/host/{code}/end", {"version": _version(conn, code), "confirm": "1"})
    return code


def _read_from_the_back(screen, state, shots):
    axe = Axe()
    for width, height in SIZES:
        screen.set_viewport_size({"width": width, "height": height})
        _settled(screen)
        if shots:
            screen.screenshot(path=str(shots / f"screen-{state}-{width}x{height}.png"))
        assert screen.evaluate(LAYOUT_PROBLEMS) == [], f"{state} at {width}x{height}"
        contrast = axe.run(screen, options={"runOnly": ["color-contrast"]}).response["violations"]
        assert contrast == [], f"{state} at {width}x{height}: {contrast}"


def test_the_projector_shows_the_league_before_and_after_the_night(people, database_url):
    shots = _shots()
    audit = Audit()
    host = people.host("league@example.org")
    host.goto(people.base + "/seasons")
    audit.check(host, "seasons", "none yet")
    host.fill("#name", "The Red Lion Tuesday League")
    host.check("input[name=scoring][value=best]")
    host.fill("input[name=best_of]", "")
    host.click("text=Create the season")
    expect(host.locator("#best_of-error")).to_be_visible()
    audit.check(host, "seasons", "with errors")
    host.fill("input[name=best_of]", "2")
    host.click("text=Create the season")
    expect(host.locator("h1")).to_have_text("The Red Lion Tuesday League: league table")
    season_id = host.url.rsplit("/", 1)[1]
    quiz = build_quiz(host, Quiz("Tuesday quiz", [Round("Everything", [RED_PLANET])]))
    with psycopg.connect(database_url, autocommit=True) as conn:
        _week(host, conn, quiz, season_id, {name: str(n) for n, name in enumerate(TEAMS)})
        last = _week(host, conn, quiz, season_id, {name: str(n % 5) for n, name in enumerate(TEAMS)})
    host.goto(f"{people.base}/seasons/{season_id}")
    expect(host.locator(".league-table tbody tr")).to_have_count(len(TEAMS))
    # Team n scored n, then n % 5: Spice Squirrels (9 + 4) lead.
    expect(host.locator(".league-table tbody tr").first).to_contain_text("Spice Squirrels")
    audit.check(host, "league", "two weeks")
    if shots:
        for size in (PHONE, LAPTOP):
            host.set_viewport_size(size)
            host.screenshot(path=str(shots / f"league-{size['width']}x{size['height']}.png"), full_page=True)
        for path, name in (("/seasons", "seasons"), ("/quizzes", "quizzes")):
            host.goto(people.base + path)
            for size in (PHONE, LAPTOP):
                host.set_viewport_size(size)
                host.screenshot(
                    path=str(shots / f"{name}-{size['width']}x{size['height']}.png"), full_page=True
                )
    host.goto(people.base + "/quizzes")
    audit.check(host, "quiz list", "a season to start a game in")
    host.select_option(
        "select[aria-label='Season of the game of Tuesday quiz']", label="The Red Lion Tuesday League"
    )
    host.click("text=Start a game")
    expect(host.locator("#season_id")).to_have_value(season_id)
    code = host.url.rsplit("/", 1)[1]
    audit.check(host, "console", "a game of a season")
    if shots:
        host.screenshot(path=str(shots / "console-1280x800.png"))

    screen = people.new(width=1280, height=720)
    screen.goto(f"{people.base}/screen/{code}")
    wait_until_live(screen)
    panel = screen.locator("#league")
    expect(panel).to_contain_text("League: The Red Lion Tuesday League")
    expect(panel.locator("li").first).to_contain_text("Spice Squirrels")
    # A regular comes back with its PIN: the lobby shows it, the league stays.
    phone = people.new(width=390, height=844)
    with psycopg.connect(database_url, autocommit=True) as conn:
        pin = conn.execute("select pin from season_team where name = 'Sofa Kings'").fetchone()[0]
    send_join_form(phone, people.base, code, "Sofa Kings")
    expect(phone.locator("#name-error")).to_contain_text(
        "“Sofa Kings” is a regular of The Red Lion Tuesday League"
    )
    audit.check(phone, "join", "a regular without its PIN", sizes=(PHONE,))
    if shots:
        phone.screenshot(path=str(shots / "join-regular-390x844.png"), full_page=True)
    join(phone, people.base, code, "Sofa Kings", pin)
    expect(screen.locator("#stage .chips")).to_contain_text("Sofa Kings")
    for name in TEAMS[:-1]:  # the others play on paper tonight: the lobby counts those it cannot show
        post(host, f"/host/{code}/manage/teams", {"name": name})
    expect(screen.locator("#stage .chips .more")).to_have_text("+ 4 more teams")
    expect(panel).to_be_visible()
    audit.assert_clean()
    _read_from_the_back(screen, "lobby", shots)

    screen.goto(f"{people.base}/screen/{last}")
    expect(screen.locator(".podium")).to_be_visible()
    expect(screen.locator("#league")).to_contain_text("League: The Red Lion Tuesday League")
    _read_from_the_back(screen, "ended", shots)
