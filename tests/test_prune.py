"""`pubquiz prune --before DATE`, run as an operator runs it: whole old months of answers go, with
the games they belong to; tonight stays; a bad or too recent date, or a game not over, is refused
with a message and nothing is dropped."""

import os
import subprocess
import sys

from night import query, totals
from partition_nights import months_ago, move_to, partition_of_answers, play_night


def pubquiz(database_url, instance, *args, **settings):
    env = dict(os.environ, DATABASE_URL=database_url, PUBQUIZ_INSTANCE_DIR=str(instance), **settings)
    env.pop("REDIS_URL", None)
    done = subprocess.run(
        [sys.executable, "-m", "pubquiz.cli", *args], env=env, capture_output=True, text=True, timeout=60
    )
    assert "Traceback" not in done.stderr, done.stderr
    return done


def _exists(app, name):
    return query(app, "select to_regclass(%s) is not null as there", name)[0]["there"]


def test_prune_drops_the_old_months_and_their_games_and_keeps_tonight(
    app, host, new_team, clean_db, tmp_path
):
    old_code, old_game = play_night(host, new_team)
    move_to(app, old_game, months_ago(3))
    code, game = play_night(host, new_team, ("Owls", "Foxes"))
    tonight = totals(app, code)
    old_partition = f"answer_{months_ago(3):%Y_%m}"
    kept = months_ago(2, day=1).date()

    done = pubquiz(clean_db, tmp_path, "prune", "--before", str(kept))
    assert done.returncode == 0, done.stderr
    assert f"Dropped {old_partition} (4 answers)." in done.stdout.splitlines()
    assert f"Deleted 1 game(s) created before {kept}." in done.stdout
    assert not _exists(app, old_partition)
    assert query(app, "select code from game") == [{"code": code}]
    assert totals(app, code) == tonight
    assert partition_of_answers(app, game) == {f"answer_{months_ago(0):%Y_%m}"}

    again = pubquiz(clean_db, tmp_path, "prune", "--before", str(kept))
    assert again.returncode == 0 and f"No answer partition lies wholly before {kept}." in again.stdout


def test_a_bad_date_a_recent_month_or_a_game_not_over_is_refused(app, host, new_team, clean_db, tmp_path):
    _, ended = play_night(host, new_team)
    move_to(app, ended, months_ago(4))
    quiz_id = host.create_quiz("Abandoned", [])
    abandoned = host.start_game(quiz_id)
    (row,) = query(app, "select id from game where code = %s", abandoned)
    move_to(app, row["id"], months_ago(4, day=20))
    old_partition = f"answer_{months_ago(4):%Y_%m}"
    old_enough = str(months_ago(3, day=1).date())

    bad = pubquiz(clean_db, tmp_path, "prune", "--before", "2026-02-30")
    assert bad.returncode == 2 and "Invalid value for '--before'" in bad.stderr, bad.stderr
    recent = pubquiz(clean_db, tmp_path, "prune", "--before", str(months_ago(0).date()))
    assert recent.returncode == 1 and "this month or last month" in recent.stderr, recent.stderr
    busy = pubquiz(clean_db, tmp_path, "prune", "--before", old_enough)
    assert busy.returncode == 1, busy.stderr
    assert f"1 game(s) created before {old_enough} have not ended: {abandoned} (lobby)" in busy.stderr
    assert _exists(app, old_partition) and len(query(app, "select id from game")) == 2
    assert len(query(app, "select id from answer where game_id = %s", ended)) == 4

    forced = pubquiz(clean_db, tmp_path, "prune", "--before", old_enough, "--force")
    assert forced.returncode == 0, forced.stderr
    assert f"Dropped {old_partition} (4 answers)." in forced.stdout.splitlines()
    assert query(app, "select id from game") == []


def test_partitions_makes_the_months_ahead_and_lists_every_month_kept(clean_db, tmp_path):
    ahead = months_ago(-13)
    done = pubquiz(clean_db, tmp_path, "partitions", PUBQUIZ_ANSWER_MONTHS_AHEAD="13")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("Created answer partitions: ") and f"answer_{ahead:%Y_%m}" in lines[0]
    assert f"answer_{ahead:%Y_%m}  answers of games created in {ahead:%B %Y} (UTC)" in lines
    this_month = months_ago(0)
    assert f"answer_{this_month:%Y_%m}  answers of games created in {this_month:%B %Y} (UTC)" in lines
    again = pubquiz(clean_db, tmp_path, "partitions", PUBQUIZ_ANSWER_MONTHS_AHEAD="13")
    assert "Created" not in again.stdout
