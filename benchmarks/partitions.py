"""Tonight's answers beside 10 million old ones: the answer path with and without them.

    python -m benchmarks.partitions                       # 10 million old answers (a few minutes)
    python -m benchmarks.partitions --old-answers 200000  # a quick look (writes benchmarks/out/)

Two databases of its own on the PostgreSQL server at DATABASE_URL (dropped at the end), each
with tonight's game of --teams one-phone teams and --questions questions: "alone" holds nothing
else; "beside" also holds old nights written straight into old month partitions (generate_series
in SQL: games spread over two years, 40 teams of one quiz's 50 questions each, foreign-key
triggers off while filling since the rows are valid by construction; then vacuumed and
checkpointed, as a server would long since have done). Through the app's own pool and named
queries, each team answers each question, timing each statement the game path runs per answer
or per question (insert_answer, the one statement of an accepted answer; count_answers, the
coalesced count push; answers_to_question, the rescore at close; game_state, every snapshot).
The two games play question by question in turn (each first every other time), so a busy
neighbour on a shared machine slows both alike. Last, partitions.prune (what `pubquiz prune`
runs) forgets the old months, timed.

A full-size run writes benchmarks/partitions.json and its section of benchmarks/RESULTS.md
(report.py keeps that section when `make bench` rewrites the rest). Not in CI or bench-quick:
10 million rows take minutes to write.
"""

import argparse
import datetime
import json
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

import psycopg

from pubquiz import create_app, db, partitions

from .stack import admin_conninfo, conninfo

HERE = Path(__file__).resolve().parent
FULL_SIZE = 10_000_000
QUERIES = ("insert_answer", "count_answers", "answers_to_question", "game_state")
HEADING = "## Answers beside 10 million old ones"
OLD_QUESTIONS, OLD_TEAMS = 50, 40


def _quiz(conn, host_id, title):
    """A quiz of one round: (quiz id, round id)."""
    return conn.execute(
        "with quiz as (insert into quiz (host_id, title) values (%s, %s) returning id) "
        "insert into round (quiz_id, position, title) select id, 0, 'R1' from quiz returning quiz_id, id",
        (host_id, title),
    ).fetchone()


def _tonight(conn, host_id, label, teams, questions):
    """A game with its question open and `teams` one-phone teams: (game id, code, created_at,
    question ids, team tokens)."""
    quiz, round_id = _quiz(conn, host_id, label)
    question_ids = [
        row[0]
        for row in conn.execute(
            "insert into question (round_id, position, kind, prompt, options, correct_option, time_limit) "
            "select %s, n, 'choice', 'Which?', '{A,B,C,D}', 1, 600 from generate_series(0, %s - 1) n "
            "returning id",
            (round_id, questions),
        ).fetchall()
    ]
    code = label.upper()[:6]
    game, created_at = conn.execute(
        "insert into game (quiz_id, host_id, code, phase) values (%s, %s, %s, 'question') "
        "returning id, created_at",
        (quiz, host_id, code),
    ).fetchone()
    tokens = [secrets.token_hex(8) for _ in range(teams)]
    for number, token in enumerate(tokens):
        team = conn.execute(
            "insert into team (game_id, name, pin) values (%s, %s, '0000') returning id",
            (game, f"Team {number}"),
        ).fetchone()[0]
        conn.execute("insert into member (team_id, token, captain) values (%s, %s, true)", (team, token))
    return game, code, created_at, question_ids, tokens


def _time(timings, name, query, **params):
    started = time.perf_counter()
    row = db.one(query, **params)
    timings[name].append((time.perf_counter() - started) * 1e6)
    return row


