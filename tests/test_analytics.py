"""The analytics dashboard: a host's game (% right per question, hardest and easiest, answer
times), the same across their games with filters, a season's teams, and the operator's page
(games per day, the busiest second of answers, the most streams at once). Real nights are played
with known answers and the page is read as the host reads it: the words, the SVG's bars and the
table beside them."""

import re
import time
from datetime import UTC, datetime, timedelta

import pytest
from helpers import CHOICE, Browser, HostActions, Stream, app_with_environment, redis_url
from night import build_quiz, play, query, text

from harness.quiz import Round
from pubquiz import analytics, charts
from pubquiz.stream_peaks import MemoryPeaks, RedisPeaks

SCRIPTED = "<script>alert(1)</script> & Co: which planet?"


def _question(prompt):
    return dict(CHOICE, prompt=prompt)


def _night(host, new_team, quiz_id, picks):
    """A game of quiz_id played to its end: picks is {team name: [choice per question]}
    ("1" is right). Returns the game's code."""
    code = host.start_game(quiz_id)
    phones = {}
    for name in picks:
        phones[name] = new_team()
        assert phones[name].join(code, name).status_code == 303
    host.act(code, "start")
    for i in range(len(next(iter(picks.values())))):
        play(host, code, {phones[n]: {"choice": picks[n][i]} for n in picks})
    assert host.act(code, "end", confirm=True).status_code == 303
    return code


@pytest.fixture
def three_questions(host):
    """Q1 "Which planet is red?", Q2 with a prompt that is markup, Q3 "Which planet is red, again?"."""
    questions = [
        _question("Which planet is red?"),
        _question(SCRIPTED),
        _question("Which planet is red, again?"),
    ]
    quiz_id, _, _ = build_quiz(host, title="Planets", rounds=[Round("Space", questions)])
    return quiz_id


def _bars(page, chart_id, size="width"):
    """([the width (or height) of each bar], the svg) of one chart on the page, in order."""
    svg = re.search(rf'<svg class="chart"[^>]*id="{chart_id}".*?</svg>', page, re.S).group(0)
    return [float(v) for v in re.findall(rf'<rect class="chart-bar"[^>]*? {size}="([\d.]+)"', svg)], svg


def test_a_game_shows_percent_right_per_question_hardest_first(app, host, new_team, three_questions):
    # Q1: all three right; Q2: one of three; Q3: two of three.
    code = _night(
        host,
        new_team,
        three_questions,
        {"Reds": ["1", "1", "1"], "Blues": ["1", "0", "1"], "Greens": ["1", "2", "0"]},
    )
    results = host.get(f"/host/{code}/results").get_data(as_text=True)
    assert f'href="/host/{code}/analytics"' in results
    response = host.get(f"/host/{code}/analytics")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    seen = text(response)
    assert "67 % of the answers were right, over 3 questions." in seen
    assert f"Hardest 33 % R1 Q2 {SCRIPTED}" in seen
    assert "Easiest 100 % R1 Q1 Which planet is red?" in seen
    # The table beside the chart: each question's right answers of all and % right.
    assert f"R1 Q2 {SCRIPTED} 1 of 3 33 %" in seen
    assert "R1 Q3 Which planet is red, again? 2 of 3 67 %" in seen
    # One bar per question, as long as its % right says (100 % is the whole 300 units).
    widths, svg = _bars(page, "percent-right")
    assert widths == [300.0, 99.0, 201.0]
    assert 'role="img"' in svg and "<title" in svg
    # The prompt is a question's words, never markup: escaped in the chart, its title and the table.
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in page


def test_answer_times_are_counted_in_bins_from_the_question_clock(app, host, new_team, three_questions):
    code = _night(host, new_team, three_questions, {"Reds": ["1", "1", "1"], "Blues": ["1", "0", "1"]})
    # The teams answered at once: every answer took under a second of the 30 on the clock.
    seconds = [r["s"] for r in query(app, "select 30 - seconds_left as s from answer")]
    assert len(seconds) == 6 and all(0 <= s < 1 for s in seconds)
    response = host.get(f"/host/{code}/analytics")
    assert "Seconds taken Answers 0–1 s 6" in text(response)
    heights, _ = _bars(response.get_data(as_text=True), "answer-times", "height")
    assert heights == [150.0]


