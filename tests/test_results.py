"""A game's results for its host: the printable page, the CSV and the XLSX hold exactly what the
leaderboard (and so the podium) says, the host's list of games shows each ended game's podium,
and a quiz's paper answer sheets have a numbered line per question and a page per round."""

import csv
import io
import re
from decimal import Decimal

import hypothesis.strategies as st
import pytest
from helpers import CHOICE, TEXT, HostActions
from hypothesis import given, settings
from night import build_quiz, leaderboard, play, query, team_id, text, visible
from openpyxl import load_workbook
from test_media import png, upload

from harness.quiz import Round
from pubquiz import contents, snapshot, standings

HEADER = ["Rank", "Team", "R1 Warm-up", "R2 Music", "Joker", "Corrections", "Total"]


def _teams(new_team, code, *names):
    phones = []
    for name in names:
        phone = new_team()
        assert phone.join(code, name).status_code == 303
        phones.append(phone)
    return phones


@pytest.fixture
def night(app, host, new_team):
    """Two rounds, Music a joker round: Bears play their joker on Music and get everything right,
    Wolves get a half point from the marker and their 2 points for Mars corrected to 1½, a paper
    team's sheets are typed in (3½ and 2). The game is over. Returns its code."""
    quiz_id, (warmup, music), (first, second) = build_quiz(
        host, rounds=[Round("Warm-up", [CHOICE]), Round("Music", [TEXT, CHOICE], joker=True)]
    )
    code = host.start_game(quiz_id)
    bears, wolves = _teams(new_team, code, "Bears", "Wolves")
    host.post(f"/host/{code}/manage/teams", {"name": "Paper Tigers"})
    joker = bears.post(f"/play/{code}/joker", {"round_id": str(music), "confirm": "yes"})
    assert joker.status_code == 303
    host.act(code, "start")
    play(host, code, {bears: {"choice": "1"}, wolves: {"choice": "1"}})
    host.act(code, "next_round")
    play(host, code, {bears: {"text": "Beethoven"}, wolves: {"text": "Bethoven"}})
    host.post(f"/mark/{code}/{second[0]}", {"answer_key": "bethoven", "verdict": "half"})
    play(host, code, {bears: {"choice": "1"}})
    corrected = host.post(
        f"/host/{code}/scores/correct",
        {"team_id": team_id(app, code, "Wolves"), "question_id": first[0], "points": "1½", "reason": "kind"},
    )
    assert corrected.status_code == 303
    paper = team_id(app, code, "Paper Tigers")
    for round_id, points in ((warmup, "3½"), (music, "2")):
        posted = host.post(f"/mark/{code}/paper", {"team_id": paper, "round_id": round_id, "points": points})
        assert posted.status_code == 303
    assert host.act(code, "end", confirm=True).status_code == 303
    return code


def _csv_rows(response):
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))


def test_the_csv_holds_what_the_leaderboard_says_round_by_round(app, host, night):
    code = night
    response = host.get(f"/host/{code}/results.csv")
    assert response.headers["Content-Disposition"] == f'attachment; filename="pub-night-{code}-results.csv"'
    assert response.get_data().startswith(b"\xef\xbb\xbf")  # Excel then reads it as UTF-8
    rows = _csv_rows(response)
    assert rows == [
        HEADER,
        ["1", "Bears", "2", "3", "3", "0", "8"],
        ["2", "Paper Tigers", "3.5", "2", "", "0", "5.5"],
        ["3", "Wolves", "1.5", "0.5", "", "-0.5", "2"],
    ]
    # Rank, team and total are the leaderboard's (the podium's), and the rounds and the joker add up.
    assert [(int(r[0]), r[1], Decimal(r[-1])) for r in rows[1:]] == leaderboard(app, code)
    for row in rows[1:]:
        assert sum(Decimal(c or 0) for c in row[2:5]) == Decimal(row[-1]), row


def test_the_xlsx_has_numbers_as_numbers_and_a_bold_header(app, host, night):
    code = night
    response = host.get(f"/host/{code}/results.xlsx")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values == [
        HEADER,
        [1, "Bears", 2, 3, 3, 0, 8],
        [2, "Paper Tigers", 3.5, 2, None, 0, 5.5],
        [3, "Wolves", 1.5, 0.5, None, -0.5, 2],
    ]
    assert all(cell.font.bold for cell in sheet[1])
    assert not any(cell.font.bold for cell in sheet[2])
    assert sheet.column_dimensions["B"].width >= len("Paper Tigers")


