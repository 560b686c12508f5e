"""Quiz files without a server: every format read and written back, the Open Trivia DB's own
response, bad files with the exact problem and where it is, and no formula in or out of a sheet."""

import csv
import io
import json
import random
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
from hypothesis import given, settings
from hypothesis import strategies as st
from test_media import png, wav

from pubquiz import quizfile, quizjson, sheets
from pubquiz.quizdoc import Media, Question, Quiz, Round

DATA = Path(__file__).parent / "data"


def words(max_size):
    """Text as the editor keeps it: printable, spaces collapsed, never empty."""
    raw = st.text(st.characters(categories=("L", "N", "P", "S", "Zs")), min_size=1, max_size=max_size)
    return raw.map(lambda s: " ".join(s.split())).filter(bool)


def distinct(max_size, min_size, most):
    return st.lists(words(max_size), min_size=min_size, max_size=most, unique_by=str.casefold)


numbers = st.decimals(min_value=-(10**6), max_value=10**6, places=3, allow_nan=False, allow_infinity=False)


@st.composite
def question_values(draw, sheet=False):
    kind = draw(st.sampled_from(["choice", "truefalse", "text", "numeric"]))
    values = {
        "kind": kind,
        "prompt": draw(words(500)),
        "time_limit": draw(st.integers(5, 600)),
        "points": draw(st.integers(0, 100)),
        "options": [],
        "correct_option": None,
        "accepted": [],
        "numeric_answer": None,
        "tolerance": 0,
        "image_on_phones": False if sheet else draw(st.booleans()),
        "category": draw(st.none() | words(60)),
        "difficulty": draw(st.sampled_from([None, "easy", "medium", "hard"])),
    }
    if kind == "choice":
        values["options"] = draw(distinct(120, 2, 6))
        values["correct_option"] = draw(st.integers(0, len(values["options"]) - 1))
    elif kind == "truefalse":
        values["options"] = ["True", "False"]
        values["correct_option"] = draw(st.integers(0, 1))
    elif kind == "text":
        # A sheet separates accepted answers with "|": one cannot hold it.
        accepted = distinct(120, 1, 30).filter(lambda a: not sheet or not any("|" in x for x in a))
        values["accepted"] = draw(accepted)
    else:
        values["numeric_answer"] = draw(numbers)
        values["tolerance"] = draw(numbers.map(abs))
    return values


files = st.sampled_from([None, Media("image", "image/png", "red.png", png())])
sounds = st.sampled_from([None, Media("audio", "audio/wav", "beeps.wav", wav())])


@st.composite
def quizzes(draw):
    rounds = []
    for title in draw(distinct(120, 1, 4)):
        flags = {"joker_eligible": draw(st.booleans()), "negative_marking": draw(st.booleans())}
        questions = draw(
            st.lists(st.builds(Question, question_values(), files, sounds), min_size=1, max_size=4)
        )
        rounds.append(Round({"title": title, **flags}, questions))
    values = {
        "title": draw(words(120)),
        "speed_bonus": draw(st.booleans()),
        "leaderboard_mode": draw(st.sampled_from(["question", "round", "end"])),
        "leaderboard_top": draw(st.none() | st.integers(1, 100)),
    }
    return Quiz(values, rounds)


@st.composite
def sheet_quizzes(draw):
    """What a sheet holds: rounds (plain) of questions (no files)."""
    rounds = [
        Round(
            {"title": title, "joker_eligible": False, "negative_marking": False},
            draw(st.lists(question_values(sheet=True).map(Question), min_size=1, max_size=4)),
        )
        for title in draw(distinct(120, 1, 3))
    ]
    return Quiz(
        {"title": "quiz", "speed_bonus": False, "leaderboard_mode": "question", "leaderboard_top": None},
        rounds,
    )


@settings(max_examples=60, deadline=None)
@given(quizzes())
def test_json_written_and_read_back_is_the_same_quiz(quiz):
    data, content_type = quizfile.write(quiz, "json")
    assert content_type == "application/json"
    assert quizfile.read(data, "anything.json") == (quiz, [])


@settings(max_examples=40, deadline=None)
@given(sheet_quizzes(), st.sampled_from(["csv", "xlsx"]))
def test_a_sheet_written_and_read_back_holds_the_same_questions(quiz, fmt):
    data, _ = quizfile.write(quiz, fmt)
    assert quizfile.read(data, f"quiz.{fmt}") == (quiz, [])


def test_the_json_file_says_what_it_is():
    quiz, _ = quizfile.read(quizfile.TEMPLATES["csv"](), "t.csv")
    document = json.loads(quizjson.dumps(quiz))
    assert (document["format"], document["version"]) == ("pubquiz-quiz", 1)