def test_a_histogram_has_a_column_per_bin_as_tall_as_its_count():
    bins = analytics.time_bins([1, 2, 3, 12.5, 27, 5])
    assert bins == [
        charts.Bin(0, 5, 3),
        charts.Bin(5, 10, 1),  # 5 s starts the second bin
        charts.Bin(10, 15, 1),
        charts.Bin(15, 20, 0),
        charts.Bin(20, 25, 0),
        charts.Bin(25, 30, 1),
    ]
    svg = charts.histogram("t", "Times", bins, "seconds")
    heights = re.findall(r'class="chart-bar"[^>]*height="([\d.]+)"', svg)
    assert [float(h) for h in heights] == [150.0, 50.0, 50.0, 0.0, 0.0, 50.0]
    assert analytics.time_bins([]) == []
    assert len(analytics.time_bins([0.2, 590])) <= analytics.MAX_BINS


def test_hardest_and_easiest_never_list_the_same_question():
    qs = [analytics.Question(f"R1 Q{n}", "?", 4, right) for n, right in enumerate((4, 1, 3, 2, 0), 1)]
    assert [q.label for q in analytics.hardest(qs)] == ["R1 Q5", "R1 Q2"]
    assert [q.label for q in analytics.easiest(qs)] == ["R1 Q1", "R1 Q3"]
    assert analytics.hardest(qs[:1]) == analytics.easiest(qs[:1]) == qs[:1]


def test_a_game_without_answers_and_a_host_without_games_say_so(app, host, three_questions):
    code = host.start_game(three_questions)
    assert "No answers yet: once teams answer a question" in text(host.get(f"/host/{code}/analytics"))
    newcomer = HostActions(app)
    assert newcomer.register("new@example.org").status_code == 303
    across = newcomer.get("/analytics")
    assert across.status_code == 200
    assert "No games played yet: start one from My quizzes" in text(across)


def test_across_games_filters_by_quiz_and_dates(app, host, new_team, three_questions):
    _night(host, new_team, three_questions, {"Reds": ["1", "1", "1"], "Blues": ["1", "0", "0"]})
    _night(host, new_team, three_questions, {"Owls": ["1", "0", "1"], "Bats": ["0", "0", "1"]})
    other_quiz, _, _ = build_quiz(
        host, title="Rivers", rounds=[Round("Water", [_question("Longest river?")])]
    )
    _night(host, new_team, other_quiz, {"Reds": ["0"], "Owls": ["0"]})
    assert 'href="/analytics"' in host.get("/quizzes").get_data(as_text=True)

    everything = text(host.get("/analytics"))
    assert "3 games · 6 teams" in everything
    # Across both games of Planets: Q2 was right once in four answers, the river question never.
    assert f"Planets · R1 Q2 {SCRIPTED} 1 of 4 25 %" in everything
    assert "Hardest 0 % Rivers · R1 Q1 Longest river?" in everything
    assert "Easiest 75 % Planets · R1 Q1 Which planet is red?" in everything

    planets = host.get(f"/analytics?quiz={three_questions}")
    seen = text(planets)
    assert "2 games · 4 teams" in seen and "Longest river?" not in seen
    assert len(_bars(planets.get_data(as_text=True), "percent-right")[0]) == 3

    today = datetime.now(UTC).date()
    assert "3 games" in text(host.get(f"/analytics?from={today}&to={today}"))
    tomorrow = today + timedelta(days=1)
    later = text(host.get(f"/analytics?from={tomorrow}"))
    assert "No games played yet with these filters" in later


