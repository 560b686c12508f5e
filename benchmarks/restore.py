"""How long a restore takes: a database of 1,000 played games, backed up and restored the way
`pubquiz backup` and `pubquiz restore` do it (plain and encrypted).

    python -m benchmarks.restore                 # 1,000 games (about a minute on a laptop)
    python -m benchmarks.restore --games 100     # a quick look

The games are written straight in SQL, shaped like real nights: 50 hosts, each with a quiz of
3 rounds of 10 questions and a 200 KB picture; each game has 15 teams (one phone each) and every
team answered all 30 questions. It needs a PostgreSQL server at DATABASE_URL (default the local
one) and its own pg_dump, pg_restore and psql; it creates three databases and drops them at the end.
Prints the numbers; it asserts nothing about them.
"""

import argparse
import os
import secrets
import tempfile
import time
from pathlib import Path

import psycopg

from pubquiz import backups, db

HOSTS, ROUNDS, QUESTIONS_PER_ROUND, TEAMS = 50, 3, 10, 15
PICTURE_BYTES = 200 * 1024

SEED = """
insert into host (email, password_hash)
select 'host' || h || '@example.org', 'not-a-hash' from generate_series(1, %(hosts)s) h;
insert into quiz (host_id, title) select id, 'Quiz of ' || email from host;
insert into round (quiz_id, position, title)
select q.id, r, 'Round ' || r from quiz q, generate_series(1, %(rounds)s) r;
insert into media (host_id, kind, content_type, filename, size, sha256, bytes)
select id, 'image', 'image/png', 'picture.png', %(picture_bytes)s, md5(id::text),
       (select decode(string_agg(md5(random()::text || h.id || s), ''), 'hex')
        from generate_series(1, %(picture_bytes)s / 16) s)  -- random: a photo does not compress
from host h;
insert into question (round_id, position, kind, prompt, options, correct_option, image_id)
select r.id, n, 'choice', 'Question ' || n || ' of ' || r.title, '{Venus,Mars,Jupiter,Saturn}', 1,
       case when n = 1 then m.id end
from round r join quiz q on q.id = r.quiz_id join media m on m.host_id = q.host_id,
     generate_series(1, %(questions)s) n;
insert into game (quiz_id, host_id, code, phase, ended_at)
select q.id, q.host_id, 'G' || lpad(g::text, 5, '0'), 'ended', now()
from generate_series(1, %(games)s) g join quiz q on q.id = 1 + (g - 1) %% %(hosts)s;
insert into team (game_id, name, pin)
select g.id, 'Team ' || t, '1234' from game g, generate_series(1, %(teams)s) t;
insert into member (team_id, token, captain) select id, md5(id::text), true from team;
insert into answer (game_id, team_id, question_id, choice, correct, points, locked)
select t.game_id, t.id, x.id, (t.id + x.id) %% 4, (t.id + x.id) %% 4 = 1,
       case when (t.id + x.id) %% 4 = 1 then 1 else 0 end, true
from team t join game g on g.id = t.game_id join round r on r.quiz_id = g.quiz_id
join question x on x.round_id = r.id;
"""


def _database(admin, name):
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'create database "{name}"')
    return psycopg.conninfo.make_conninfo(admin, dbname=name)


def _count(url, table):
    with psycopg.connect(url) as conn:
        return conn.execute(f"select count(*) from {table}").fetchone()[0]


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--games", type=int, default=1000)
    args = parser.parse_args()
    admin = os.environ.get("DATABASE_URL") or "postgresql://postgres@127.0.0.1:5432/postgres"
    names = [f"pubquiz_bench_restore_{secrets.token_hex(3)}_{part}" for part in ("source", "plain", "sealed")]
    try:
        source, plain, sealed = (_database(admin, name) for name in names)
        db.migrate(source)
        started = time.monotonic()
        with psycopg.connect(source) as conn:
            # Whole numbers only, written into the text: several statements cannot share parameters.
            conn.execute(
                SEED
                % {
                    "hosts": HOSTS,
                    "rounds": ROUNDS,
                    "questions": QUESTIONS_PER_ROUND,
                    "teams": TEAMS,
                    "games": args.games,
                    "picture_bytes": PICTURE_BYTES,
                }
            )
        print(
            f"seeded {_count(source, 'game'):,} games, {_count(source, 'team'):,} teams, "
            f"{_count(source, 'answer'):,} answers, {_count(source, 'media')} pictures "
            f"in {time.monotonic() - started:.1f} s"
        )
        key = os.urandom(32)
        with tempfile.TemporaryDirectory(prefix="pubquiz-bench-restore-") as folder:
            for name, url, backup_key in (("plain", plain, None), ("encrypted", sealed, key)):
                path = Path(folder) / f"{name}.pgdump"
                started = time.monotonic()
                size = backups.create(source, path, backup_key)
                backed_up = time.monotonic() - started
                started = time.monotonic()
                backups.restore(url, path, backup_key)
                restored = time.monotonic() - started
                assert _count(url, "answer") == _count(source, "answer")
                print(
                    f"{name:>9}: backup {size / 1e6:.1f} MB in {backed_up:.2f} s, "
                    f"restore in {restored:.2f} s ({args.games:,} games)"
                )
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            for name in names:
                conn.execute(f'drop database if exists "{name}" with (force)')


if __name__ == "__main__":
    main()
