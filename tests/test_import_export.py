"""Quiz files over HTTP: an upload is previewed and becomes a quiz only when the host confirms it;
a bad file gets the list of its problems and nothing is written; a quiz downloads as JSON, CSV or
XLSX (its owner only), and its JSON imported again is the same quiz."""

import io
import re

import psycopg
import pytest
from helpers import CHOICE, NUMERIC, TEXT, HostActions
from hypothesis import HealthCheck, given, settings
from night import query, text
from test_media import png, wav
from test_quizfile import quizzes

from harness.quiz import Quiz, Round
from pubquiz import library, quizfile
from pubquiz.quizdoc import Question

PUB_CSV = (
    "round,kind,question,option A,option B,option C,answer,points,time limit,tolerance\n"
    "Geography,choice,Which planet is red?,Venus,Mars,Jupiter,Mars,2,30,\n"
    "Geography,truefalse,Paris is in France.,,,,True,1,20,\n"
    "Music,text,Who wrote the Moonlight Sonata?,,,,Beethoven | Ludwig van Beethoven,1,45,\n"
    "Music,numeric,In which year did the Beatles split?,,,,1970,3,30,1\n"
)


def upload(host, data, name):
    return host.post(
        "/quizzes/import", {"file": (io.BytesIO(data), name)}, content_type="multipart/form-data"
    )


def confirm_url(page):
    return re.search(r'action="(/quizzes/import/\d+)"', page).group(1)


def counts(app):
    return query(
        app,
        "select (select count(*) from quiz) as quizzes, (select count(*) from round) as rounds, "
        "(select count(*) from question) as questions",
    )[0]


def test_a_csv_is_previewed_and_becomes_a_quiz_only_when_confirmed(app, host):
    preview = upload(host, PUB_CSV.encode(), "friday_night.csv")
    assert preview.status_code == 200
    seen = text(preview)
    assert "Preview of friday_night.csv" in seen
    assert "friday night 2 rounds · 4 questions" in seen
    assert "1. Geography (2 questions)" in seen and "2. Music (2 questions)" in seen
    assert "Which planet is red? Multiple choice · 30 s · 2 pt · answer: B: Mars" in seen
    assert counts(app)["quizzes"] == 0

    created = host.post(confirm_url(preview.get_data(as_text=True)))
    assert created.status_code == 303
    editor = text(host.get(created.headers["Location"]))
    assert "Quiz imported: 2 rounds, 4 questions." in editor
    assert "Who wrote the Moonlight Sonata?" in editor
    rows = query(
        app,
        "select r.title, r.position, x.position as number, x.kind, x.options, x.correct_option, x.accepted,"
        " x.numeric_answer, x.tolerance, x.points, x.time_limit from question x"
        " join round r on r.id = x.round_id order by r.position, x.position",
    )
    assert [(r["title"], r["number"], r["kind"]) for r in rows] == [
        ("Geography", 1, "choice"),
        ("Geography", 2, "truefalse"),
        ("Music", 1, "text"),
        ("Music", 2, "numeric"),
    ]
    assert rows[0]["options"] == ["Venus", "Mars", "Jupiter"] and rows[0]["correct_option"] == 1
    assert rows[1]["correct_option"] == 0
    assert rows[2]["accepted"] == ["Beethoven", "Ludwig van Beethoven"]
    assert (rows[3]["numeric_answer"], rows[3]["tolerance"], rows[3]["points"]) == (1970, 1, 3)


def test_confirming_twice_makes_one_quiz(app, host):
    url = confirm_url(upload(host, PUB_CSV.encode(), "quiz.csv").get_data(as_text=True))
    assert host.post(url).status_code == 303
    again = host.post(url)
    assert again.status_code == 303 and again.headers["Location"] == "/quizzes"
    assert "That import was created already" in text(host.get("/quizzes"))
    assert counts(app)["quizzes"] == 1


def test_another_host_cannot_create_my_pending_import(app, host):
    url = confirm_url(upload(host, PUB_CSV.encode(), "quiz.csv").get_data(as_text=True))
    other = HostActions(app)
    other.register("other@example.org")
    assert other.post(url).headers["Location"] == "/quizzes"
    assert counts(app)["quizzes"] == 0
    assert host.post(url).status_code == 303  # still mine to create
    assert counts(app)["quizzes"] == 1


def test_a_bad_file_gets_every_problem_with_its_row_and_nothing_is_written(app, host):
    bad = (
        PUB_CSV + "Music,choice,Which is a drum?,Snare,,,Snare,1,30,\nMusic,truefalse,Is it?,,,,Maybe,1,30,\n"
    )
    response = upload(host, bad.encode(), "quiz.csv")
    assert response.status_code == 422
    seen = text(response)
    assert "Nothing was imported" in seen
    assert "row 6, column options: Give at least two options." in seen
    assert "row 7, column answer: write True or False." in seen
    assert counts(app) == {"quizzes": 0, "rounds": 0, "questions": 0}
    assert query(app, "select count(*) as n from quiz_import")[0]["n"] == 0