@pytest.mark.parametrize(
    "query_string, message",
    [
        ("from=banana", "From must be a date like 2026-03-31, not “banana”."),
        ("to=2026-13-01", "To must be a date like 2026-03-31"),
        ("from=2026-03-02&to=2026-03-01", "“To” is before “From”: choose a later end date."),
        ("quiz=999999", "Choose one of your quizzes, or all of them."),
    ],
)
def test_a_bad_filter_re_renders_the_form_with_its_message(host, query_string, message):
    response = host.get(f"/analytics?{query_string}")
    assert response.status_code == 400
    seen = text(response)
    assert message in seen and "Analytics across your games" in seen
    assert 'aria-invalid="true"' in response.get_data(as_text=True)


def test_a_host_sees_only_their_own_games(app, host, new_team, three_questions):
    code = _night(host, new_team, three_questions, {"Reds": ["1", "1", "1"]})
    rival = HostActions(app)
    assert rival.register("rival@example.org").status_code == 303
    assert rival.get(f"/host/{code}/analytics").status_code == 404
    # Another host's quiz is not one of theirs to filter by, and their own page shows none of it.
    assert rival.get(f"/analytics?quiz={three_questions}").status_code == 400
    assert "Which planet" not in text(rival.get("/analytics"))


def test_a_season_shows_its_teams_points_and_weeks(app, host, new_team, three_questions):
    created = host.post("/seasons", {"name": "Red Lion", "scoring": "total"})
    season_id = int(created.headers["Location"].rsplit("/", 1)[1])
    codes = []
    for picks in (
        {"<b>Bears</b> & co": ["1", "1", "1"], "Wolves": ["1", "0", "0"]},
        {"Owls": ["1", "1", "0"]},
    ):
        started = host.post(f"/quizzes/{three_questions}/games", {"season_id": str(season_id)})
        code = started.headers["Location"].rsplit("/", 1)[1]
        codes.append(code)
        phones = {name: new_team() for name in picks}
        for name, phone in phones.items():
            assert phone.join(code, name).status_code == 303
        host.act(code, "start")
        for i in range(3):
            play(host, code, {phones[n]: {"choice": picks[n][i]} for n in picks})
        assert host.act(code, "end", confirm=True).status_code == 303
    league = host.get(f"/seasons/{season_id}").get_data(as_text=True)
    assert f'href="/seasons/{season_id}/analytics"' in league
    response = host.get(f"/seasons/{season_id}/analytics")
    seen = text(response)
    # Each question is worth 2 points: Bears 6, Owls 4, Wolves 2.
    assert "2 weeks played · 3 teams" in seen
    assert "<b>Bears</b> & co 6 1 of 2 1 6" in seen
    assert "Owls 4 1 of 2 1 4" in seen
    assert "Wolves 2 1 of 2 0 2" in seen
    page = response.get_data(as_text=True)
    widths, _ = _bars(page, "league-points")
    assert widths == [300.0, 200.0, 100.0]
    assert "<b>Bears" not in page and "&lt;b&gt;Bears&lt;/b&gt; &amp; co" in page
    rival = HostActions(app)
    assert rival.register("rival@example.org").status_code == 303
    assert rival.get(f"/seasons/{season_id}/analytics").status_code == 404


def test_the_operator_page_is_only_for_operators_named_in_the_environment(request, monkeypatch):
    app = app_with_environment(request, monkeypatch, PUBQUIZ_OPERATORS=" Ops@Example.org , other@example.org")
    host = HostActions(app)
    assert host.register("host@example.org").status_code == 303
    assert host.get("/operator").status_code == 404
    assert "Operator’s dashboard" not in text(host.get("/analytics"))
    operator = HostActions(app)
    assert operator.register("ops@example.org").status_code == 303
    assert operator.get("/operator").status_code == 200
    assert 'href="/operator"' in operator.get("/analytics").get_data(as_text=True)
    assert Browser(app).get("/operator").status_code == 303  # to the login page


