"""Seasons: a host groups weekly games into a league; a team claims its name once with its PIN and
comes back with it the next week; the league table (total, best weeks, points by place, with the
written tie rules) on the host's page, in CSV and XLSX, and on the projector before and after a
night."""

import csv
import io
from decimal import Decimal

import hypothesis.strategies as st
import pytest
from helpers import CHOICE, HostActions
from hypothesis import given
from night import build_quiz, play, query, text
from openpyxl import load_workbook

from harness.quiz import Round
from pubquiz import league

REGULAR = "is a regular of Red Lion league: enter your team PIN"


def _season(host, name="Red Lion league", **rule):
    created = host.post("/seasons", {"name": name, "scoring": "total", **rule})
    assert created.status_code == 303, text(created)
    return int(created.headers["Location"].rsplit("/", 1)[1])


def _start(host, quiz_id, season_id):
    started = host.post(f"/quizzes/{quiz_id}/games", {"season_id": str(season_id)})
    assert started.status_code == 303
    return started.headers["Location"].rsplit("/", 1)[1]


def _pin(app, code, name):
    rows = query(
        app,
        "select t.pin from team t join game g on g.id = t.game_id where g.code = %s and t.name = %s",
        code,
        name,
    )
    return rows[0]["pin"]


def _week(host, new_team, code, right, wrong=(), pins=None):
    """A night of two 2-point questions: the teams in right answer both right, those in wrong one
    of them. pins: the PIN a regular comes back with."""
    phones = {}
    for name in (*right, *wrong):
        phone = new_team()
        fields = {"code": code, "name": name, **({"pin": pins[name]} if pins and name in pins else {})}
        joined = phone.post("/join", fields)
        assert joined.status_code == 303, text(joined)
        phones[name] = phone
    host.act(code, "start")
    play(host, code, {phones[n]: {"choice": "1"} for n in phones})
    play(host, code, {phones[n]: {"choice": "1" if n in right else "0"} for n in phones})
    assert host.act(code, "end", confirm=True).status_code == 303


@pytest.fixture
def quiz_id(host):
    quiz_id, _, _ = build_quiz(host, rounds=[Round("Warm-up", [CHOICE, CHOICE])])
    return quiz_id


@pytest.fixture
def three_weeks(app, host, new_team, quiz_id):
    """Week 1: Bears 4, Wolves 2. Week 2: Owls (new) 4, Bears (back by PIN) 2; Wolves stay home.
    Week 3: Wolves (back by PIN) 4, Bears 4, Owls 2. Returns (season id, [codes], pins)."""
    season_id = _season(host)
    first = _start(host, quiz_id, season_id)
    _week(host, new_team, first, right=["Bears"], wrong=["Wolves"])
    pins = {name: _pin(app, first, name) for name in ("Bears", "Wolves")}
    second = _start(host, quiz_id, season_id)
    _week(host, new_team, second, right=["Owls"], wrong=["bears"], pins={"bears": pins["Bears"]})
    pins["Owls"] = _pin(app, second, "Owls")
    third = _start(host, quiz_id, season_id)
    _week(host, new_team, third, right=["Wolves", "Bears"], wrong=["Owls"], pins=pins)
    return season_id, [first, second, third], pins


