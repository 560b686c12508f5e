"""What one console click costs the app, and how that grows with the number of teams.

In process: the app is built by create_app with the Redis bus, on a database of its own, and
driven with Flask's test client, so the figure is the app's own CPU (transaction, snapshot,
renders, publish, reply, and the process's own Redis listener taking the event in; not
gunicorn's HTTP parsing nor Nginx) measured with process_time, which is exact and not disturbed
by other processes on the machine. For each team count (10, 50 and 200 in a full run):
each click of a question's cycle (open, close, reveal, leaderboard) with half the teams having
answered, the least CPU over several questions (the noise of a shared machine only adds).

`python -m benchmarks.clicks` prints the table; the runner puts it in RESULTS.md.
"""

import re
import secrets
import sys
import time

from harness.quiz import Quiz, Reply, Round, build, planet_question

from .stack import admin_conninfo, conninfo

ACTIONS = ("open_question", "close_question", "reveal", "show_leaderboard")
QUESTIONS = 6
TOKEN = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
QUESTION_ID = re.compile(r'name="question_id" value="(\d+)"')


class Person:
    """A browser on the test client: its cookies, and the CSRF token of its session."""

    def __init__(self, app):
        self.client = app.test_client()
        self.token = None

    def post(self, path, fields, htmx=False):
        if self.token is None:
            self.token = TOKEN.search(self.client.get("/").get_data(as_text=True)).group(1)
        headers = {"HX-Request": "true"} if htmx else {}
        return self.client.post(path, data=dict(fields, csrf_token=self.token), headers=headers)

    def send(self, request):
        if request.fields is None:
            response = self.client.get(request.path)
        else:
            response = self.post(request.path, request.fields)
        return Reply(
            response.status_code, response.headers.get("Location", ""), response.get_data(as_text=True)
        )


def _app(redis_url):
    import psycopg

    from pubquiz import create_app
    from pubquiz.db import migrate

    admin = admin_conninfo()
    database = "pubquiz_clicks_" + secrets.token_hex(4)
    with psycopg.connect(conninfo(admin), autocommit=True) as conn:
        conn.execute(f'create database "{database}"')
    url = conninfo(admin, dbname=database)
    migrate(url)
    unlimited = "1000000 per minute"
    app = create_app(
        {
            "DATABASE_URL": url,
            "REDIS_URL": redis_url,
            "REDIS_PREFIX": "pubquiz-clicks-" + secrets.token_hex(4),
            "SECRET_KEY": secrets.token_hex(16),
            "DEADLINE_SWEEP_SECONDS": 0,
            **{name: unlimited for name in ("LIMIT_JOIN", "LIMIT_NEW_TEAMS", "LIMIT_LOOKUP", "LIMIT_ANSWER")},
        }
    )
    return app, admin, database


def _game(app, teams):
    """A started game of QUESTIONS questions with `teams` phone teams: (host, code, teams)."""
    host = Person(app)
    assert host.post("/register", {"email": f"h{teams}@example.org", "password": "a long password"})
    host.token = None  # a new session after registering
    questions = [planet_question(n) for n in range(QUESTIONS)]
    built = build(Quiz(f"Clicks at {teams}", [Round(questions=questions)]), host.send)
    created = host.post(f"/quizzes/{built.quiz_id}/games", {})
    code = created.headers["Location"].rsplit("/", 1)[1]
    people = []
    for number in range(teams):
        person = Person(app)
        assert person.post("/join", {"code": code, "name": f"Team {number}"}).status_code == 303
        people.append(person)
    return host, code, people


def _click(host, code, action):
    page = host.client.get(f"/host/{code}").get_data(as_text=True)
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    started = time.process_time()
    response = host.post(f"/host/{code}/{action}", {"version": version}, htmx=True)
    spent = time.process_time() - started
    assert response.status_code < 400, (action, response.status_code)
    return spent


def measure(redis_url, team_counts=(10, 50, 200)):
    """{"teams": {teams: {action: least app CPU ms}}, "per_extra_team_us": {action: µs}}."""
    app, admin, database = _app(redis_url)
    try:
        figures = {}
        for teams in team_counts:
            host, code, people = _game(app, teams)
            _click(host, code, "start")
            least = {}
            for _ in range(QUESTIONS):
                for action in ACTIONS:
                    if action == "close_question":
                        _answer(code, people[: teams // 2])
                    spent = _click(host, code, action)
                    least[action] = min(least.get(action, spent), spent)
            figures[teams] = {action: round(seconds * 1000, 2) for action, seconds in least.items()}
        return {"teams": figures, "per_extra_team_us": _growth(figures)}
    finally:
        app.extensions["background"].stop()  # the answers' count pushes, before the pool goes
        app.extensions["bus"].close()
        app.extensions["db_pool"].close()
        _drop(admin, database)


def _answer(code, people):
    for number, person in enumerate(people):
        page = person.client.get(f"/play/{code}").get_data(as_text=True)
        question_id = QUESTION_ID.search(page).group(1)
        person.post(
            f"/play/{code}/answer", {"question_id": question_id, "choice": str(number % 4)}, htmx=True
        )


def _growth(figures):
    """µs of a click per team beyond the smallest game, at the largest: how a click grows."""
    small, large = min(figures), max(figures)
    return {
        action: round((figures[large][action] - figures[small][action]) * 1000 / (large - small), 1)
        for action in ACTIONS
    }


def _drop(admin, database):
    import psycopg

    with psycopg.connect(conninfo(admin), autocommit=True) as conn:
        conn.execute(f'drop database if exists "{database}" with (force)')


if __name__ == "__main__":
    result = measure(sys.argv[1] if len(sys.argv) > 1 else "redis://127.0.0.1:6379/0")
    for teams, actions in result["teams"].items():
        print(teams, "teams:", ", ".join(f"{a} {ms} ms" for a, ms in actions.items()))
    print("per extra team (µs):", result["per_extra_team_us"])
