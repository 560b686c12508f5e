"""A real Redis Cluster on loopback: three masters and a replica of each, six redis-server
processes in a temporary directory on free ports, made a cluster by `redis-cli --cluster create`.
A short cluster-node-timeout so that a killed master's replica takes over within seconds."""

import socket
import subprocess
import time

import redis

from .processes import answers_on

NODE_TIMEOUT_MS = 1000


def _free_pair():
    """A port whose cluster bus port (port + 10000) is free too."""
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port + 10000 > 65535:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port + 10000))
            except OSError:
                continue
        return port


class RedisCluster:
    def __init__(self, workdir, nodes=6):
        self.workdir = workdir
        self.ports = []
        while len(self.ports) < nodes:
            port = _free_pair()
            if port not in self.ports:
                self.ports.append(port)
        self.processes = {}
        self.url = "redis+cluster://" + ",".join("127.0.0.1:%d" % port for port in self.ports[:3])

    def start(self, timeout=30):
        for port in self.ports:
            self.processes[port] = self._server(port)
        deadline = time.monotonic() + timeout
        while not all(answers_on(port) for port in self.ports):
            if time.monotonic() > deadline:
                raise RuntimeError("the cluster's redis-servers did not start")
            time.sleep(0.05)
        subprocess.run(
            ["redis-cli", "--cluster", "create", *("127.0.0.1:%d" % p for p in self.ports)]
            + ["--cluster-replicas", "1", "--cluster-yes"],
            check=True,
            capture_output=True,
            timeout=timeout,
        )
        self.wait_until_ok(timeout)
        # A replica that has not synced with its master yet cannot replace it.
        deadline = time.monotonic() + timeout
        while not all(self._synced(port) for port in self.ports):
            if time.monotonic() > deadline:
                raise RuntimeError("the cluster's replicas did not sync")
            time.sleep(0.1)

    def _synced(self, port):
        replication = self.client(port).info("replication")
        return replication["role"] == "master" or replication.get("master_link_status") == "up"

    def _server(self, port):
        node = self.workdir / ("node-%d" % port)
        node.mkdir()
        return subprocess.Popen(
            ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--dir", str(node)]
            + ["--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf"]
            + ["--cluster-node-timeout", str(NODE_TIMEOUT_MS), "--save", "", "--appendonly", "no"]
            # A replica takes over however long ago it last heard from its master.
            + ["--cluster-replica-validity-factor", "0"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def client(self, port):
        return redis.Redis(port=port, socket_timeout=2, socket_connect_timeout=2)

    def alive(self):
        return [port for port, process in self.processes.items() if process.poll() is None]

    def wait_until_ok(self, timeout=30):
        """Until every live node says cluster_state:ok and every slot has a live master."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if all(self.client(p).cluster("info")["cluster_state"] == "ok" for p in self.alive()):
                    if all(answers_on(self.master_of_slot(s)) for s in (0, 8000, 16383)):
                        return
            except (redis.RedisError, OSError):
                pass
            time.sleep(0.1)
        raise RuntimeError("the Redis cluster did not reach cluster_state:ok")

    def master_of_slot(self, slot):
        """The port of the master serving a slot, as a live node sees it."""
        for start, end, master, *_ in self.client(self.alive()[0]).execute_command("CLUSTER SLOTS"):
            if start <= slot <= end:
                return int(master[1])
        raise RuntimeError("slot %d has no master" % slot)

    def master_of_key(self, key):
        return self.master_of_slot(self.client(self.alive()[0]).cluster("keyslot", key))

    def kill(self, port):
        self.processes[port].kill()
        self.processes[port].wait()

    def stop(self):
        for process in self.processes.values():
            if process.poll() is None:
                process.kill()
                process.wait()
