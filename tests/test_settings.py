"""Secrets come from the environment: what the app refuses to start with, said in words, and the
laptop's generated key."""

import os
import stat
import subprocess
import sys

import pytest

from pubquiz import config


def settings(tmp_path, **changes):
    return dict({"SECRET_KEY": "", "REDIS_URL": "", "INSTANCE_DIR": str(tmp_path)}, **changes)


def test_a_laptop_without_a_key_gets_one_generated_once_and_readable_only_by_its_owner(tmp_path):
    first = config.secret_key(settings(tmp_path))
    assert len(first) >= 32
    assert config.secret_key(settings(tmp_path)) == first  # cookies survive a restart
    assert stat.S_IMODE((tmp_path / "secret_key").stat().st_mode) == 0o600


def test_several_processes_must_be_given_the_key(tmp_path):
    with pytest.raises(config.SettingsError, match="SECRET_KEY must be set when REDIS_URL is"):
        config.secret_key(settings(tmp_path, REDIS_URL="redis://127.0.0.1:6379/0"))
    assert not (tmp_path / "secret_key").exists()
    given = "k" * config.MIN_SECRET_KEY
    assert (
        config.secret_key(settings(tmp_path, REDIS_URL="redis://127.0.0.1:6379/0", SECRET_KEY=given)) == given
    )


def test_a_short_key_is_refused(tmp_path):
    with pytest.raises(config.SettingsError, match="SECRET_KEY is too short"):
        config.secret_key(settings(tmp_path, SECRET_KEY="secret"))


@pytest.mark.parametrize(
    "command", [["-m", "pubquiz.cli", "migrate"], ["-c", "import wsgi"]], ids=["cli", "gunicorn-worker"]
)
def test_the_operator_reads_what_to_change_not_a_traceback(tmp_path, command):
    env = dict(os.environ, REDIS_URL="redis://127.0.0.1:6379/0", PUBQUIZ_INSTANCE_DIR=str(tmp_path))
    env.pop("SECRET_KEY", None)
    result = subprocess.run(
        [sys.executable, *command], env=env, cwd=config.ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1
    assert "SECRET_KEY must be set when REDIS_URL is" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "url", ["redis+cluster://10.0.0.5", "redis+cluster://:secret@10.0.0.5:7000,10.0.0.6"]
)
def test_a_cluster_url_without_a_port_says_how_to_write_one(url):
    from pubquiz.redis_client import cluster_nodes

    with pytest.raises(config.SettingsError, match=r"is not host:port. A Redis Cluster is written"):
        cluster_nodes(url)


def test_a_cluster_url_names_its_nodes_and_password():
    from pubquiz.redis_client import cluster_nodes

    nodes, password = cluster_nodes("redis+cluster://:s%40cret@10.0.0.5:7000,10.0.0.6:7001")
    assert [(node.host, node.port) for node in nodes] == [("10.0.0.5", 7000), ("10.0.0.6", 7001)]
    assert password == "s@cret"