def test_an_open_trivia_db_response_becomes_a_round_per_category():
    data = (DATA / "opentdb.json").read_bytes()
    quiz, problems = quizfile.read(data, "opentdb.json")
    assert problems == []
    assert [r.values["title"] for r in quiz.rounds] == ["Entertainment: Music", "Science & Nature"]
    band, composer = (q.values for q in quiz.rounds[0].questions)
    assert band["prompt"] == 'Which band released the album "The Dark Side of the Moon"?'
    assert sorted(band["options"]) == ["Guns N' Roses", "Led Zeppelin", "Pink Floyd", "The Who"]
    assert band["options"][band["correct_option"]] == "Pink Floyd"
    assert composer["prompt"] == "Who composed “Für Elise”?".replace("“", '"').replace("”", '"')
    assert "Frédéric Chopin" in composer["options"]
    gold, sound = (q.values for q in quiz.rounds[1].questions)
    assert (gold["kind"], gold["options"], gold["correct_option"]) == ("truefalse", ["True", "False"], 0)
    assert gold["prompt"] == 'The chemical symbol for gold is "Au".'
    # Kept for the question bank's filters.
    assert (band["category"], band["difficulty"]) == ("Entertainment: Music", "easy")
    assert (gold["category"], gold["difficulty"]) == ("Science & Nature", "medium")
    assert sound["correct_option"] == 1


def test_open_trivia_db_options_are_shuffled_once_at_import():
    from pubquiz import opentdb

    document = json.loads((DATA / "opentdb.json").read_text())
    orders = set()
    for seed in range(20):
        quiz, _ = opentdb.read(document, "t", random.Random(seed))
        band = quiz.rounds[0].questions[0].values
        assert band["options"][band["correct_option"]] == "Pink Floyd"
        orders.add(tuple(band["options"]))
    assert len(orders) > 1  # the right answer is not always in one place


def test_an_open_trivia_db_error_response_is_explained():
    assert quizfile.read(b'{"response_code": 1, "results": []}', "t.json") == (
        None,
        ["the file: response_code 1: Open Trivia DB had no questions for that request."],
    )


def problems_of(data, name="quiz.csv"):
    quiz, problems = quizfile.read(data, name)
    assert quiz is None
    return problems


HEADER = "round,kind,question,option A,option B,option C,answer,points,time limit,tolerance\n"


def test_a_bad_sheet_lists_every_problem_with_its_row_and_column():
    rows = (
        "R,choice,Which?,Red,,,Red,1,30,\n"
        "R,choice,Which?,Red,Blue,,Green,1,30,\n"
        "R,truefalse,Is it?,,,,Maybe,1,30,\n"
        "R,text,Who?,,,,,1,30,\n"
        "R,numeric,How many?,,,,lots,1,30,\n"
        "R,numeric,How many?,,,,3,1,2,-1\n"
        "R,riddle,What?,,,,x,1,30,\n"
        "R,choice,,A,B,,A,101,30,\n"
    )
    assert problems_of((HEADER + rows).encode()) == [
        "row 2, column options: Give at least two options.",
        "row 3, column answer: the answer must be one of the options, or its letter (A–F).",
        "row 4, column answer: write True or False.",
        "row 5, column answer: Give at least one accepted answer (one per line).",
        "row 6, column answer: The answer must be a number, like 42 or 3.5.",
        "row 7, column time limit: Time limit must be between 5 and 600.",
        "row 7, column tolerance: Tolerance cannot be negative.",
        "row 8, column kind: Choose what kind of question this is.",
        "row 9, column question: The question is required.",
        "row 9, column points: Points must be between 0 and 100.",
    ]


def test_a_sheet_without_the_column_names_is_refused():
    assert problems_of(b"R,choice,Which?,Red,Blue,,Red\n") == [
        "row 1: the first row names the columns (round, kind, question, option A, option B, option C, "
        "option D, option E, option F, answer, points, time limit, tolerance, category, difficulty); "
        "missing: kind, question, answer."
    ]


def test_a_choice_answer_may_be_its_letter_and_a_semicolon_sheet_reads():
    quiz, problems = quizfile.read(
        b"kind;question;option A;option B;answer\nchoice;Which?;Red;Blue;b\n", "q.csv"
    )
    assert problems == []
    assert quiz.rounds[0].values["title"] == "Round 1"
    assert quiz.rounds[0].questions[0].values["correct_option"] == 1


def test_more_than_1000_questions_are_refused():
    rows = "".join(f"R,text,Question {n}?,,,,yes,1,30,\n" for n in range(1001))
    assert problems_of((HEADER + rows).encode()) == ["row 1002: a quiz can hold at most 1,000 questions."]


def test_an_empty_file_and_a_sheet_of_only_names_say_so():
    assert problems_of(b"") == [
        "row 1: the first row names the columns: round, kind, question, option A, option B, option C, "
        "option D, option E, option F, answer, points, time limit, tolerance, category, difficulty."
    ]
    assert problems_of(HEADER.encode()) == ["There are no questions in this file."]


