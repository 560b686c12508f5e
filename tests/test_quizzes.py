"""Authoring quizzes, rounds and questions through the forms."""

import re

from helpers import CHOICE, NUMERIC, TEXT, HostActions


def _page(host, quiz_id):
    return host.get(f"/quizzes/{quiz_id}").get_data(as_text=True)


def test_create_quiz_with_every_kind_of_question(host):
    tf = {
        "kind": "truefalse",
        "prompt": "The sky is green.",
        "truth": "false",
        "time_limit": "15",
        "points": "1",
    }
    quiz_id = host.create_quiz("Friday quiz", [CHOICE, tf, TEXT, NUMERIC])
    page = _page(host, quiz_id)
    for prompt in ("Which planet is red?", "The sky is green.", "Moonlight Sonata", "Moon landing"):
        assert prompt in page
    assert "answer: B: Mars" in page
    assert "answer: B: False" in page
    assert "Beethoven / Ludwig van Beethoven" in page
    assert "answer: 1969" in page


def test_question_form_errors_are_shown_and_nothing_is_saved(host):
    quiz_id = host.create_quiz()
    round_id = re.search(r'id="round-(\d+)"', _page(host, quiz_id)).group(1)
    bad = dict(CHOICE, option_1="", option_2="", prompt="", time_limit="2")
    response = host.post(f"/rounds/{round_id}/questions", bad)
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "The question is required." in text
    assert "Give at least two options." in text
    assert "Time limit must be between 5 and 600." in text
    assert "No questions in this round yet." in _page(host, quiz_id)


def test_numeric_and_text_validation(host):
    quiz_id = host.create_quiz()
    round_id = re.search(r'id="round-(\d+)"', _page(host, quiz_id)).group(1)
    response = host.post(f"/rounds/{round_id}/questions", dict(NUMERIC, numeric_answer="lots"))
    assert "must be a number" in response.get_data(as_text=True)
    response = host.post(f"/rounds/{round_id}/questions", dict(TEXT, accepted="  \n "))
    assert "at least one accepted answer" in response.get_data(as_text=True)


def test_edit_reorder_and_delete(host):
    first = dict(CHOICE, prompt="First question")
    second = dict(CHOICE, prompt="Second question")
    quiz_id = host.create_quiz("Order", [first, second])
    page = _page(host, quiz_id)
    assert page.index("First question") < page.index("Second question")
    second_id = re.findall(r'href="/questions/(\d+)"', page)[1]
    host.post(f"/questions/{second_id}/move", {"direction": "up"})
    page = _page(host, quiz_id)
    assert page.index("Second question") < page.index("First question")

    host.post(f"/questions/{second_id}", dict(second, prompt="Edited question"))
    assert "Edited question" in _page(host, quiz_id)

    host.post(f"/questions/{second_id}/delete")
    page = _page(host, quiz_id)
    assert "Edited question" not in page and "First question" in page

    host.post(f"/quizzes/{quiz_id}/rounds", {"round_title": "Picture round"})
    page = _page(host, quiz_id)
    rounds = re.findall(r'id="round-(\d+)"', page)
    assert len(rounds) == 2
    host.post(f"/rounds/{rounds[1]}/move", {"direction": "up"})
    page = _page(host, quiz_id)
    assert page.index('value="Picture round"') < page.index('value="Round 1"')

    host.post(f"/quizzes/{quiz_id}/delete", {"confirm": "1"})
    assert host.get(f"/quizzes/{quiz_id}").status_code == 404


def test_a_host_cannot_see_or_change_another_hosts_quiz(app, host):
    quiz_id = host.create_quiz("Private", [CHOICE])
    other = HostActions(app)
    other.register("other@example.org")
    assert other.get(f"/quizzes/{quiz_id}").status_code == 404
    assert other.post(f"/quizzes/{quiz_id}/delete").status_code == 404
    assert other.post(f"/quizzes/{quiz_id}/games").status_code == 404
    assert "Private" in _page(host, quiz_id)
