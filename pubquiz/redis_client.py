"""Clients for REDIS_URL: one Redis server (redis://...), or a Redis Cluster
(redis+cluster://[:password@]host:port[,host:port...], any of its nodes: the others are found; the
same scheme the rate limiter's storage takes). The rest of pubquiz asks here for a client and
does not care which it is."""

import time
from urllib.parse import unquote

import redis
from redis.cluster import ClusterNode, RedisCluster
from redis.exceptions import ClusterError, RedisClusterException

from .config import SettingsError

CLUSTER_SCHEME = "redis+cluster://"

# What a client raises when Redis (or the shard a key lives on) cannot answer now.
UNAVAILABLE = (redis.ConnectionError, redis.TimeoutError, ClusterError, RedisClusterException, OSError)

# When a master fails, its replica takes over after cluster-node-timeout and an election: 2 s
# measured with a node timeout of 1 s (tests/cluster/test_redis_cluster.py).
FAILOVER_SECONDS = 5


def is_cluster(url: str) -> bool:
    return url.startswith(CLUSTER_SCHEME)


def cluster_nodes(url: str) -> tuple[list[ClusterNode], str | None]:
    """The startup nodes and the password of a redis+cluster:// URL."""
    rest = url[len(CLUSTER_SCHEME) :].split("/", 1)[0]
    password = None
    if "@" in rest:
        credentials, rest = rest.rsplit("@", 1)
        password = unquote(credentials.partition(":")[2]) or None
    nodes = []
    for location in rest.split(","):
        host, _, port = location.rpartition(":")
        if not host or not port.isdigit():
            raise SettingsError(
                f"REDIS_URL: {location!r} is not host:port. A Redis Cluster is written "
                "redis+cluster://[:password@]host:port[,host:port...]."
            )
        nodes.append(ClusterNode(host, int(port)))
    return nodes, password


def connect(url: str, timeout: float | None = 2, wait: float | None = None, **options):
    """A client. timeout: seconds a command may take (None: no limit, for a subscriber). wait:
    seconds a caller waits for a free connection when all are busy (a pub's phones reconnecting
    at once) rather than fail past redis-py's default of 100; None: the default pool."""
    options.update(socket_timeout=timeout, socket_connect_timeout=min(timeout or 3, 3))
    if is_cluster(url):
        nodes, password = cluster_nodes(url)
        return RedisCluster(startup_nodes=nodes, password=password, **options)
    if wait is None:
        return redis.Redis.from_url(url, **options)
    return redis.Redis(connection_pool=redis.BlockingConnectionPool.from_url(url, timeout=wait, **options))


def through_failover(command):
    """command(), tried again for up to FAILOVER_SECONDS while the cluster cannot answer (its
    client retries a moved slot or a lost connection at once, which a failover outlasts)."""
    give_up = time.monotonic() + FAILOVER_SECONDS
    while True:
        try:
            return command()
        except UNAVAILABLE:
            if time.monotonic() > give_up:
                raise
            time.sleep(0.2)
