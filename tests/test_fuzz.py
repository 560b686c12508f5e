"""A stateful fuzz of a quiz night: random sequences of host controls (with current and stale
versions), pause/resume, teams joining (odd names, duplicates, second phones with the PIN),
answering, locking in, and deadlines passing, against the real app and its PostgreSQL database.

After every step: no 5xx, at most one answer per (team, question), a legal phase and a legal
transition since the last step, no change to the answers of a closed (or not yet opened)
question, no change to a locked answer, and leaderboard totals equal to the sum of the teams'
answer points. After each answer: a valid one to the open question is stored as sent (locked at
once for a team on one phone), a refused one is not stored and the phone is told why. The run is
derandomized: the same examples every time, so a failure in CI fails the same way on a laptop.

Typed text may hold anything a browser can send, NUL included (PostgreSQL text cannot hold it:
the app refuses it at the door with a 400 and a message).
"""

from decimal import Decimal

import hypothesis.strategies as st
from helpers import CHOICE, NUMERIC, TABLES, TEXT, HostActions, TeamActions
from hypothesis import HealthCheck, Phase, settings
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from night import build_quiz, query

from harness.quiz import Round
from pubquiz import db, games, limits, rules, snapshot

ODD_NAMES = (
    "Ünïcödé 🍺",
    "ＦＵＬＬＷＩＤＴＨ",
    "e\u0301te\u0301",
    "\u202eevil\u202c",
    "zero\u200bwidth",
    "Straße",
    "STRASSE",
    "İstanbul",
    "ǅemal",
    "  spaced   out  ",
    "ﷺ",
    "🏳️‍🌈 team",
    "a" * 30,
    "b" * 31,
    "   ",
    "Σίσυφος",
    "ΣΊΣΥΦΟΣ",
    "tab\tand\nnewline",
    "nul\x00byte",
)
TYPED = st.characters(blacklist_categories=("Cs",))  # any character but lone surrogates (not UTF-8)
NAMES = st.one_of(st.sampled_from(ODD_NAMES), st.text(TYPED, min_size=1, max_size=12))
KINDS = {"choice": CHOICE, "text": TEXT, "numeric": NUMERIC}
ANSWER_SHAPES = ("valid", "invalid_choice", "choice", "text", "number", "other_question")


def _question(kind):
    return dict(KINDS[kind], time_limit="300")  # no background deadline timer fires during the test


