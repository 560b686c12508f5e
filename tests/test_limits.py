"""Rate limits: they trigger, say so kindly, and reset, with memory and with Redis storage."""
import time

import pytest

pytestmark = pytest.mark.parametrize("backend", ["memory", "redis"], indirect=True)


def test_failed_joins_are_limited_per_address_and_the_limit_resets(app, host, new_team):
    app.config["LIMIT_JOIN"] = "3 per 2 second"
    code = host.start_game(host.create_quiz(questions=[]))
    guesser = new_team()
    for attempt in range(3):
        assert guesser.join(f"WRONG{attempt}", "Guessers").status_code == 422
    limited = guesser.join("WRONG9", "Guessers")
    assert limited.status_code == 429
    assert "Too many attempts from here" in limited.get_data(as_text=True)
    # Even the right code waits until the window has passed: guessing cannot continue.
    assert guesser.join(code, "Guessers").status_code == 429
    time.sleep(2.1)
    assert guesser.join(code, "Guessers").status_code == 303


def test_successful_joins_do_not_count(app, host, new_team):
    """Fifty teams behind one pub router share an address: joining must not lock them out."""
    app.config["LIMIT_JOIN"] = "3 per minute"
    code = host.start_game(host.create_quiz(questions=[]))
    for number in range(6):
        assert new_team().join(code, f"Team {number}").status_code == 303


def test_unknown_codes_on_the_projector_url_are_limited(app, client):
    app.config["LIMIT_LOOKUP"] = "2 per minute"
    assert client.get("/screen/AAAAAA").status_code == 404
    assert client.get("/screen/BBBBBB").status_code == 404
    assert client.get("/screen/CCCCCC").status_code == 429


def test_logins_are_limited_per_account(app, host):
    from helpers import HostActions

    app.config["LIMIT_LOGIN_ACCOUNT"] = "2 per minute"
    for _ in range(2):
        attacker = HostActions(app)
        assert attacker.post("/login", {"email": "host@example.org", "password": "guess guess"}).status_code == 422
    attacker = HostActions(app)
    assert attacker.post("/login", {"email": "HOST@example.org", "password": "guess again"}).status_code == 429


def test_behind_a_trusted_proxy_limits_key_on_the_real_client(app, host, new_team):
    app.config["LIMIT_JOIN"] = "1 per minute"
    from werkzeug.middleware.proxy_fix import ProxyFix

    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1)
    first, second = new_team(), new_team()
    first.client.environ_base["HTTP_X_FORWARDED_FOR"] = "203.0.113.1"
    second.client.environ_base["HTTP_X_FORWARDED_FOR"] = "203.0.113.2"
    assert first.join("NOPE22", "A").status_code == 422
    assert first.join("NOPE23", "A").status_code == 429
    assert second.join("NOPE24", "B").status_code == 422  # another client behind the same proxy
