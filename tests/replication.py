"""A PostgreSQL primary and its streaming replica on loopback, made for one test module: initdb,
then pg_basebackup -R. They are our own clusters, so a test may pause, stop and start the replica
without touching the machine's server. As root (CI) they run as the postgres user."""

import glob
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg

from harness.processes import free_port

WAIT_SECONDS = 30


def server_binaries():
    """The newest PostgreSQL's bin folder (Debian: /usr/lib/postgresql/<version>/bin), or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    return Path(found[-1]).parent if found else None


class Cluster:
    def __init__(self, bin_dir, data, port, as_postgres):
        self.bin_dir, self.data, self.port, self.as_postgres = bin_dir, data, port, as_postgres
        self.url = f"postgresql://postgres@127.0.0.1:{port}/postgres"

    def run(self, program, *args):
        command = [str(self.bin_dir / program), *args]
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=WAIT_SECONDS)

    def start(self):
        # Sockets in the data folder's parent: nothing shared with the machine's server.
        options = f"-p {self.port} -k {self.data.parent} -c listen_addresses=127.0.0.1 -c fsync=off"
        log = self.data.parent / f"{self.data.name}.log"
        self.run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(log), "-w", "-t", "30", "start")

    def stop(self):
        """At once, as a crash or a pulled cable would."""
        self.run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "-t", "30", "stop")

    def running(self):
        return (self.data / "postmaster.pid").exists()

    def sql(self, statement, params=None):
        with psycopg.connect(self.url, autocommit=True, connect_timeout=5) as conn:
            cursor = conn.execute(statement, params)
            return cursor.fetchall() if cursor.description else []


class Replication:
    """primary and replica, Clusters; the replica streams from the primary."""

    def __init__(self, bin_dir):
        self.folder = Path(tempfile.mkdtemp(prefix="pubquiz-replication-"))
        self.as_postgres = os.geteuid() == 0  # PostgreSQL refuses to run as root
        if self.as_postgres:
            shutil.chown(self.folder, "postgres", "postgres")
        self.primary = Cluster(bin_dir, self.folder / "primary", free_port(), self.as_postgres)
        self.replica = Cluster(bin_dir, self.folder / "replica", free_port(), self.as_postgres)

    def start(self):
        # initdb's pg_hba.conf trusts local replication connections (127.0.0.1 included).
        self.primary.run("initdb", "-D", str(self.primary.data), "-A", "trust", "-U", "postgres", "--no-sync")
        self.primary.start()
        self.primary.run(
            "pg_basebackup",
            *("-h", "127.0.0.1", "-p", str(self.primary.port), "-U", "postgres"),
            *("-D", str(self.replica.data), "-R", "-X", "stream", "--no-sync"),
        )
        self.replica.start()
        self.wait_until_current()

    def replayed_all(self):
        """Whether the replica has replayed all the WAL the primary has on disk."""
        flushed = self.primary.sql("select pg_current_wal_flush_lsn()")[0][0]
        return self.replica.sql("select pg_last_wal_replay_lsn() >= %s::pg_lsn", (flushed,))[0][0]

    def wait_until_current(self):
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            try:
                if self.replayed_all():
                    return
            except psycopg.OperationalError:
                pass  # still starting
            if time.monotonic() > deadline:
                raise RuntimeError("the replica did not catch up with the primary")
            time.sleep(0.05)

    def pause(self):
        self.replica.sql("select pg_wal_replay_pause()")

    def resume(self):
        self.replica.sql("select pg_wal_replay_resume()")

    def ready(self):
        """The replica running, replaying, and current: how each test starts."""
        if not self.replica.running():
            self.replica.start()
        self.resume()
        self.wait_until_current()

    def stop(self):
        """Both stopped (whichever started) and their folder removed."""
        for cluster in (self.replica, self.primary):
            if cluster.running():
                cluster.stop()
        shutil.rmtree(self.folder, ignore_errors=True)
