"""`pubquiz backup` and `pubquiz restore`, run as an operator runs them: the drill (a game backed up
mid-question goes on after a restore into a new database), encryption with a key file, retention
with --keep, the embedded database, and the errors that must leave the database untouched."""

import os
import re
import secrets
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
from helpers import CHOICE, NUMERIC
from night import build_quiz, play, totals, visible
from test_media import png, upload

from harness.quiz import Round
from pubquiz import backups, create_app

REPO = Path(__file__).resolve().parent.parent
DRILL_QUESTION = dict(NUMERIC, time_limit="300")  # still open however slow the machine


def pubquiz(*args, **env):
    """`pubquiz ARGS` in its own process, with these environment variables: (exit code, output)."""
    environment = {**os.environ, **env}
    result = subprocess.run(
        [sys.executable, "-m", "pubquiz.cli", *map(str, args)],
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = result.stdout + result.stderr
    assert "Traceback" not in output, output
    return result.returncode, output


@pytest.fixture
def key_file(tmp_path):
    path = tmp_path / "backup.key"
    path.write_bytes(os.urandom(32))
    return path


def _tables(url):
    with psycopg.connect(url) as conn:
        return conn.execute("select count(*) from pg_tables where schemaname = 'public'").fetchone()[0]


def _image_url(page):
    return re.search(r'<img[^>]*src="(/media/\d+/[0-9a-f]+)"', page).group(1)


def _started(app, database_url, instance_dir):
    """The app as a new server starts it on the restored database: the same SECRET_KEY (from the
    environment in production), so the phones' and the host's cookies still open their pages."""
    return create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "SECRET_KEY": app.config["SECRET_KEY"],
            "INSTANCE_DIR": str(instance_dir),
            "DEADLINE_SWEEP_SECONDS": 0,
        }
    )


def _stop(app):
    app.extensions["background"].stop()
    app.extensions["hub"].stop()
    app.extensions["bus"].close()
    app.extensions["db_pool"].close()


def test_a_game_backed_up_mid_question_goes_on_after_a_restore(
    app, host, new_team, empty_database, key_file, tmp_path
):
    quiz_id, _, [[_, second]] = build_quiz(host, rounds=[Round(questions=[CHOICE, DRILL_QUESTION])])
    picture = png(width=8, height=8)
    assert upload(host, second, picture, "moon.png").status_code == 303
    code = host.start_game(quiz_id)
    right, late = new_team(), new_team()
    right.join(code, "Right")
    late.join(code, "Late")
    host.act(code, "start")
    play(host, code, {right: {"choice": "1"}, late: {"choice": "0"}})
    assert host.act(code, "open_question").status_code == 303
    locked = right.answer(code, second, htmx=True, number="1969")
    assert "Answer locked in" in locked.get_data(as_text=True)
    scores = totals(app, code)
    assert scores == {"Right": 2, "Late": 0}
    image = _image_url(host.get(f"/screen/{code}").get_data(as_text=True))

    backup = tmp_path / "night.pgdump.aes"
    status, output = pubquiz("backup", backup, "--key", key_file, DATABASE_URL=app.config["DATABASE_URL"])
    assert status == 0 and "Backed up to" in output and "encrypted" in output, output
    started = time.monotonic()
    status, output = pubquiz("restore", backup, "--key", key_file, DATABASE_URL=empty_database)
    print(
        f"\nrestore of the drill's backup ({backup.stat().st_size} bytes): {time.monotonic() - started:.2f} s"
    )
    assert status == 0 and "Restored" in output, output

    restored = _started(app, empty_database, tmp_path / "restored")
    try:
        for person in (host, right, late):
            person.client.application = restored  # the same browsers, now served by the new server
        assert totals(restored, code) == scores
        page = visible(right.get(f"/play/{code}").get_data(as_text=True))
        assert "Year of the Moon landing?" in page and "Answer locked in: 1969" in page
        screen = host.get(f"/screen/{code}").get_data(as_text=True)
        assert _image_url(screen) == image and host.get(image).data == picture

        answered = late.answer(code, second, htmx=True, number="1970")
        assert answered.status_code == 200 and "Answer locked in" in answered.get_data(as_text=True)
        assert host.act(code, "close_question").status_code == 303
        assert host.act(code, "reveal").status_code == 303
        assert totals(restored, code) == {"Right": 5, "Late": 0}
        assert "Right! +3 points" in visible(right.get(f"/play/{code}").get_data(as_text=True))
    finally:
        _stop(restored)


def test_a_plain_backup_restores_and_a_second_restore_is_refused(clean_db, host, empty_database, tmp_path):
    """Without --key the file is pg_dump's own custom format; a database in use is never written."""
    host.create_quiz(title="Kept quiz")
    backup = tmp_path / "plain.pgdump"
    status, output = pubquiz("backup", backup, DATABASE_URL=clean_db)
    assert status == 0, output
    assert backup.read_bytes().startswith(b"PGDMP")
    assert backup.stat().st_mode & 0o777 == 0o600  # the whole database: its owner's only
    assert pubquiz("restore", backup, DATABASE_URL=empty_database)[0] == 0
    with psycopg.connect(empty_database) as conn:
        assert conn.execute("select title from quiz").fetchall() == [("Kept quiz",)]

    tables = _tables(empty_database)
    status, output = pubquiz("restore", backup, DATABASE_URL=empty_database)
    assert status == 1
    assert f"The database is not empty (it has {tables} tables)" in output, output
    status, output = pubquiz("backup", backup, DATABASE_URL=clean_db)
    assert status == 1 and "exists already" in output, output
    nowhere = tmp_path / "no-such-folder" / "x.pgdump"
    status, output = pubquiz("backup", nowhere, DATABASE_URL=clean_db)
    assert status == 1 and f"Cannot write the backup {nowhere}: No such file or directory." in output, output