def test_an_upload_without_a_file_is_a_clear_message(host):
    response = host.post("/quizzes/import", {}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Choose a quiz file to upload" in text(response)


def test_a_file_over_the_limit_is_a_413_page(host):
    response = upload(host, b"{" + b" " * (quizfile.MAX_JSON + 80 * 1024) + b"}", "big.json")
    assert response.status_code == 413
    assert "A quiz file can be at most 20 MB (a spreadsheet 5 MB)." in text(response)


def test_a_sheet_over_5_mb_is_refused_with_the_limit(host):
    response = upload(host, PUB_CSV.encode() + b"\n" * (quizfile.MAX_SHEET + 1), "big.csv")
    assert response.status_code == 422
    assert "the file: A CSV file can be at most 5 MB." in text(response)


def test_a_failing_write_leaves_nothing_behind(app, host):
    quiz, problems = quizfile.read(PUB_CSV.encode(), "quiz.csv")
    assert problems == []
    broken = dict(quiz.rounds[-1].questions[-1].values, time_limit=1)  # the database refuses it
    quiz.rounds[-1].questions.append(Question(broken))
    with app.app_context(), pytest.raises(psycopg.errors.CheckViolation):
        library.save(host_id(app), quiz)
    assert counts(app) == {"quizzes": 0, "rounds": 0, "questions": 0}


def host_id(app):
    return query(app, "select id from host")[0]["id"]


@pytest.fixture
def full_quiz(app, host):
    """A quiz with every setting, kind, flag and file the editor knows: its id."""
    moon = {
        "kind": "truefalse",
        "prompt": "The Moon is a planet.",
        "truth": "false",
        "time_limit": "20",
        "points": "1",
    }
    built = host.build_quiz(
        Quiz(
            "Everything",
            [
                Round("Warm-up", [dict(CHOICE, image_on_phones="on"), TEXT, NUMERIC]),
                Round("Jokers", [moon], joker=True, negative=True),
            ],
            {"scoring": "speed", "leaderboard_mode": "round", "leaderboard_top": "5"},
        )
    )
    quiz_id, choice_id = built.quiz_id, built.question_ids[0][0]
    for name, data in (("red.png", png()), ("beeps.wav", wav())):
        sent = host.post(
            f"/questions/{choice_id}/media",
            {"file": (io.BytesIO(data), name)},
            content_type="multipart/form-data",
        )
        assert sent.status_code == 303
    return quiz_id


def test_json_export_then_import_is_the_same_quiz(app, host, full_quiz):
    download = host.get(f"/quizzes/{full_quiz}/export.json")
    assert download.status_code == 200
    assert download.headers["Content-Disposition"] == "attachment; filename=everything.json"
    preview = upload(host, download.data, "everything.json")
    assert preview.status_code == 200, text(preview)
    created = host.post(confirm_url(preview.get_data(as_text=True)))
    copy_id = int(created.headers["Location"].rsplit("/", 1)[1])
    with app.app_context():
        original, copy = library.load(full_quiz), library.load(copy_id)
    assert copy == original
    assert original.values == {
        "title": "Everything",
        "speed_bonus": True,
        "leaderboard_mode": "round",
        "leaderboard_top": 5,
    }
    assert original.rounds[1].values == {"title": "Jokers", "joker_eligible": True, "negative_marking": True}
    assert original.rounds[0].questions[0].image.data == png()
    assert original.rounds[0].questions[0].audio.data == wav()


def test_csv_and_xlsx_exports_read_back_as_the_same_questions(app, host, full_quiz):
    with app.app_context():
        original = library.load(full_quiz)
    for fmt, content_type in (("csv", "text/csv"), ("xlsx", "application/vnd.openxmlformats")):
        download = host.get(f"/quizzes/{full_quiz}/export.{fmt}")
        assert download.status_code == 200 and download.content_type.startswith(content_type)
        copy, problems = quizfile.read(download.data, f"everything.{fmt}")
        assert problems == []
        # A sheet holds the questions, not the quiz's settings, the flags or the files.
        assert [[q.values["prompt"] for q in r.questions] for r in copy.rounds] == [
            [q.values["prompt"] for q in r.questions] for r in original.rounds
        ]
        assert copy.rounds[0].questions[2].values["numeric_answer"] == 1969


def test_another_hosts_quiz_does_not_export(app, host, full_quiz):
    other = HostActions(app)
    other.register("other@example.org")
    assert other.get(f"/quizzes/{full_quiz}/export.json").status_code == 404
    assert host.get(f"/quizzes/{full_quiz}/export.pdf").status_code == 404


def test_the_templates_hold_one_example_of_each_kind(host):
    for fmt in ("csv", "xlsx"):
        download = host.get(f"/quizzes/template.{fmt}")
        assert download.status_code == 200
        quiz, problems = quizfile.read(download.data, f"pubquiz-template.{fmt}")
        assert problems == []
        kinds = [q.values["kind"] for r in quiz.rounds for q in r.questions]
        assert kinds == ["choice", "truefalse", "text", "numeric"]


def test_the_quiz_list_offers_the_import_and_the_editor_the_downloads(host, full_quiz):
    seen = text(host.get("/quizzes"))
    assert "Import a quiz" in seen and "Start from the template" in seen
    page = host.get(f"/quizzes/{full_quiz}").get_data(as_text=True)
    for fmt in ("json", "csv", "xlsx"):
        assert f'href="/quizzes/{full_quiz}/export.{fmt}"' in page


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(quiz=quizzes())
def test_any_quiz_written_to_the_database_reads_back_the_same(app, host, quiz):
    with app.app_context():
        assert library.load(library.save(host_id(app), quiz)) == quiz