def _league_csv(host, season_id):
    response = host.get(f"/seasons/{season_id}/league.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))


def _rule(app, season_id, scoring, best_of=None, place_points=None):
    query(
        app,
        "update season set scoring = %s, best_of = %s, place_points = %s where id = %s returning id",
        scoring,
        best_of,
        place_points,
        season_id,
    )


def test_a_team_comes_back_by_pin_and_the_league_adds_up_its_weeks(app, host, three_weeks):
    season_id, codes, pins = three_weeks
    rows = _league_csv(host, season_id)
    header = rows[0]
    assert header[:4] == ["Rank", "Team", "Points", "Won"] and len(header) == 7
    # Total: Bears 4+2+4 = 10, Wolves 2+4 = 6, Owls 4+2 = 6; Wolves and Owls have won a week each
    # and their best week is 4 each: they share second place.
    assert [r[:4] for r in rows[1:]] == [
        ["1", "Bears", "10", "2"],
        ["2", "Owls", "6", "1"],
        ["2", "Wolves", "6", "1"],
    ]
    assert rows[3][4:] == ["2", "", "4"]  # Wolves missed week 2
    # One season team per name, every week's team linked to it, keeping its PIN.
    linked = query(
        app,
        "select st.name, st.pin, count(t.id) as weeks from season_team st "
        "join team t on t.season_team_id = st.id group by st.id order by st.name",
    )
    assert [(r["name"], r["pin"], r["weeks"]) for r in linked] == [
        ("Bears", pins["Bears"], 3),
        ("Owls", pins["Owls"], 2),
        ("Wolves", pins["Wolves"], 2),
    ]
    page = text(host.get(f"/seasons/{season_id}"))
    assert "Red Lion league: league table" in page
    assert "Bears 10 2 4 2 4" in page
    assert league.TIE_RULES in page


def test_best_weeks_and_points_by_place(app, host, three_weeks):
    season_id, _, _ = three_weeks
    _rule(app, season_id, "best", best_of=2)
    rows = _league_csv(host, season_id)
    # Best 2 weeks: Bears 4+4 = 8, Wolves 2+4 = 6, Owls 4+2 = 6.
    assert [r[1] for r in rows[1:]] == ["Bears", "Owls", "Wolves"]
    assert [r[2] for r in rows[1:]] == ["8", "6", "6"]
    assert "Weeks that do not count are struck through" in text(host.get(f"/seasons/{season_id}"))
    _rule(app, season_id, "places", place_points=[10, 8, 6])
    rows = _league_csv(host, season_id)
    # Places: week 1 Bears 1st (10), Wolves 2nd (8); week 2 Owls 10, Bears 8; week 3 Wolves and
    # Bears share 1st (10 each), Owls 3rd (6). Bears 28, Wolves 18, Owls 16.
    assert [tuple(r[:4]) for r in rows[1:]] == [
        ("1", "Bears", "28", "2"),
        ("2", "Wolves", "18", "1"),
        ("3", "Owls", "16", "1"),
    ]


def test_a_regular_name_needs_its_pin_and_a_wrong_one_is_refused(app, host, new_team, quiz_id):
    season_id = _season(host)
    first = _start(host, quiz_id, season_id)
    _week(host, new_team, first, right=["Bears"])
    pin = _pin(app, first, "Bears")
    second = _start(host, quiz_id, season_id)
    phone = new_team()
    refused = phone.post("/join", {"code": second, "name": "BEARS"})
    assert refused.status_code == 422 and f"“Bears” {REGULAR}" in text(refused)
    wrong = "%04d" % ((int(pin) + 1) % 10000)
    refused = phone.post("/join", {"code": second, "name": "Bears", "pin": wrong})
    assert refused.status_code == 422 and REGULAR in text(refused)
    assert (
        query(
            app, "select count(*) as n from team t join game g on g.id = t.game_id where g.code = %s", second
        )[0]["n"]
        == 0
    )
    joined = phone.post("/join", {"code": second, "name": "Bears", "pin": pin})
    assert joined.status_code == 303
    assert f"This game is part of a league: keep the PIN {pin}" in text(phone.get(f"/play/{second}"))
    assert _pin(app, second, "Bears") == pin  # teammates join with the PIN they know
    # A game of no season knows nothing of regulars: any team may be called Bears there.
    loose = host.start_game(quiz_id)
    assert new_team().join(loose, "Bears").status_code == 303


def test_wrong_season_pins_count_as_guesses(app, host, new_team, quiz_id):
    season_id = _season(host)
    first = _start(host, quiz_id, season_id)
    _week(host, new_team, first, right=["Bears"])
    pin = _pin(app, first, "Bears")
    second = _start(host, quiz_id, season_id)
    phone = new_team()
    statuses = set()
    for guess in range(40):
        guessed = "%04d" % guess
        if guessed != pin:
            statuses.add(phone.post("/join", {"code": second, "name": "Bears", "pin": guessed}).status_code)
    assert 429 in statuses


def test_the_projector_shows_the_league_before_and_after_the_night(app, host, new_team, three_weeks, quiz_id):
    season_id, codes, _ = three_weeks
    fourth = _start(host, quiz_id, season_id)
    lobby = text(host.get(f"/screen/{fourth}"))
    assert "League: Red Lion league" in lobby
    assert "1 Bears 10 2 Owls 6 2 Wolves 6" in lobby
    assert "Total points" in lobby and league.TIE_RULES in lobby
    ended = text(host.get(f"/screen/{codes[2]}"))
    assert "Final scores" in ended and "League: Red Lion league" in ended
    host.act(fourth, "start")
    assert "League:" not in text(host.get(f"/screen/{fourth}"))
    assert "League:" not in text(host.get(f"/screen/{host.start_game(quiz_id)}"))


def test_the_xlsx_holds_the_league_table(host, three_weeks):
    season_id, _, _ = three_weeks
    response = host.get(f"/seasons/{season_id}/league.xlsx")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="red-lion-league-league.xlsx"'
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0][:2] == ["Rank", "Team"] and rows[1] == [1, "Bears", 10, 2, 4, 2, 4]


def test_a_game_goes_into_a_season_from_its_console(app, host, quiz_id):
    season_id = _season(host)
    code = host.start_game(quiz_id)
    assert host.post(f"/host/{code}/season", {"season_id": str(season_id)}).status_code == 303
    assert query(app, "select season_id from game where code = %s", code)[0]["season_id"] == season_id
    console = text(host.get(f"/host/{code}"))
    assert "The game is in the season “Red Lion league”." in console
    assert code in text(host.get(f"/seasons/{season_id}"))
    assert host.post(f"/host/{code}/season", {"season_id": ""}).status_code == 303
    assert query(app, "select season_id from game where code = %s", code)[0]["season_id"] is None