def test_a_wrong_missing_or_needless_key_restores_nothing(clean_db, host, empty_database, key_file, tmp_path):
    host.create_quiz()
    encrypted, plain = tmp_path / "a.pgdump.aes", tmp_path / "b.pgdump"
    assert pubquiz("backup", encrypted, "--key", key_file, DATABASE_URL=clean_db)[0] == 0
    assert pubquiz("backup", plain, DATABASE_URL=clean_db)[0] == 0
    wrong = tmp_path / "wrong.key"
    wrong.write_bytes(os.urandom(32))
    short = tmp_path / "short.key"
    short.write_text(secrets.token_hex(32) + "\n")

    for args, message in [
        ((encrypted, "--key", wrong), "This key does not open the backup"),
        ((encrypted,), "is encrypted: give its key file with --key"),
        ((plain, "--key", key_file), "is not encrypted: leave out --key"),
        ((encrypted, "--key", short), "holds 65 bytes; a backup key is exactly 32 random bytes"),
        ((key_file,), "is not a pubquiz backup"),
    ]:
        status, output = pubquiz("restore", *args, DATABASE_URL=empty_database)
        assert status != 0 and message in output, output
        assert _tables(empty_database) == 0


def test_a_backup_cut_short_restores_nothing(clean_db, host, empty_database, tmp_path):
    """pg_restore has already sent the tables (their definitions lead the file) and most of
    their rows when it finds the file ends early: the transaction they are in is never committed."""
    host.create_quiz()
    backup = tmp_path / "whole.pgdump"
    assert pubquiz("backup", backup, DATABASE_URL=clean_db)[0] == 0
    cut = tmp_path / "cut.pgdump"
    cut.write_bytes(backup.read_bytes()[:-100])  # into the last table's rows
    status, output = pubquiz("restore", cut, DATABASE_URL=empty_database)
    assert status == 1 and "nothing was restored" in output, output
    assert _tables(empty_database) == 0


def test_keep_leaves_only_the_newest_backups_in_the_folder(clean_db, key_file, tmp_path):
    folder = tmp_path / "backups"
    folder.mkdir()
    (folder / "notes.txt").write_text("not a backup: never deleted")
    made = []
    for _ in range(4):
        status, output = pubquiz("backup", folder, "--key", key_file, "--keep", 2, DATABASE_URL=clean_db)
        assert status == 0, output
        made.append(re.search(r"Backed up to (\S+) ", output).group(1))
    assert sorted(path.name for path in folder.iterdir()) == sorted(
        [os.path.basename(made[2]), os.path.basename(made[3]), "notes.txt"]
    )
    status, output = pubquiz("backup", folder / "one.pgdump", "--keep", 2, DATABASE_URL=clean_db)
    assert status == 2 and "--keep needs DESTINATION to be a folder" in output, output


def test_the_embedded_database_backs_up_and_restores(tmp_path):
    """No DATABASE_URL: each command starts the embedded PostgreSQL of its instance folder, and
    stops it as it exits; the wheel's own pg_dump and pg_restore match its server."""
    first, second = tmp_path / "first", tmp_path / "second"
    env = {"DATABASE_URL": "", "PUBQUIZ_INSTANCE_DIR": str(first)}
    assert pubquiz("migrate", **env)[0] == 0
    assert pubquiz("create-host", "kept@example.org", "--password", "correct horse battery", **env)[0] == 0
    status, output = pubquiz("backup", tmp_path / "laptop.pgdump", **env)
    assert status == 0, output
    env["PUBQUIZ_INSTANCE_DIR"] = str(second)
    status, output = pubquiz("restore", tmp_path / "laptop.pgdump", **env)
    assert status == 0, output
    status, output = pubquiz("create-host", "kept@example.org", "--password", "correct horse battery", **env)
    assert status == 2 and "There is already a host with the email kept@example.org." in output, output


def test_no_pg_dump_of_the_servers_version_is_a_clear_error(tmp_path):
    with pytest.raises(backups.BackupError, match=r"No pg_dump of PostgreSQL 99 .*postgresql-client-99"):
        backups.tool("pg_dump", 99)
    with pytest.raises(backups.BackupError, match="No pg_restore of PostgreSQL 15"):
        backups.tool("pg_restore", 15, folders=[tmp_path])


def test_the_nightly_service_backs_up_and_keeps_two_weeks(clean_db, key_file, tmp_path):
    """deploy/pubquiz-backup.service's own command, run with this machine's paths: after it the
    folder holds the new backup and the 13 newest of the 14 before it."""
    unit = (REPO / "deploy" / "pubquiz-backup.service").read_text()
    command = re.search(r"^ExecStart=/srv/pubquiz/\.venv/bin/pubquiz (.+)$", unit, re.M).group(1).split()
    assert command[:2] == ["backup", "/var/lib/pubquiz/backups"] and command[-2:] == ["--keep", "14"]
    folder = tmp_path / "backups"
    folder.mkdir()
    before = [folder / f"pubquiz-202601{day:02d}-040000-000.pgdump.aes" for day in range(1, 15)]
    for path in before:
        path.write_bytes(b"an older backup")
    paths = {"/var/lib/pubquiz/backups": str(folder), "/etc/pubquiz/backup.key": str(key_file)}
    status, output = pubquiz(*(paths.get(arg, arg) for arg in command), DATABASE_URL=clean_db)
    assert status == 0, output
    new = Path(re.search(r"Backed up to (\S+) ", output).group(1))
    assert sorted(folder.iterdir()) == sorted([*before[1:], new])
    assert f"Deleted the older backup {before[0]}." in output