def test_the_printable_page_shows_the_podium_and_halves_as_the_app_says_them(app, host, night):
    code = night
    page = host.get(f"/host/{code}/results").get_data(as_text=True)
    said = visible(page)
    assert "1st Bears 8 points 2nd Paper Tigers 5½ points 3rd Wolves 2 points" in said
    assert "3 Wolves 1½ ½ – −½ 2" in said
    assert "1 Bears 2 3 +3 – 8" in said
    assert "not over yet" not in said
    assert f'href="/host/{code}/results.csv"' in page and f'href="/host/{code}/results.xlsx"' in page
    # The console and the host's list of games lead to it; the list shows the podium.
    assert f'href="/host/{code}/results"' in host.get(f"/host/{code}").get_data(as_text=True)
    games = host.get("/quizzes").get_data(as_text=True)
    podium = re.search(r'<ol class="game-podium".*?</ol>', games, re.S).group(0)
    assert visible(podium) == "1st Bears 8 2nd Paper Tigers 5½ 3rd Wolves 2"
    assert f'href="/host/{code}/results"' in games


def test_a_game_not_over_shows_its_standings_so_far_and_says_so(app, host, new_team):
    code = host.start_game(host.create_quiz(questions=[CHOICE, TEXT]))
    assert "No teams have joined this game." in text(host.get(f"/host/{code}/results"))
    (bears,) = _teams(new_team, code, "Bears")
    assert "1st" not in text(host.get(f"/host/{code}/results"))  # no podium before any points
    host.act(code, "start")
    play(host, code, {bears: {"choice": "1"}})
    said = text(host.get(f"/host/{code}/results"))
    assert "This game is not over yet: these are the standings after the questions played so far." in said
    assert "1st Bears 2 points" in said
    assert _csv_rows(host.get(f"/host/{code}/results.csv"))[1] == ["1", "Bears", "2", "", "0", "2"]
    assert 'class="game-podium"' not in host.get("/quizzes").get_data(as_text=True)


@pytest.mark.parametrize("name", ["=1+2", "+SUM(A1)", "-3+3", "@cmd"])
def test_a_team_name_a_spreadsheet_would_run_is_written_as_text(app, host, new_team, name):
    code = host.start_game(host.create_quiz(questions=[CHOICE]))
    _teams(new_team, code, name)
    rows = _csv_rows(host.get(f"/host/{code}/results.csv"))
    assert rows[1][1] == "'" + name
    sheet = load_workbook(io.BytesIO(host.get(f"/host/{code}/results.xlsx").get_data())).active
    assert sheet["B2"].value == name and sheet["B2"].data_type == "s"  # text, never a formula
    assert name in text(host.get(f"/host/{code}/results"))  # the page shows the name as it is


def test_another_host_gets_nothing(app, host, night):
    code = night
    other = HostActions(app)
    assert other.register("other@example.org").status_code == 303
    for path in ("", ".csv", ".xlsx"):
        assert other.get(f"/host/{code}/results{path}").status_code == 404
    quiz_id = query(app, "select quiz_id from game where code = %s", code)[0]["quiz_id"]
    assert other.get(f"/quizzes/{quiz_id}/sheets").status_code == 404
    assert host.get(f"/quizzes/{quiz_id}/sheets").status_code == 200


