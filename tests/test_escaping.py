"""Whatever people type (team names, answers, quiz text, file names) is shown as text, on pages and in the
fragments pushed over the streams: a corpus of XSS payloads goes through every input."""

import pytest
from helpers import CHOICE, Stream
from markupsafe import escape
from night import query
from test_media import png, upload

PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '"><svg onload=alert(1)>',
    "javascript:alert(1)",
    "<a href='javascript:alert(1)'>x</a>",
    "{{ 7*7 }}",
]
pytestmark = pytest.mark.parametrize("payload", PAYLOADS)


def raw_absent(html, typed):
    """The typed markup never appears as markup: not as typed, not as a javascript: link."""
    if any(c in typed for c in "<>\"'&"):
        assert typed not in html
    assert 'href="javascript:' not in html and "href='javascript:" not in html


def shown_as_text(html, typed):
    """What was typed is there, escaped (as a person reads it), and never as markup."""
    assert str(escape(typed)) in html, f"{typed!r} is not shown as text"
    raw_absent(html, typed)


def test_quiz_text_and_team_names_are_escaped_everywhere(payload, host, new_team):
    question = dict(CHOICE, prompt="Q " + payload, option_0="A " + payload, option_1="B " + payload)
    quiz_id = host.create_quiz("Quiz " + payload, questions=[question])
    code = host.start_game(quiz_id)
    team = new_team()
    name = ("T" + payload)[:30]
    assert team.join(code, name).status_code == 303
    stream = Stream(host.get(f"/host/{code}/events", buffered=False))
    host.act(code, "start")
    host.act(code, "open_question")
    pushed = stream.read_until('data-phase="question"')
    stream.close()
    editor, console, phone, screen = (
        page.get_data(as_text=True)
        for page in (
            host.get(f"/quizzes/{quiz_id}"),
            host.get(f"/host/{code}"),
            team.get(f"/play/{code}"),
            team.get(f"/screen/{code}"),
        )
    )
    shown_as_text(editor, "Quiz " + payload)
    for html in (console, phone, screen, pushed):
        shown_as_text(html, "Q " + payload)
        shown_as_text(html, "B " + payload)
    shown_as_text(console, name)
    for html in (editor, phone, screen, pushed):
        raw_absent(html, name)
    if "{{" in payload:  # shown as typed, never evaluated as a template
        assert "Q 49" not in console + phone + screen + pushed
    results, sheets = (
        host.get(path).get_data(as_text=True)
        for path in (f"/host/{code}/results", f"/quizzes/{quiz_id}/sheets")
    )
    for html in (results, sheets):
        shown_as_text(html, "Quiz " + payload)
    shown_as_text(results, name)


def test_answers_are_escaped_on_the_console_and_projector(payload, host, new_team):
    text = {"kind": "text", "prompt": "Say something", "accepted": "x", "time_limit": "30", "points": "1"}
    code = host.start_game(host.create_quiz(questions=[text]))
    team = new_team()
    team.join(code, "Typists")
    host.act(code, "start")
    host.act(code, "open_question")
    page = team.get(f"/play/{code}").get_data(as_text=True)
    question_id = page.split('name="question_id" value="')[1].split('"')[0]
    box = team.answer(code, question_id, htmx=True, text=payload).get_data(as_text=True)
    shown_as_text(box, payload)
    stream = Stream(host.get(f"/host/{code}/events", buffered=False))
    host.act(code, "close_question")
    pushed = stream.read_until('data-phase="closed"')
    stream.close()
    for html in (
        pushed,
        host.get(f"/host/{code}").get_data(as_text=True),
        team.get(f"/screen/{code}").get_data(as_text=True),
        host.get(f"/mark/{code}").get_data(as_text=True),
    ):
        shown_as_text(html, payload)


def test_file_names_of_uploads_are_escaped(payload, app, host):
    quiz_id = host.create_quiz(questions=[CHOICE])
    (question,) = query(app, "select id from question")
    # A browser sends a double quote in a file name as %22: the rest arrives as typed.
    name = payload.replace('"', "'") + ".png"
    added = upload(host, question["id"], png(), name)
    assert added.status_code == 303
    assert query(app, "select filename from media") == [{"filename": name}]
    flashed = host.get(added.headers["Location"]).get_data(as_text=True)  # "Picture “…” added."
    assert f"Picture “{escape(name)}” added." in flashed
    for page in (flashed, host.get(f"/quizzes/{quiz_id}").get_data(as_text=True)):
        raw_absent(page, name)
