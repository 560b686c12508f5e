"""After a short night in Chromium the host opens the results from the console, downloads the CSV
and finds in it the rows the console's leaderboard showed; the results page and the paper answer
sheets print on A4 and Letter (one sheet a page) without the site's header and buttons."""

import csv
import io
import os
import re

from browsing import build_quiz, join, post, start_game, wait_until_live
from playwright.sync_api import expect
from test_media import png

from harness.quiz import MOONLIGHT, RED_PLANET, Quiz, Round

SHOTS = os.environ.get("PUBQUIZ_SHOTS")  # a folder for screenshots of the pages this test sees
A4_WIDTH = 794  # 210 mm at 96 px per inch
SIZES = ((390, 844), (1280, 720), (1920, 1080))


def _shoot(page, name, sizes=SIZES):
    if not SHOTS:
        return
    for width, height in sizes:
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=os.path.join(SHOTS, f"{name}-{width}x{height}.png"), full_page=True)


def _pages_of(pdf):
    """How many pages a PDF that Chromium printed has."""
    return len(re.findall(rb"/Type\s*/Page[^s]", pdf))


def _play(host, phones, answers):
    """The host opens the next question, each phone answers, the host closes and reveals it."""
    host.click("button[data-action=open_question]")
    for phone, answer in zip(phones, answers, strict=True):
        if answer.startswith("option-"):
            phone.click(f"button.{answer}")
            expect(phone.locator("#answer-box")).to_contain_text("Answer locked in")
        else:
            phone.fill("#text-answer", answer)
            phone.click("text=Send answer")
            expect(phone.locator("#answer-box")).to_contain_text(answer)
    host.click("button[data-action=close_question]")
    host.click("button[data-action=reveal]")


def test_a_host_plays_a_short_game_and_downloads_the_results(people):
    base = people.base
    host = people.host("results@example.org")
    expect(host).to_have_url(re.compile(r"/quizzes$"))
    red_planet = dict(RED_PLANET, time_limit="120", points="2")
    moonlight = dict(MOONLIGHT, time_limit="120")
    quiz = build_quiz(
        host, Quiz("Results night", [Round("Space", [red_planet]), Round("Music", [moonlight])])
    )
    picture = {"name": "planet.png", "mimeType": "image/png", "buffer": png(400, 300)}
    post(host, f"/questions/{quiz.question_ids[0][0]}/media", multipart={"file": picture})
    code = start_game(host, quiz.quiz_id)
    wait_until_live(host)
    phones = [people.new(width=390, height=844) for _ in range(3)]
    for phone, name in zip(phones, ("Quizzly Bears", "=Owls", "Zoë's Table"), strict=True):
        join(phone, base, code, name)

    host.click("button[data-action=start]")
    _play(host, phones, ["option-1", "option-1", "option-0"])
    host.click("button[data-action=next_round]")
    _play(host, phones, ["Beethoven", "Mozart", "Beethoven"])
    # Half a point for the Owls' Mozart, on the scores page.
    scores = host.context.new_page()
    scores.goto(f"{base}/host/{code}/scores")
    scores.select_option("#team_id", label="=Owls")
    scores.select_option(
        "#question_id", scores.locator("#question_id option", has_text="Moonlight").get_attribute("value")
    )
    scores.fill("#points", "½")
    scores.fill("#reason", "Mozart wrote sonatas too")
    scores.click("text=Save correction")
    expect(scores.locator(".flash")).to_contain_text("=Owls now has ½ point for R2 Q1.")
    scores.close()
    host.click("button[data-action=end]")
    expect(host.locator("#console")).to_have_attribute("data-phase", "ended")
    board = [
        [cell.strip() for cell in row.split("\t")]
        for row in host.locator("#console .leaderboard li").evaluate_all(
            "items => items.map(li => [...li.children].map(c => c.textContent).join('\\t'))"
        )
    ]
    assert [(r[0], r[1], r[2]) for r in board] == [
        ("1", "Quizzly Bears", "3"),
        ("2", "=Owls", "2½"),
        ("3", "Zoë's Table", "1"),
    ]

    _shoot(host, "console-ended")
    host.locator(".console-links a", has_text="Results").click()
    expect(host).to_have_url(f"{base}/host/{code}/results")
    expect(host.locator(".results-podium")).to_contain_text("1st Quizzly Bears 3 points")
    with host.expect_download() as download_info:
        host.click("text=Download CSV")
    download = download_info.value
    assert download.suggested_filename == f"results-night-{code}-results.csv"
    with open(download.path(), encoding="utf-8-sig") as file:
        rows = list(csv.reader(io.StringIO(file.read())))
    assert rows == [
        ["Rank", "Team", "R1 Space", "R2 Music", "Joker", "Corrections", "Total"],
        ["1", "Quizzly Bears", "2", "1", "", "0", "3"],
        ["2", "'=Owls", "2", "0.5", "", "0.5", "2.5"],
        ["3", "Zoë's Table", "0", "1", "", "0", "1"],
    ]

    # Printed: no header, no buttons, the table within A4's width.
    host.emulate_media(media="print")
    host.set_viewport_size({"width": A4_WIDTH, "height": 1123})
    expect(host.locator("header.site")).to_be_hidden()
    expect(host.locator(".page-links")).to_be_hidden()
    assert host.evaluate("document.documentElement.scrollWidth") <= A4_WIDTH
    _shoot(host, "results-print", sizes=((A4_WIDTH, 1123),))
    for paper in ("A4", "Letter"):
        assert _pages_of(host.pdf(format=paper, prefer_css_page_size=False)) == 1, paper
    host.emulate_media(media="screen")
    _shoot(host, "results")

    host.goto(f"{base}/quizzes")
    expect(host.locator(".game-podium")).to_have_text(re.compile(r"1st\s*Quizzly Bears 3\s*2nd\s*=Owls 2½"))
    _shoot(host, "quiz-list-podium")

    host.goto(f"{base}/quizzes/{quiz.quiz_id}/sheets")
    expect(host.locator(".sheet")).to_have_count(3)  # Space, its pictures, Music
    expect(host.locator(".handout img")).to_have_js_property("complete", True)
    _shoot(host, "sheets")
    host.emulate_media(media="print")
    host.set_viewport_size({"width": A4_WIDTH, "height": 1123})
    expect(host.locator("header.site")).to_be_hidden()
    _shoot(host, "sheets-print", sizes=((A4_WIDTH, 1123),))
    for paper in ("A4", "Letter"):
        assert _pages_of(host.pdf(format=paper, prefer_css_page_size=False)) == 3, paper
    assert not people.server_errors and not people.csp_violations