def test_files_that_are_not_quizzes():
    assert problems_of(b"\xff\xfe\x00", "q.csv") == [
        "byte 1: this is not UTF-8 text (in a spreadsheet, save as “CSV UTF-8”)."
    ]
    assert problems_of(b'{"format": "pubquiz-quiz",', "q.json") == [
        "line 1: this is not valid JSON (Expecting property name enclosed in double quotes)."
    ]
    assert problems_of(b'{"name": "x"}', "q.json") == [
        "the file: a JSON file must be a pubquiz quiz or an Open Trivia DB response."
    ]
    assert problems_of(b"PK\x03\x04 not really a workbook", "q.xlsx") == [
        "the file: this is not an XLSX workbook we can read."
    ]
    assert problems_of(b'{"format": "pubquiz-quiz", "version": 2}', "q.json") == [
        "version: this pubquiz reads version 1 files, not 2."
    ]


def test_a_bad_json_question_and_picture_are_problems_with_their_place():
    quiz, _ = quizfile.read(quizfile.TEMPLATES["csv"](), "t.csv")
    document = json.loads(quizjson.dumps(quiz))
    first = document["rounds"][0]["questions"][0]
    first["options"] = ["A", "B", "C", "D", "E", "F", "G"]
    first["image"] = {"filename": "x.png", "data": "bm90IGEgcGljdHVyZQ=="}  # "not a picture"
    document["rounds"][1]["questions"][0]["prompt"] = ["a", "list"]
    document["rounds"][1]["questions"][1]["audio"] = {"data": "***"}
    assert problems_of(json.dumps(document).encode(), "q.json") == [
        "round 1, question 1, image: this is not a picture we can show.",
        "round 1, question 1, options: A multiple-choice question takes 2–6 options.",
        "round 2, question 1, prompt: this should be text or a number.",
        "round 2, question 1, prompt: The question is required.",
        "round 2, question 2, audio: its data is not base64.",
    ]


def workbook(rows):
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_formula_in_a_workbook_is_never_evaluated():
    data = workbook([sheets.COLUMNS, ["R", "numeric", "How many?", "", "", "", "", "", "", "=2+2", 1, 30, 0]])
    assert problems_of(data, "q.xlsx") == [
        "row 2, column answer: formulas are not read: type the value itself.",
        "row 2, column answer: The answer is required.",
    ]


def test_numbers_in_a_workbook_are_read_as_typed():
    data = workbook([sheets.COLUMNS, ["R", "numeric", "Pi?", "", "", "", "", "", "", 3.14, 2, 30.0, 0.5]])
    quiz, problems = quizfile.read(data, "q.xlsx")
    assert problems == []
    values = quiz.rounds[0].questions[0].values
    assert (values["numeric_answer"], values["tolerance"], values["time_limit"]) == (
        Decimal("3.14"),
        Decimal("0.5"),
        30,
    )


DANGEROUS = ['=HYPERLINK("http://evil")', "+1", "-1", "@SUM(A1)"]


def test_a_csv_export_cannot_inject_a_formula_into_a_spreadsheet():
    data = sheets.write_csv([DANGEROUS + ["plain"]])
    (row,) = csv.reader(io.StringIO(data.decode("utf-8-sig")))
    assert row == ["'" + cell for cell in DANGEROUS] + ["plain"]


def test_an_xlsx_export_writes_text_that_looks_like_a_formula_as_text():
    book = openpyxl.load_workbook(io.BytesIO(sheets.write_xlsx([DANGEROUS])), data_only=False)
    cells = list(book.active.iter_rows())[0]
    assert [(c.value, c.data_type) for c in cells] == [(text, "s") for text in DANGEROUS]


def test_text_that_looks_like_a_formula_survives_a_csv_round_trip():
    rows = HEADER + "R,text,=1+1 is what?,,,,'=2 | -two,1,30,\n"
    quiz, problems = quizfile.read(rows.encode(), "q.csv")
    assert problems == []
    again, _ = quizfile.read(quizfile.write(quiz, "csv")[0], "q.csv")
    assert again.rounds[0].questions[0].values["prompt"] == "=1+1 is what?"
    assert again.rounds[0].questions[0].values["accepted"] == ["=2", "-two"]


def test_a_workbook_that_unpacks_to_too_much_is_refused_unread():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bomb:
        bomb.writestr("xl/sharedStrings.xml", b"\0" * (sheets.MAX_UNPACKED + 1))
    assert len(out.getvalue()) < quizfile.MAX_SHEET
    assert problems_of(out.getvalue(), "q.xlsx") == ["the file: this workbook unpacks to more than 50 MB."]


def test_a_quiz_is_titled_after_its_file():
    assert quizfile.title_from("friday_night-quiz.csv") == "friday night quiz"
    assert quizfile.title_from("<stdin>") == quizfile.title_from("") == "Imported quiz"