class Tonight:
    """One database's game, played a question at a time through its own app."""

    def __init__(self, url, instance, teams, questions):
        self.url = url
        self.app = create_app({"DATABASE_URL": url, "INSTANCE_DIR": instance, "DEADLINE_SWEEP_SECONDS": 0})
        self.timings = {name: [] for name in QUERIES}
        with psycopg.connect(url, autocommit=True) as conn:
            host = conn.execute(
                "insert into host (email, password_hash) values ('bench@example.org', 'x') returning id"
            ).fetchone()[0]
            warmup = _tonight(conn, host, "warmup", teams, 2)
            self.game = _tonight(conn, host, "tonight", teams, questions)
        # The pool's connections, their prepared statements and caches, untimed.
        for question in warmup[3]:
            self.play(question, warmup, {name: [] for name in QUERIES})

    def play(self, question, game=None, timings=None):
        """Every team answers this question; each statement's µs into timings."""
        game_id, code, created_at, _, tokens = game or self.game
        timings = self.timings if timings is None else timings
        with self.app.app_context(), psycopg.connect(self.url, autocommit=True) as host:
            host.execute(
                "update game set question_id = %s, deadline_at = now() + interval '10 minutes' where id = %s",
                (question, game_id),
            )
            ids = {"game_id": game_id, "game_created_at": created_at, "question_id": question}
            for token in tokens:
                accepted = _time(
                    timings,
                    "insert_answer",
                    "insert_answer",
                    code=code,
                    token=token,
                    question_id=question,
                    choice=1,
                    text=None,
                    number=None,
                )
                assert accepted, "an answer was refused"
                _time(timings, "count_answers", "count_answers", **ids)
            _time(timings, "answers_to_question", "answers_to_question", **ids)
            _time(timings, "game_state", "game_state", **ids)

    def close(self):
        self.app.extensions["db_pool"].close()


