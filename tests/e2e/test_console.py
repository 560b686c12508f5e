"""The quiz master's side in Chromium: ending early asks in a dialog (or, without JavaScript, on a
confirmation page), the console says the phase in words and who has not answered yet, marking
verdicts look different, and the editor's controls line up.

With PUBQUIZ_SHOTS=<folder> the tests also save screenshots of each page at phone and laptop sizes."""

import os

from browsing import join, wait_until_live
from playwright.sync_api import expect

SIZES = {"phone": (390, 844), "laptop": (1280, 720), "projector": (1920, 1080)}


def shoot(page, name, sizes=tuple(SIZES)):
    folder = os.environ.get("PUBQUIZ_SHOTS")
    if not folder:
        return
    os.makedirs(folder, exist_ok=True)
    for size in sizes:
        width, height = SIZES[size]
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=os.path.join(folder, f"{name}-{size}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 800})


STATEMENTS = ["Pubs sell beer.", "Darts has a bullseye.", "Quizzes have questions."]


def test_ending_early_asks_in_a_dialog(people):
    host, code = people.true_or_false_game("dialog@example.org", STATEMENTS, True)
    wait_until_live(host)
    console = host.locator("#console")
    host.click("button[data-action=start]")
    host.click("button[data-action=open_question]")
    expect(console.locator(".phase")).to_contain_text("Question open")

    end = host.locator(".danger-zone button[data-action=end]")
    main = host.locator(".controls button[data-action=close_question]")
    # The destructive button is well away from the main one, below it.
    assert end.bounding_box()["y"] > main.bounding_box()["y"] + main.bounding_box()["height"] + 100

    end.click()
    dialog = host.locator("#confirm-dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("End the game now?")
    expect(dialog).to_contain_text("2 questions are left; the podium shows the scores so far.")
    shoot(host, "console-confirm-dialog")
    dialog.locator("text=Cancel").click()
    expect(dialog).to_be_hidden()
    expect(console.locator(".phase")).to_contain_text("Question open")
    host.reload()  # nothing was sent: the server's state is the same
    expect(host.locator("#console .phase")).to_contain_text("Question open")
    wait_until_live(host)

    host.click(".danger-zone button[data-action=end]")
    host.locator("#confirm-dialog button.danger").click()
    expect(host.locator("#console .phase")).to_contain_text("Game over")
    expect(host.locator(".danger-zone")).to_have_count(0)


def test_ending_early_without_javascript_is_a_confirmation_page(people):
    host, code = people.true_or_false_game("nojs-end@example.org", STATEMENTS, True, javascript=False)
    host.click("button[data-action=start]")
    host.click(".danger-zone button[data-action=end]")
    expect(host).to_have_url(f"{people.base}/host/{code}/end/confirm")
    expect(host.locator("h1")).to_have_text("End the game now?")
    expect(host.locator(".consequence")).to_have_text(
        "3 questions are left; the podium shows the scores so far."
    )
    shoot(host, "confirm-page")
    host.click("text=Cancel")
    expect(host).to_have_url(f"{people.base}/host/{code}")
    expect(host.locator("#console .phase")).to_contain_text("Round intro")

    host.click(".danger-zone button[data-action=end]")
    host.click(".confirm-page button.danger")
    expect(host).to_have_url(f"{people.base}/host/{code}")
    expect(host.locator("#console .phase")).to_contain_text("Game over")


def test_the_console_says_the_phase_and_who_has_not_answered(people):
    base = people.base
    host, code = people.true_or_false_game("waiting@example.org", STATEMENTS[:2], True)
    wait_until_live(host)
    phones = {}
    for name in ("Alpha", "Beta", "Gamma"):
        phones[name] = people.new(width=360, height=740)
        join(phones[name], base, code, name)
    phase = host.locator("#console .phase")
    expect(phase).to_contain_text("Lobby: waiting for teams")
    expect(host.locator("#console")).to_contain_text("3 teams")
    shoot(host, "console-lobby")

    host.click("button[data-action=start]")
    expect(phase).to_contain_text("Round intro")
    shoot(host, "console-intro")
    host.click("button[data-action=open_question]")
    expect(phase).to_contain_text("Question open")
    waiting = host.locator("#console .waiting")
    expect(waiting).to_have_text("Waiting for: Alpha, Beta, Gamma")
    phones["Beta"].click("button.option-0")
    expect(waiting).to_have_text("Waiting for: Alpha, Gamma")
    expect(host.locator("#console .answer-count")).to_have_text("1 of 3 teams answered")
    shoot(host, "console-question")
    phones["Alpha"].click("button.option-1")
    phones["Gamma"].click("button.option-0")
    expect(waiting).to_have_text("Every team has answered.")

    for action, words, name in (
        ("close_question", "Answers closed", "closed"),
        ("reveal", "Answer revealed", "reveal"),
        ("show_leaderboard", "Leaderboard", "leaderboard"),
    ):
        host.click(f"button[data-action={action}]")
        expect(phase).to_contain_text(words)
        shoot(host, f"console-{name}")
    assert "· question" not in phase.text_content() and "· reveal" not in phase.text_content()
    host.click("button[data-action=open_question]")
    host.click("button[data-action=close_question]")
    host.click("button[data-action=reveal]")
    host.click(".controls button[data-action=end]")  # the natural end: no question asked
    expect(phase).to_contain_text("Game over")
    shoot(host, "console-ended")
    host.goto(f"{base}/host/{code}/teams")
    expect(host.locator(".team-admin form[data-confirm] button.danger")).to_have_count(3)
    shoot(host, "teams")


def test_marking_verdicts_look_different(people):
    base = people.base
    host = people.host("marking@example.org")
    host.fill("#title", "Words")
    host.click("text=Create")
    host.click(".add-question >> text=Free text")
    host.fill("#prompt", "Who composed the Moonlight Sonata?")
    host.fill("#accepted", "Beethoven")
    host.click("text=Save question")
    host.click(".add-question >> text=Free text")
    host.fill("#prompt", "Which city has the Eiffel Tower?")
    host.fill("#accepted", "Paris")
    host.click("text=Save question")
    host.click("text=Start a game")
    code = host.url.rsplit("/", 1)[1]
    wait_until_live(host)
    answers = {"Right": "Beethoven", "Half": "Bethoven", "Wrong": "Mozart"}
    phones = {}
    for name in answers:
        phones[name] = people.new(width=360, height=740)
        join(phones[name], base, code, name)
    host.click("button[data-action=start]")
    for _ in range(2):
        host.click("button[data-action=open_question]")
        for name, answer in answers.items():
            phones[name].fill("input[name=text]", answer)
            phones[name].click("text=Send answer")
        expect(host.locator("#console .waiting")).to_have_text("Every team has answered.")
        host.click("button[data-action=close_question]")
        host.click("button[data-action=reveal]")

    host.goto(f"{base}/mark/{code}")
    wait_until_live(host)
    expect(host.locator(".marking-queue h2")).to_have_text("Which city has the Eiffel Tower?")
    host.click("text=Next question to mark")
    expect(host.locator(".marking-queue h2")).to_have_text("Who composed the Moonlight Sonata?")
    wait_until_live(host)
    host.locator(".group", has_text="Bethoven").locator("button[data-verdict=half]").click()
    group = {
        verdict: host.locator(f".group[data-verdict={verdict}]") for verdict in ("right", "half", "wrong")
    }
    for verdict, label in (("right", "✓ right"), ("half", "½ half"), ("wrong", "✗ wrong")):
        expect(group[verdict].locator(".verdict-badge")).to_contain_text(label)
    colours = {
        verdict: g.locator(".verdict-badge").evaluate("e => getComputedStyle(e).backgroundColor")
        for verdict, g in group.items()
    }
    borders = {verdict: g.evaluate("e => getComputedStyle(e).borderStyle") for verdict, g in group.items()}
    assert len(set(colours.values())) == 3, colours
    assert len(set(borders.values())) == 3, borders
    shoot(host, "marking")
    host.click("text=← Back to the console")
    expect(host).to_have_url(f"{base}/host/{code}")


def test_the_editor_lines_up_its_controls(people):
    host = people.host("editor@example.org")
    host.fill("#title", "Tidy quiz")
    host.click("text=Create")
    for prompt in (
        "Short?",
        "A much longer question that takes up a lot more of the row than the first one?",
        "Medium length question here?",
    ):
        host.click(".add-question >> text=True or false")
        host.fill("#prompt", prompt)
        host.click("text=Save question")
    expect(host.locator("h1")).to_have_count(1)
    expect(host.locator("h1")).to_have_text("Tidy quiz")

    rows = host.locator(".round .editor-row")
    expect(rows).to_have_count(4)  # the round's own row and three questions
    for selector in ("button[aria-label$=up]", "button[aria-label$=down]", "button.danger"):
        lefts = {round(rows.nth(i).locator(selector).bounding_box()["x"]) for i in range(4)}
        assert len(lefts) == 1, (selector, lefts)
    for name in ("joker_eligible", "negative_marking"):
        box = host.locator(f"input[name={name}]").bounding_box()
        label = host.locator(f"label.check:has(input[name={name}])").bounding_box()
        assert box["x"] - label["x"] < 5 and box["width"] < 40, (name, box, label)
    shoot(host, "editor")

    host.click("text=← My quizzes")
    expect(host.locator("h1")).to_have_count(1)
    edit = host.locator(".quiz-list li", has_text="Tidy quiz").get_by_role("link", name="Edit Tidy quiz")
    expect(edit).to_be_visible()
    shoot(host, "quiz-list")
    edit.click()
    expect(host.locator("h1")).to_have_text("Tidy quiz")