class QuizNight(RuleBasedStateMachine):
    app = None  # set by the test

    def __init__(self):
        super().__init__()
        self.teams = []  # {"name", "pin", "id", "phones": [TeamActions], "captain": TeamActions}
        self.strays = []  # browsers whose join was refused
        self.prev = None  # the game row at the last check
        self.closed_rows = {}  # question id -> its answers once closed
        self.locked_rows = {}  # answer id -> the locked answer as it was

    # -- helpers ---------------------------------------------------------------------------

    def sql(self, statement, *params):
        return query(self.app, statement, *params)

    def row(self):
        return self.sql("select * from game where id = %s", self.game_id)[0]

    def check(self, response):
        assert response.status_code < 500, (response.status_code, response.get_data(as_text=True)[:2000])
        return response

    def answers(self, question_id=None):
        where, params = "game_id = %s", [self.game_id]
        if question_id is not None:
            where, params = where + " and question_id = %s", params + [question_id]
        rows = self.sql(
            f"select id, team_id, question_id, choice, text, number, locked, points "
            f"from answer where {where} order by id",
            *params,
        )
        return [tuple(r.values()) for r in rows]

    def open_question(self):
        row = self.row()
        return row["question_id"] if row["phase"] == "question" else None

    # -- setup: an empty database and a fresh short quiz -----------------------------------

    @initialize(
        rounds=st.lists(
            st.lists(st.sampled_from(sorted(KINDS)), min_size=1, max_size=2), min_size=1, max_size=2
        ).filter(lambda rs: 2 <= sum(map(len, rs)) <= 3),
        mode=st.sampled_from(rules.LEADERBOARD_MODES),
        teams=st.integers(0, 2),
    )
    def setup(self, rounds, mode, teams):
        with self.app.app_context():
            with db.transaction() as tx:
                tx.conn.execute("truncate " + ", ".join(TABLES) + " restart identity cascade")
        limits.limiter.reset()
        self.host = HostActions(self.app)
        assert self.host.register().status_code == 303
        specs = [Round(f"Round {i + 1}", [_question(k) for k in kinds]) for i, kinds in enumerate(rounds)]
        self.quiz_id, _, self.question_ids = build_quiz(self.host, rounds=specs, leaderboard_mode=mode)
        self.mode = mode
        self.outline = [tuple(ids) for ids in self.question_ids]
        self.all_questions = [q for ids in self.question_ids for q in ids]
        self.kind = {
            r["id"]: r["kind"]
            for r in self.sql("select id, kind from question where id = any(%s)", self.all_questions)
        }
        self.code = self.host.start_game(self.quiz_id)
        self.game_id = self.sql("select id from game where code = %s", self.code)[0]["id"]
        for name in ("Quizzly Bears", "Smarty Pints")[:teams]:
            self.team_joins(name)
        self.prev = self.row()

    # -- host --------------------------------------------------------------------------------

    def _act(self, action, version, htmx):
        before = self.row()
        # Confirmed, as the confirmation page sends it: "end" may come before the last question.
        fields = {"version": version, "confirm": "1"}
        self.check(self.host.post(f"/host/{self.code}/{action}", fields, htmx=htmx))
        after = self.row()
        pos = rules.position(before)
        if (
            version == before["version"]
            and before["paused_at"] is None
            and rules.allowed(action, pos, self.outline, self.mode)
        ):
            expected = rules.apply(action, pos, self.outline, self.mode)
            assert rules.position(after) == expected, (action, before, after)
            assert after["version"] == before["version"] + 1
        else:
            assert rules.position(after) == pos, ("refused action moved the game", action, before, after)
            assert after["version"] == before["version"]
        return after

    @rule(
        action=st.sampled_from([a for a in rules.ACTIONS if a != "end"] * 4 + ["end"]),
        stale=st.booleans(),
        htmx=st.booleans(),
    )
    def host_action(self, action, stale, htmx):
        version = self.row()["version"]
        self._act(action, version - 1 if stale else version, htmx)

    @rule(data=st.data())
    def host_advances(self, data):
        """An action the console offers now (so games get past the lobby), rarely "end"."""
        row = self.row()
        offered = rules.allowed_actions(rules.position(row), self.outline, self.mode)
        offered = [a for a in offered if a != "end"] or offered
        if offered:
            after = self._act(
                data.draw(st.sampled_from(offered)), row["version"], htmx=data.draw(st.booleans())
            )
            if after["phase"] == "question" and self.teams:  # what a pub does next: someone taps
                self.team_answers(data, "valid")

    @rule(action=st.sampled_from([a for a in rules.ACTIONS if a != "end"]))
    def host_double_click(self, action):
        version = self.row()["version"]
        self._act(action, version, htmx=True)
        self._act(action, version, htmx=True)  # the second click carries the old version

    @rule(paused=st.booleans(), stale=st.booleans())
    def pause_or_resume(self, paused, stale):
        before = self.row()
        version = before["version"] - (1 if stale else 0)
        self.check(
            self.host.post(
                f"/host/{self.code}/manage/{'pause' if paused else 'resume'}", {"version": version}
            )
        )
        after = self.row()
        assert rules.position(after) == rules.position(before)
        changes = not stale and before["phase"] != "ended" and paused == (before["paused_at"] is None)
        assert (after["paused_at"] is not None) == (paused if changes else before["paused_at"] is not None)
        assert after["version"] == before["version"] + (1 if changes else 0)

    @rule()
    def deadline_passes(self):
        with self.app.app_context():
            with db.transaction() as tx:
                tx.conn.execute(
                    "update game set deadline_at = now() - interval '1 second' "
                    "where id = %s and phase = 'question'",
                    (self.game_id,),
                )
            games.close_due()
        row = self.row()
        if row["paused_at"] is None:
            assert row["phase"] != "question", "a question past its deadline stayed open"

    @rule()
    def look_at_pages(self):
        self.check(self.host.get(f"/host/{self.code}"))
        self.check(self.host.get(f"/screen/{self.code}"))
        for team in self.teams[:2]:
            self.check(team["phones"][-1].get(f"/play/{self.code}"))

    # -- teams -------------------------------------------------------------------------------

    def _join(self, name, pin=""):
        phone = TeamActions(self.app)
        members = self.sql("select count(*) as n from member")[0]["n"]
        response = self.check(phone.post("/join", {"code": self.code, "name": name, "pin": pin}))
        joined = self.sql("select count(*) as n from member")[0]["n"] > members
        assert joined == (response.status_code == 303), (name, pin, response.status_code)
        if not joined:
            self.strays.append(phone)
            return None
        return phone, self.sql(
            "select t.id, t.name, t.pin, m.captain from member m join team t "
            "on t.id = m.team_id order by m.id desc limit 1"
        )[0]

    @rule(name=NAMES)
    def team_joins(self, name):
        joined = self._join(name)
        if joined:
            phone, team = joined
            assert team["captain"] and team["id"] not in {t["id"] for t in self.teams}
            self.teams.append(
                {
                    "id": team["id"],
                    "name": team["name"],
                    "pin": team["pin"],
                    "phones": [phone],
                    "captain": phone,
                }
            )

    @precondition(lambda self: self.teams)
    @rule(data=st.data(), upper=st.booleans())
    def duplicate_name_joins(self, data, upper):
        team = data.draw(st.sampled_from(self.teams))
        name = team["name"].upper() if upper else team["name"]
        joined = self._join(name)  # without the PIN: refused (unless .upper() made a new name)
        if joined:
            phone, row = joined
            assert row["id"] != team["id"], "joined an existing team without its PIN"
            self.teams.append(
                {"id": row["id"], "name": row["name"], "pin": row["pin"], "phones": [phone], "captain": phone}
            )

    @precondition(lambda self: self.teams)
    @rule(data=st.data(), right_pin=st.booleans())
    def second_phone_joins(self, data, right_pin):
        team = data.draw(st.sampled_from(self.teams))
        pin = team["pin"] if right_pin else "%04d" % ((int(team["pin"]) + 1) % 10000)
        joined = self._join(team["name"], pin)
        if self.row()["phase"] != "ended":
            assert bool(joined) == right_pin
        if joined:
            phone, row = joined
            assert row["id"] == team["id"] and not row["captain"]
            team["phones"].append(phone)

    def _answer(self, phone, shape, question_id, data):
        kind = self.kind.get(question_id)
        if shape == "valid":
            fields = {
                "choice": {"choice": str(data.draw(st.integers(0, 2)))},
                "text": {"text": data.draw(st.sampled_from(["Beethoven", "  beethoven ", "Mozart"]))},
                "numeric": {"number": data.draw(st.sampled_from(["1969", "1969.0", "1,5", "-3"]))},
                None: {"choice": "0"},
            }[kind]
        elif shape == "invalid_choice":
            fields = {
                "choice": data.draw(st.sampled_from(["3", "5", "6", "-1", "99999999999999999999", "x", ""]))
            }
        elif shape == "choice":
            fields = {"choice": str(data.draw(st.integers(0, 5)))}
        elif shape == "text":
            fields = {"text": data.draw(st.text(TYPED, max_size=250))}
        elif shape == "number":
            fields = {
                "number": data.draw(st.sampled_from(["42", "1e20", "NaN", "Infinity", "", "1e-400", "٣"]))
            }
        else:
            fields = {"choice": "0"}
        before = self.row()
        existing = [r for r in self.answers(question_id) if phone in self._phones_of(r[1])]
        htmx = data.draw(st.booleans())
        response = self.check(phone.answer(self.code, question_id, htmx=htmx, **fields))
        return before, existing, fields, response

    def _phones_of(self, team_id):
        return next((t["phones"] for t in self.teams if t["id"] == team_id), [])

    @precondition(lambda self: self.teams)
    @rule(data=st.data(), shape=st.sampled_from(ANSWER_SHAPES))
    def team_answers(self, data, shape):
        team = data.draw(st.sampled_from(self.teams))
        phone = data.draw(st.sampled_from(team["phones"]))
        current = self.open_question()
        if shape == "other_question" or current is None:
            others = [q for q in self.all_questions if q != current] + [10**9]
            question_id = data.draw(st.sampled_from(others))
        else:
            question_id = current
        before, existing, fields, response = self._answer(phone, shape, question_id, data)
        after = self.answers(question_id)
        mine = [r for r in after if r[1] == team["id"]]
        open_now = (
            before["phase"] == "question"
            and before["question_id"] == question_id
            and before["paused_at"] is None
        )
        if not open_now:
            assert not mine or (existing and mine == existing), (
                "an answer to a question that is not open",
                fields,
            )
        elif existing and existing[0][6]:
            assert mine == existing, "a locked answer changed"
        elif shape == "valid":
            self.stored_as_sent(mine, fields, question_id, team)
        if shape == "invalid_choice" or not open_now:
            assert mine == existing, ("a refused answer was stored", fields)
            if response.status_code == 303:  # a plain form goes back to the game page, told why there
                response = self.check(phone.get(response.headers["Location"]))
            # Told why: next to the answer box, or (a NUL character, refused at the door) on an error page.
            page = response.get_data(as_text=True)
            assert 'class="problem"' in page or "error-page" in page, (
                "a refused answer got no message",
                fields,
            )

    @precondition(lambda self: self.teams and self.open_question())
    @rule(data=st.data())
    def team_answers_the_open_question(self, data):
        """The usual tap: a valid answer while the question is open (random rules alone rarely
        find the open question with a team in the game)."""
        self.team_answers(data, "valid")

    def stored_as_sent(self, mine, fields, question_id, team):
        """A valid answer to the open question is the team's answer now, as the phone sent it; a team
        on one phone is locked in at once, a team on several phones keeps picking until it locks."""
        assert len(mine) == 1, ("a valid answer to the open question was not stored", fields)
        _, _, _, choice, text, number, locked, _ = mine[0]
        kind = self.kind[question_id]
        if kind == "choice":
            assert choice == int(fields["choice"])
        elif kind == "text":
            assert text == " ".join(fields["text"].split())
        else:
            assert number == Decimal(fields["number"].replace(",", "."))
        assert locked == (len(team["phones"]) == 1)

    @precondition(lambda self: self.teams)
    @rule(data=st.data())
    def team_answers_twice(self, data):
        team = data.draw(st.sampled_from(self.teams))
        current = self.open_question() or self.all_questions[0]
        self._answer(team["phones"][0], "valid", current, data)
        first = [r for r in self.answers(current) if r[1] == team["id"]]
        self._answer(team["phones"][-1], "valid", current, data)
        second = [r for r in self.answers(current) if r[1] == team["id"]]
        assert len(second) <= 1
        if first and first[0][6]:
            assert second == first, "a locked answer was replaced by a second one"

    @precondition(lambda self: self.teams)
    @rule(data=st.data(), captain=st.booleans())
    def lock_in(self, data, captain):
        team = data.draw(st.sampled_from(self.teams))
        phone = team["captain"] if captain else team["phones"][-1]
        question_id = self.open_question() or data.draw(st.sampled_from(self.all_questions))
        before = self.row()
        mine_before = [r for r in self.answers(question_id) if r[1] == team["id"]]
        self.check(
            phone.post(f"/play/{self.code}/lock", {"question_id": question_id}, htmx=data.draw(st.booleans()))
        )
        mine = [r for r in self.answers(question_id) if r[1] == team["id"]]
        if not mine_before:
            assert mine == [], "locking in made an answer out of nothing"
        elif (
            phone is team["captain"]
            and before["phase"] == "question"
            and before["question_id"] == question_id
            and before["paused_at"] is None
        ):
            assert mine and mine[0][6], "the captain's lock-in did not lock"
        elif phone is not team["captain"]:
            assert mine == mine_before, "a non-captain locked the answer in"

    @invariant()
    def invariants(self):
        if self.prev is None:
            return
        self.one_answer_per_team_and_question()
        self.legal_phase_and_transition()
        self.closed_questions_take_no_answers()
        self.locked_answers_stay()
        self.leaderboard_is_sum_of_points()
        self.prev = self.row()

    # -- invariants --------------------------------------------------------------------------

    def one_answer_per_team_and_question(self):
        assert not self.sql(
            "select team_id, question_id from answer group by team_id, question_id having count(*) > 1"
        )

    def legal_phase_and_transition(self):
        now = self.row()
        assert now["phase"] in rules.PHASES
        before, after = rules.position(self.prev), rules.position(now)
        if after != before:
            moves = [
                a
                for a in rules.ACTIONS
                if rules.allowed(a, before, self.outline, self.mode)
                and rules.apply(a, before, self.outline, self.mode) == after
            ]
            # one step may move twice (a double click is two posts; the second is refused)
            assert moves, f"illegal transition {before} -> {after}"
        assert now["version"] >= self.prev["version"]
        if after != before:
            assert now["version"] > self.prev["version"]
        qid = rules.question_id(after, self.outline)
        assert now["question_id"] == qid or (qid is None and now["question_id"] is None)

    def closed_questions_take_no_answers(self):
        now = self.row()
        pos = rules.position(now)
        order = [(r, i) for r, ids in enumerate(self.outline) for i in range(len(ids))]
        reached = (pos.round_index, pos.question_index)
        for r, i in order:
            q = self.outline[r][i]
            rows = self.answers(q)
            is_open = now["phase"] == "question" and now["question_id"] == q
            opened = now["phase"] in ("ended", "tiebreak") or (r, i) <= reached
            if is_open:
                continue
            if not opened:
                assert rows == [], f"answers to question {q} before it opened"
                continue
            if q in self.closed_rows:
                assert rows == self.closed_rows[q], f"answers to closed question {q} changed"
            else:
                self.closed_rows[q] = rows

    def locked_answers_stay(self):
        rows = {r[0]: r for r in self.answers()}
        for answer_id, locked in self.locked_rows.items():
            now = rows.get(answer_id)
            # points are set when the question closes
            assert now is not None and now[:7] == locked[:7], "a locked answer changed"
        for answer_id, r in rows.items():
            if r[6]:
                self.locked_rows.setdefault(answer_id, r)

    def leaderboard_is_sum_of_points(self):
        expected = {
            r["id"]: int(r["total"])
            for r in self.sql(
                "select t.id, coalesce(sum(a.points), 0) as total from team t left join answer a "
                "on a.team_id = t.id where t.game_id = %s and t.kicked_at is null group by t.id",
                self.game_id,
            )
        }
        with self.app.app_context():
            board = snapshot.load(self.game_id).leaderboard
        assert {row["id"]: row["total"] for _, row in board} == expected


def test_quiz_night_fuzz(app):
    for name in (
        "LIMIT_JOIN",
        "LIMIT_NEW_TEAMS",
        "LIMIT_LOOKUP",
        "LIMIT_ANSWER",
        "LIMIT_REGISTER",
        "LIMIT_LOGIN_ADDRESS",
        "LIMIT_LOGIN_ACCOUNT",
    ):
        app.config[name] = "100000 per minute"  # rate limits are not what this test is about
    QuizNight.app = app
    run_state_machine_as_test(
        QuizNight,
        settings=settings(
            max_examples=15,
            stateful_step_count=25,
            deadline=None,
            derandomize=True,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
            print_blob=True,
            # No explain phase: tracing every line of the app while shrinking took over ten minutes.
            phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
        ),
    )