def _fill_old(conn, old_answers):
    """old_answers answers of ended games created over the 24 months before last month."""
    games = max(1, old_answers // (OLD_QUESTIONS * OLD_TEAMS))
    host = conn.execute("select id from host limit 1").fetchone()[0]
    quiz, round_id = _quiz(conn, host, "Old")
    conn.execute(
        "insert into question (round_id, position, kind, prompt, options, correct_option) "
        "select %s, n, 'choice', 'Which?', '{A,B,C,D}', 1 from generate_series(0, %s - 1) n",
        (round_id, OLD_QUESTIONS),
    )
    conn.execute(
        "select create_answer_partition((date_trunc('month', now()) - make_interval(months => m))::date) "
        "from generate_series(2, 25) m"
    )
    conn.execute(
        "insert into game (quiz_id, host_id, code, phase, created_at, ended_at) "
        "select %s, %s, 'OLD' || n, 'ended', t, t + interval '3 hours' "
        "from generate_series(1, %s) n, "
        "lateral (select date_trunc('month', now()) - make_interval(months => 2 + n %% 24) "
        "                + make_interval(days => n %% 27) + interval '19 hours' as t) as at",
        (quiz, host, games),
    )
    conn.execute(
        "insert into team (game_id, name, pin) select g.id, 'Old ' || n, '0000' "
        "from game g, generate_series(1, %s) n where g.code like 'OLD%%'",
        (OLD_TEAMS,),
    )
    conn.execute(
        "insert into member (team_id, token, captain) select t.id, md5(t.id::text), true "
        "from team t join game g on g.id = t.game_id where g.code like 'OLD%%'"
    )
    conn.execute("set session_replication_role = replica")  # no foreign-key triggers while filling
    conn.execute(
        "insert into answer (game_id, team_id, question_id, choice, correct, points, locked, submitted_at, "
        "game_created_at) "
        "select g.id, t.id, q.id, 1, true, 1, true, g.created_at + interval '1 hour', g.created_at "
        "from game g join team t on t.game_id = g.id cross join question q "
        "where g.code like 'OLD%%' and q.round_id = %s",
        (round_id,),
    )
    conn.execute("set session_replication_role = origin")
    # Settle, as a server would have long since: without this, autovacuum's pass over the new
    # partitions and the checkpoint of their pages would run during the timing beside them.
    conn.execute("vacuum (analyze)")
    conn.execute("checkpoint")
    return conn.execute(
        "select count(*) from answer a join game g on g.id = a.game_id where g.code like 'OLD%'"
    ).fetchone()[0]


def _summary(timings):
    def percentile(values, p):
        return statistics.quantiles(values, n=100, method="inclusive")[p - 1]

    return {
        name: {"n": len(v), "p50_us": round(percentile(v, 50)), "p99_us": round(percentile(v, 99))}
        for name, v in timings.items()
    }


def run(admin, old_answers, teams, questions):
    """admin: the server's conninfo dict."""
    names = {side: f"pubquiz_bench_partitions_{side}_{secrets.token_hex(4)}" for side in ("alone", "beside")}
    admin_url = conninfo(admin)
    played = []
    try:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            for name in names.values():
                conn.execute(f"create database {name}")
        urls = {side: conninfo(admin, dbname=name) for side, name in names.items()}
        for url in urls.values():
            db.migrate(url)
        with tempfile.TemporaryDirectory() as instance:
            alone = Tonight(urls["alone"], instance, teams, questions)
            played.append(alone)
            beside = Tonight(urls["beside"], instance, teams, questions)
            played.append(beside)
            started = time.perf_counter()
            with psycopg.connect(urls["beside"], autocommit=True) as conn:
                old = _fill_old(conn, old_answers)
                partition_count = conn.execute(
                    "select count(*) from pg_inherits where inhparent = 'answer'::regclass"
                ).fetchone()[0]
            fill_seconds = time.perf_counter() - started
            for index in range(questions):
                pair = (alone, beside) if index % 2 == 0 else (beside, alone)  # neither always first
                for side in pair:
                    side.play(side.game[3][index])
            started = time.perf_counter()
            with beside.app.app_context():
                today = datetime.datetime.now(datetime.UTC).date()
                pruned = partitions.prune(partitions.months_back(today, 1), today)
            prune_seconds = time.perf_counter() - started
    finally:
        for side in played:
            side.close()
        with psycopg.connect(admin_url, autocommit=True) as conn:
            for name in names.values():
                conn.execute(f"drop database if exists {name} with (force)")
    before, after = _summary(alone.timings), _summary(beside.timings)
    return {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "old_answers": old,
        "answer_partitions": partition_count,
        "fill_seconds": round(fill_seconds, 1),
        "prune": {
            "partitions": len(pruned.partitions),
            "answers": sum(answers for _, answers in pruned.partitions),
            "games": pruned.games,
            "seconds": round(prune_seconds, 1),
        },
        "teams": teams,
        "questions": questions,
        "without_old": before,
        "with_old": after,
        "p50_ratio": {q: round(after[q]["p50_us"] / before[q]["p50_us"], 2) for q in QUERIES},
        "p99_ratio": {q: round(after[q]["p99_us"] / before[q]["p99_us"], 2) for q in QUERIES},
    }


def section(results):
    """This benchmark's section of RESULTS.md."""
    pruned = results["prune"]
    lines = [
        "",
        HEADING,
        "",
        f"`python -m benchmarks.partitions` ({results['date']}): tonight's game, {results['teams']} teams x "
        f"{results['questions']} questions, timed through the app's pool and named queries in a database "
        f"holding nothing else (alone) and, question by question in turn, in one also holding "
        f"{results['old_answers']:,} old answers in {results['answer_partitions']} partitions (beside; "
        f"written, vacuumed and checkpointed in {results['fill_seconds']} s). Then `pubquiz prune` "
        f"(partitions.prune) dropped {pruned['partitions']} partitions ({pruned['answers']:,} answers) "
        f"and deleted {pruned['games']:,} games in {pruned['seconds']} s.",
        "",
        "| statement | p50 µs alone | p50 µs beside | ratio | p99 µs alone | p99 µs beside | ratio |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for query in QUERIES:
        alone, beside = results["without_old"][query], results["with_old"][query]
        lines.append(
            f"| {query} | {alone['p50_us']} | {beside['p50_us']} | {results['p50_ratio'][query]} "
            f"| {alone['p99_us']} | {beside['p99_us']} | {results['p99_ratio'][query]} |"
        )
    return lines


def write_section(md_path, results):
    """Replace (or add) this benchmark's section of RESULTS.md, leaving the rest as it is."""
    text = md_path.read_text() if md_path.exists() else ""
    kept = text.split("\n" + HEADING + "\n")
    rest = ""
    if len(kept) == 2:
        following = kept[1].find("\n## ")
        rest = kept[1][following:] if following >= 0 else ""
    md_path.write_text(kept[0].rstrip("\n") + "\n" + "\n".join(section(results)) + "\n" + rest)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old-answers", type=int, default=FULL_SIZE)
    parser.add_argument("--teams", type=int, default=250)
    parser.add_argument("--questions", type=int, default=20)
    args = parser.parse_args()
    results = run(admin_conninfo(), args.old_answers, args.teams, args.questions)
    folder = HERE if args.old_answers >= FULL_SIZE else HERE / "out"
    folder.mkdir(exist_ok=True)
    (folder / "partitions.json").write_text(json.dumps(results, indent=2) + "\n")
    write_section(folder / "RESULTS.md", results)
    print("\n".join(section(results)))


if __name__ == "__main__":
    sys.exit(main())