def test_another_hosts_season_is_out_of_reach(app, host, quiz_id):
    season_id = _season(host)
    other = HostActions(app)
    assert other.register("other@example.org").status_code == 303
    for path in (
        f"/seasons/{season_id}",
        f"/seasons/{season_id}/league.csv",
        f"/seasons/{season_id}/league.xlsx",
    ):
        assert other.get(path).status_code == 404
    other_quiz = other.create_quiz(questions=[CHOICE])
    assert other.post(f"/quizzes/{other_quiz}/games", {"season_id": str(season_id)}).status_code == 404
    other_code = other.start_game(other_quiz)
    assert other.post(f"/host/{other_code}/season", {"season_id": str(season_id)}).status_code == 404
    assert host.post(f"/host/{other_code}/season", {"season_id": str(season_id)}).status_code == 404
    assert "Red Lion" not in text(other.get("/seasons"))


@pytest.mark.parametrize(
    "fields, field, message",
    [
        ({"name": ""}, "name", "Season name is required."),
        ({"scoring": "whatever"}, "scoring", "Choose how the league is scored."),
        ({"scoring": "best", "best_of": "none"}, "best_of", "Best weeks must be a whole number."),
        ({"scoring": "places", "place_points": "1, 5"}, "place_points", "Points by place are whole numbers"),
    ],
)
def test_a_season_form_with_mistakes_says_what_is_wrong(host, fields, field, message):
    response = host.post("/seasons", {"name": "League", "scoring": "total", **fields})
    assert response.status_code == 422 and message in text(response)


finishes = st.lists(
    st.tuples(st.sampled_from("ABCDE"), st.integers(0, 20)), unique_by=lambda f: f[0], max_size=5
)


def _weeks(raw):
    """Each week's (team, points) as Finish rows, placed as a leaderboard places them."""
    weeks = []
    for week in raw:
        weeks.append(
            [
                league.Finish(team, 1 + sum(1 for _, p in week if p > points), Decimal(points))
                for team, points in week
            ]
        )
    return weeks


def _key(row):
    """The written tie rules: league points, then weeks won, then the best week."""
    return row.points, row.wins, row.best_week


@given(st.lists(finishes, max_size=6), st.integers(1, 6), st.sampled_from(["total", "best", "places"]))
def test_the_league_table_adds_up_and_ranks_by_its_written_rules(raw, best_of, scoring):
    rule = league.Rule(scoring, best_of, (10, 8, 6, 5))
    weeks = _weeks(raw)
    rows = league.table(rule, weeks, list("ABCDE"))
    assert sorted(r.team for r in rows) == list("ABCDE")
    for row in rows:
        played = [s for s in row.weeks if s is not None]
        counted = [row.weeks[i] for i in row.counted]
        assert row.points == sum(counted, Decimal(0))
        if scoring == "best":
            assert len(counted) == min(best_of, len(played))
            assert all(c >= s for c in counted for s in played if s not in counted)
        else:
            assert sorted(counted) == sorted(played)
        assert row.wins == sum(1 for w in weeks for f in w if f.team == row.team and f.place == 1)
    for above, below in zip(rows, rows[1:], strict=False):
        assert _key(above) >= _key(below)
        assert (above.rank == below.rank) == (_key(above) == _key(below))
        assert below.rank == above.rank or below.rank == 1 + rows.index(below)


@pytest.mark.parametrize(
    "typed, points",
    [
        ("10, 8, 6", (10, 8, 6)),
        ("5;3;1", (5, 3, 1)),
        ("3,3,1", (3, 3, 1)),
        ("1,2", None),
        ("a", None),
        ("", None),
    ],
)
def test_points_by_place_are_typed_from_first_down(typed, points):
    assert league.parse_place_points(typed) == points


def test_a_paper_team_plays_for_the_regular_of_its_name(app, host, new_team, quiz_id):
    season_id = _season(host)
    first = _start(host, quiz_id, season_id)
    _week(host, new_team, first, right=["Bears"])
    second = _start(host, quiz_id, season_id)
    # Their phones are flat tonight: the quiz master adds them on paper, and vouches for them.
    assert host.post(f"/host/{second}/manage/teams", {"name": "bears"}).status_code == 303
    assert host.post(f"/host/{second}/manage/teams", {"name": "Newcomers"}).status_code == 303
    rows = query(
        app,
        "select t.name, st.name as regular from team t join game g on g.id = t.game_id "
        "join season_team st on st.id = t.season_team_id where g.code = %s order by t.name",
        second,
    )
    assert [(r["name"], r["regular"]) for r in rows] == [("Newcomers", "Newcomers"), ("bears", "Bears")]
    assert [r[1] for r in _league_csv(host, season_id)[1:]] == ["Bears", "Newcomers"]


def test_with_the_scores_hidden_the_projector_shows_the_league_without_points(app, host, new_team, quiz_id):
    season_id = _season(host)
    first = _start(host, quiz_id, season_id)
    _week(host, new_team, first, right=["Bears"], wrong=["Wolves"])
    assert host.post(f"/host/{first}/manage/scores-hidden", {"hidden": "1"}).status_code == 303
    ended = text(host.get(f"/screen/{first}"))
    assert "League: Red Lion league 1 Bears 2 Wolves Total points" in ended
