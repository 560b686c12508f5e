"""`pubquiz quiz import` and `pubquiz quiz export`, run as a quiz master runs them."""

import json
import os
import subprocess
import sys

from night import query

from pubquiz import quizfile

TEMPLATE = quizfile.TEMPLATES["csv"]()


def pubquiz(database_url, instance, *args):
    env = dict(os.environ, DATABASE_URL=database_url, PUBQUIZ_INSTANCE_DIR=str(instance))
    env.pop("REDIS_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "pubquiz.cli", *args], env=env, capture_output=True, timeout=60
    )


def test_import_prints_the_new_quiz_id_and_export_gives_it_back(app, host, clean_db, tmp_path):
    sheet = tmp_path / "pub_night.csv"
    sheet.write_bytes(TEMPLATE)
    done = pubquiz(clean_db, tmp_path, "quiz", "import", str(sheet), "--host", "host@example.org")
    assert done.returncode == 0, done.stderr.decode()
    quiz_id = int(done.stdout)
    (row,) = query(app, "select title, host_id from quiz")
    assert row["title"] == "pub night"

    exported = pubquiz(clean_db, tmp_path, "quiz", "export", str(quiz_id), "--format", "json")
    assert exported.returncode == 0, exported.stderr.decode()
    document = json.loads(exported.stdout)
    assert document["format"] == "pubquiz-quiz"
    assert [r["title"] for r in document["rounds"]] == ["Warm-up", "Music"]

    out = tmp_path / "out.xlsx"
    written = pubquiz(clean_db, tmp_path, "quiz", "export", str(quiz_id), "--format", "xlsx", "-o", str(out))
    assert written.returncode == 0, written.stderr.decode()
    quiz, problems = quizfile.read(out.read_bytes(), "out.xlsx")
    assert problems == [] and quiz.question_count() == 4


def test_a_bad_file_is_listed_and_nothing_is_imported(app, host, clean_db, tmp_path):
    sheet = tmp_path / "bad.csv"
    sheet.write_text("kind,question,answer\nchoice,Which?,Red\ntruefalse,Is it?,Maybe\n")
    done = pubquiz(clean_db, tmp_path, "quiz", "import", str(sheet), "--host", "host@example.org")
    assert done.returncode == 1
    assert done.stderr.decode().splitlines() == [
        "Error: Nothing was imported. Fix these in the file:",
        "row 2, column answer: The option marked correct is empty.",
        "row 2, column options: Give at least two options.",
        "row 3, column answer: write True or False.",
    ]
    assert query(app, "select count(*) as n from quiz")[0]["n"] == 0


def test_an_unknown_host_or_quiz_is_a_clear_message(app, host, clean_db, tmp_path):
    sheet = tmp_path / "quiz.csv"
    sheet.write_bytes(TEMPLATE)
    done = pubquiz(clean_db, tmp_path, "quiz", "import", str(sheet), "--host", "nobody@example.org")
    assert (
        done.returncode == 2 and "There is no host with the email nobody@example.org." in done.stderr.decode()
    )
    done = pubquiz(clean_db, tmp_path, "quiz", "export", "999", "--format", "csv")
    assert done.returncode == 2 and "There is no quiz 999." in done.stderr.decode()