def test_answer_sheets_have_a_page_per_round_a_line_per_question_and_a_picture_handout(app, host):
    numeric = {
        "kind": "numeric",
        "prompt": "Year?",
        "numeric_answer": "1969",
        "time_limit": "30",
        "points": "1",
    }
    truth = {
        "kind": "truefalse",
        "prompt": "Is water wet?",
        "truth": "true",
        "time_limit": "30",
        "points": "1",
    }
    quiz_id, _, (first, second) = build_quiz(
        host, rounds=[Round("Warm-up", [CHOICE, TEXT, numeric]), Round("Pictures", [TEXT, truth])]
    )
    assert upload(host, second[0], png(), "dot.png").status_code == 303
    page = host.get(f"/quizzes/{quiz_id}/sheets").get_data(as_text=True)
    sheets = re.findall(r'<section class="sheet[^"]*".*?</section>', page, re.S)
    assert [visible(re.search(r"<h2.*?</h2>", s, re.S).group(0)) for s in sheets] == [
        "Round 1: Warm-up",
        "Round 2: Pictures",
        "Round 2: Pictures · pictures",
    ]
    lines = [re.findall(r'<span class="number">(\d+)</span>', s) for s in sheets]
    assert lines == [["1", "2", "3"], ["1", "2"], ["1"]]
    assert all("Team" in visible(s) for s in sheets[:2])
    assert visible(sheets[0]).startswith("Pub night Round 1: Warm-up Team 1 A B C 2 3")
    assert "2 True False" in visible(sheets[1])
    assert "Which planet" not in page and "Mars" not in page  # an answer sheet, not the quiz
    assert len(re.findall(r'<img src="/media/', sheets[2])) == 1
    # Every section but the last starts a new page when printed.
    css = host.get(re.search(r'href="(/static/css/print\.css[^"]*)"', page).group(1)).get_data(as_text=True)
    assert ".sheet { break-after: page; page-break-after: always; }" in css
    assert "@page { size: A4; margin: 12mm; }" in css
    assert f'href="/quizzes/{quiz_id}/sheets"' in host.get(f"/quizzes/{quiz_id}").get_data(as_text=True)


halves = st.integers(-8, 8).map(lambda n: Decimal(n) / 2)


@st.composite
def games(draw):
    """An ended game's scores, made up: rounds of questions, teams, points scored, corrections
    (also for questions a team never answered), jokers and paper sheets."""
    sizes = draw(st.lists(st.integers(1, 3), min_size=1, max_size=3))
    rows, question = [], 0
    for round_id, size in enumerate(sizes, start=1):
        for _ in range(size):
            question += 1
            rows.append(
                {
                    "id": question,
                    "round_id": round_id,
                    "round_title": f"Round {round_id}",
                    "joker_eligible": True,
                    "negative_marking": False,
                }
            )
    ids = range(1, draw(st.integers(1, 4)) + 1)
    teams = [{"id": t, "name": f"Team {t}", "paper": False} for t in ids]
    cells = st.sampled_from([(t, r["id"]) for t in ids for r in rows])
    scored = draw(st.dictionaries(cells, halves))
    fixed = draw(st.dictionaries(cells, halves, max_size=3))
    rounds = st.integers(1, len(sizes))
    jokers = draw(st.dictionaries(st.sampled_from(ids), rounds))
    paper = draw(st.dictionaries(st.tuples(st.sampled_from(ids), rounds), halves))
    return rows, teams, scored, fixed, jokers, paper


@settings(max_examples=200, deadline=None)
@given(games())
def test_the_results_rows_add_up_to_the_leaderboard_whatever_was_scored(game):
    """What every file and the page are built from: for any scores, a row's rounds plus its joker
    make the leaderboard's total, its corrections are what the host changed, and the ranks and
    the order are the leaderboard's. (snapshot._rank is what build() ranks a game with.)"""
    rows, teams, scored, fixed, jokers, paper = game
    snap = snapshot.Snapshot(
        game={"phase": "ended", "round_index": 0, "question_index": 0},
        quiz={},
        outline=contents.Outline.from_rows(rows),
        teams=teams,
        questions={r["id"]: r for r in rows},
    )
    snap.jokers = jokers
    snapshot._rank(
        snap,
        [{"team_id": t, "question_id": q, "points": p} for (t, q), p in scored.items()],
        [{"team_id": t, "question_id": q, "points": p} for (t, q), p in fixed.items()],
        [{"team_id": t, "round_id": r, "points": p} for (t, r), p in paper.items()],
    )
    lines = standings.lines(snap)
    assert [(line.rank, line.team, line.total) for line in lines] == [
        (rank, row["name"], row["total"]) for rank, row in snap.leaderboard
    ]
    for line, (_, row) in zip(lines, snap.leaderboard, strict=True):
        assert sum(line.rounds) + (line.joker or 0) == line.total
        assert line.corrections == sum(
            p - scored.get((t, q), 0) for (t, q), p in fixed.items() if t == row["id"]
        )
