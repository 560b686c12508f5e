"""A quiz master imports a spreadsheet in Chromium: picks the file, sees the preview, creates the
quiz, starts a game, a team's phone plays it through, and the host downloads the results.

With PUBQUIZ_SHOTS=<folder> the test also saves screenshots of the pages at phone, laptop and
projector sizes."""

import csv
import re

from browsing import join, wait_until_live
from playwright.sync_api import expect
from test_console import shoot

SHEET = (
    "round,kind,question,option A,option B,option C,answer,points,time limit,tolerance\n"
    "Space,choice,Which planet is red?,Venus,Mars,Jupiter,Mars,2,60,\n"
    "Space,truefalse,The Moon is a planet.,,,,False,1,30,\n"
    "Music,text,Who wrote the Moonlight Sonata?,,,,Beethoven,1,45,\n"
)


def test_a_host_imports_a_csv_plays_it_and_downloads_the_results(people, tmp_path):
    host = people.host("importer@example.org")
    expect(host).to_have_url(re.compile(r"/quizzes$"))
    shoot(host, "quizzes-with-import")
    bad = tmp_path / "broken.csv"
    bad.write_text(SHEET.replace("Mars,2,60", "Pluto,2,60"))
    host.set_input_files("#import-file", str(bad))
    host.click("#import-form button")
    expect(host.locator("#import-problems")).to_contain_text(
        "row 2, column answer: the answer must be one of the options, or its letter (A–F)."
    )
    shoot(host, "import-problems")

    sheet = tmp_path / "space_and_music.csv"
    sheet.write_text(SHEET)
    host.set_input_files("#import-file", str(sheet))
    host.click("#import-form button")
    preview = host.locator("#import-preview")
    expect(preview).to_contain_text("2 rounds · 3 questions")
    expect(preview).to_contain_text("Which planet is red?")
    shoot(host, "import-preview")
    host.click("text=Create this quiz")
    expect(host.locator("body")).to_contain_text("Quiz imported: 2 rounds, 3 questions.")
    expect(host.locator(".questions li")).to_have_count(3)
    shoot(host, "quiz-editor-downloads")

    host.click("text=Start a game")
    expect(host).to_have_url(re.compile(r"/host/[A-Z0-9]{6}$"))
    code = host.url.rsplit("/", 1)[1]
    wait_until_live(host)
    phone = people.new(width=390, height=844)
    join(phone, people.base, code, "Rockets")
    expect(host.locator("#console")).to_contain_text("Rockets")
    host.click("button[data-action=start]")
    host.click("button[data-action=open_question]")
    expect(phone.locator("#stage")).to_contain_text("Which planet is red?")
    phone.click("button.option-1")
    expect(phone.locator("#answer-box")).to_contain_text("Answer locked in: ◆ B Mars")
    expect(host.locator("#console .answer-count")).to_contain_text("1 of 1 team")

    # The rest of the night from the imported file, then its results as a spreadsheet.
    host.click("button[data-action=close_question]")
    host.click("button[data-action=reveal]")
    host.click("button[data-action=open_question]")
    expect(phone.locator("#stage")).to_contain_text("The Moon is a planet.")
    phone.click("button.option-1")  # False
    expect(phone.locator("#answer-box")).to_contain_text("Answer locked in")
    host.click("button[data-action=close_question]")
    host.click("button[data-action=reveal]")
    host.click("button[data-action=next_round]")
    host.click("button[data-action=open_question]")
    phone.fill("#text-answer", "Beethoven")
    phone.click("text=Send answer")
    expect(phone.locator("#answer-box")).to_contain_text("Beethoven")
    host.click("button[data-action=close_question]")
    host.click("button[data-action=reveal]")
    host.click("button[data-action=end]")
    expect(host.locator("#console")).to_have_attribute("data-phase", "ended")
    host.locator(".console-links a", has_text="Results").click()
    with host.expect_download() as download_info:
        host.click("text=Download CSV")
    with open(download_info.value.path(), encoding="utf-8-sig") as file:
        rows = list(csv.reader(file))
    assert rows == [
        ["Rank", "Team", "R1 Space", "R2 Music", "Joker", "Corrections", "Total"],
        ["1", "Rockets", "3", "1", "", "0", "4"],
    ]
