"""The analytics pages in Chromium after a real night: the host reaches them from the results
page, the season's league and the quiz list, the operator from the analytics page; at a phone's
size, a laptop's and a big screen's none scrolls sideways, the charts fit their column, and axe
finds nothing. Screenshots of each go to /work/shots/analytics/ when that folder can be made."""

import re
from pathlib import Path

from browsing import join, origin, post
from playwright.sync_api import expect
from test_accessibility import AXE, LAPTOP, PHONE, PROJECTOR

SHOTS = Path("/work/shots/analytics")
STATEMENTS = [
    "The Moon is made of rock",
    "Mars has two moons <and> a red & dusty face",
    "Venus spins backwards",
]
OPERATOR = "operator@example.org"  # the e2e server's PUBQUIZ_OPERATORS (conftest.py)


def _act(host, code, action):
    host.goto(f"{origin(host)}/host/{code}")
    version = re.search(r'name="version" value="(\d+)"', host.content()).group(1)
    post(
        host, f"/host/{code}/{action}", {"version": version, **({"confirm": "1"} if action == "end" else {})}
    )


def _night(people):
    """The operator hosts a true-or-false night of three statements (all true) in a season:
    Reds are right three times, Blues twice (not the second), Greens once (the first); so Q1
    is 100 % right, Q2 33 %, Q3 67 %."""
    host, code = people.true_or_false_game(OPERATOR, STATEMENTS, truth=True)
    created = post(host, "/seasons", {"name": "Red Lion league", "scoring": "total"})
    season_id = created.headers["location"].rsplit("/", 1)[1]
    post(host, f"/host/{code}/season", {"season_id": season_id})
    picks = {"Reds": "000", "Blues": "010", "Greens": "011"}
    phones = {}
    for name in picks:
        phones[name] = people.new(javascript=False, width=390, height=844)
        join(phones[name], people.base, code, name, live=False)
    _act(host, code, "start")
    for i in range(len(STATEMENTS)):
        _act(host, code, "open_question")
        for name, phone in phones.items():
            phone.reload()
            question_id = phone.locator('input[name="question_id"]').first.get_attribute("value")
            post(phone, f"/play/{code}/answer", {"question_id": question_id, "choice": picks[name][i]})
        _act(host, code, "close_question")
        _act(host, code, "reveal")
    _act(host, code, "end")
    return host, code, season_id


def _check(page, name, problems):
    for size in (PHONE, LAPTOP, PROJECTOR):
        page.set_viewport_size(size)
        page.wait_for_load_state()
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > size["width"]:
            problems.append(f"{name} at {size['width']}: {width} px wide")
        for chart in page.locator("svg.chart").all():
            box = chart.bounding_box()
            if box["x"] < 0 or box["x"] + box["width"] > size["width"]:
                problems.append(f"{name} at {size['width']}: a chart is cut off ({box})")
        for violation in AXE.run(page, options={"resultTypes": ["violations"]}).response["violations"]:
            problems.append(
                f"{name} at {size['width']}: {violation['id']} on {violation['nodes'][0]['target']}"
            )
        try:
            SHOTS.mkdir(parents=True, exist_ok=True)
        except OSError:
            continue  # a machine without /work: the checks above are the test
        page.screenshot(path=str(SHOTS / f"{name}-{size['width']}x{size['height']}.png"), full_page=True)


def _follow(page, path, link):
    """From the page at path, the link a person clicks to get to the analytics."""
    page.goto(origin(page) + path)
    page.click(f"text={link}")


def test_the_host_and_the_operator_read_the_analytics_on_any_screen(people):
    host, code, season_id = _night(people)
    problems = []

    _follow(host, f"/host/{code}/results", "Analytics")
    expect(host.locator("main")).to_contain_text("67 % of the answers were right, over 3 questions.")
    expect(host.locator("#hardest-easiest")).to_contain_text(f"33 % R1 Q2 {STATEMENTS[1]}")
    expect(host.locator("#percent-right .chart-bar")).to_have_count(3)
    _check(host, "game", problems)

    _follow(host, "/quizzes", "Analytics >> nth=0")
    expect(host.locator("main")).to_contain_text("1 game · 3 teams")
    _check(host, "across-games", problems)
    host.goto(f"{people.base}/analytics?from=banana")
    expect(host.locator("#from-error")).to_contain_text("From must be a date like 2026-03-31")
    _check(host, "across-games-bad-date", problems)

    _follow(host, f"/seasons/{season_id}", "Teams across the season")
    expect(host.locator("#season-teams-table")).to_contain_text("Reds")
    _check(host, "season", problems)

    _follow(host, "/analytics", "Operator’s dashboard")
    today = host.locator("#operator-days-table tbody tr").last.locator("td")
    expect(today.nth(0)).to_have_text("1")  # one game
    expect(today.nth(1)).to_have_text("9")  # three teams answered three questions
    _check(host, "operator", problems)

    newcomer = people.host("newcomer@example.org")
    newcomer.goto(f"{people.base}/analytics")
    expect(newcomer.locator("main")).to_contain_text("No games played yet")
    _check(newcomer, "across-games-empty", problems)
    assert problems == [], "\n".join(problems)