def test_the_operator_sees_games_answers_and_the_busiest_second(app, host, new_team, three_questions):
    app.config["OPERATORS"] = "host@example.org"
    _night(host, new_team, three_questions, {"Reds": ["1", "1", "1"], "Blues": ["1", "0", "1"]})
    _night(host, new_team, three_questions, {"Owls": ["1", "0", "1"]})
    # Put all the answers of the first game in one second and every other in another: 6 at once.
    first_game = query(app, "select min(game_id) as id from answer")[0]["id"]
    query(
        app,
        "update answer set submitted_at = date_trunc('second', now()) + case when game_id = %s "
        "then interval '0.5 seconds' else interval '1.5 seconds' end returning id",
        first_game,
    )
    today = datetime.now(UTC).date()
    response = host.get("/operator")
    assert response.status_code == 200
    seen = text(response)
    assert f"{today:%d %b} 2 9 6" in seen
    heights, _ = _bars(response.get_data(as_text=True), "games-per-day", "height")
    assert heights == [0] * 13 + [150]
    assert f"{today - timedelta(days=1):%d %b} 0 0 0" in seen


@pytest.mark.parametrize(
    "query_string",
    ["from=banana", "to=2026-02-30", "from=2026-03-02&to=2026-03-01", "from=2020-01-01&to=2026-01-01"],
)
def test_a_bad_operator_date_range_says_what_to_change(app, host, query_string):
    app.config["OPERATORS"] = "host@example.org"
    response = host.get(f"/operator?{query_string}")
    assert response.status_code == 400
    assert re.search(r"must be a date like|Choose a “From” before “To”", text(response))


@pytest.mark.parametrize("backend", ["memory", "redis"], indirect=True)
def test_the_most_streams_at_once_is_counted_at_the_heartbeat(app, host, new_team, three_questions, backend):
    """Three projectors open: within a couple of heartbeats (1 s in the tests) the operator sees
    3 open now and 3 as today's peak; after they close, none now and still 3 for today."""
    app.config["OPERATORS"] = "host@example.org"
    code = host.start_game(three_questions)
    screens = [Stream(Browser(app).get(f"/screen/{code}/events", buffered=False)) for _ in range(3)]
    today = datetime.now(UTC).date()

    def shown(seconds=5):
        deadline = time.monotonic() + seconds
        while True:
            seen = text(host.get("/operator"))
            if "3 live streams open now" in seen or time.monotonic() > deadline:
                return seen
            time.sleep(0.2)

    seen = shown()
    assert "3 live streams open now" in seen
    assert re.search(rf"{today:%d %b} 1 0 0 3\b", seen), seen
    for screen in screens:
        screen.close()
    deadline = time.monotonic() + 5
    while "0 live streams open now" not in text(host.get("/operator")):
        assert time.monotonic() < deadline, "the closed streams are still counted"
        time.sleep(0.2)
    assert re.search(rf"{today:%d %b} 1 0 0 3\b", text(host.get("/operator")))


def test_every_process_reports_its_streams_and_a_stopped_one_drops_out():
    import secrets

    import redis

    client = redis.Redis.from_url(redis_url())
    prefix = "pubquiz-test-" + secrets.token_hex(4)
    try:
        one, two = (RedisPeaks(client, prefix, heartbeat_seconds=0.2, worker=w) for w in ("one", "two"))
        one.report(3)
        two.report(4)
        today = datetime.now(UTC).date()
        assert one.now() == two.now() == 7
        assert one.peaks([today]) == {today: 7}
        two.report(1)
        assert one.peaks([today]) == {today: 7} and one.now() == 4
        time.sleep(0.7)  # "two" stops reporting: after three heartbeats it no longer counts
        one.report(2)
        assert one.now() == 2 and one.peaks([today, today - timedelta(days=1)]) == {today: 7}
    finally:
        for key in client.scan_iter(f"{prefix}:*"):
            client.delete(key)
    memory = MemoryPeaks()
    memory.report(5)
    memory.report(2)
    assert memory.now() == 2 and memory.peaks([datetime.now(UTC).date()]) == {datetime.now(UTC).date(): 5}
