"""Host accounts and CSRF, against the real database."""

from urllib.parse import urlsplit

import hypothesis.strategies as st
import pytest
from helpers import Browser, HostActions, csrf_token
from hypothesis import HealthCheck, given, settings

GUESS = {"email": "host@example.org", "password": "guess guess"}
RIGHT = {"email": "host@example.org", "password": "correct horse battery"}


def test_register_logs_in_and_shows_my_quizzes(app):
    host = HostActions(app)
    response = host.register("quizmaster@example.org")
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/quizzes")
    assert "My quizzes" in host.get("/quizzes").get_data(as_text=True)


def test_password_is_stored_hashed_with_a_kdf(app, host):
    with app.app_context():
        from pubquiz import db

        stored = db.one("host_by_email", email="host@example.org")["password_hash"]
    assert "correct horse" not in stored
    assert stored.startswith("scrypt:")


def test_register_rejects_short_password_and_duplicate_email(app, host):
    other = HostActions(app)
    short = other.post("/register", {"email": "new@example.org", "password": "short"})
    assert short.status_code == 422
    assert "at least 10 characters" in short.get_data(as_text=True)
    duplicate = other.post("/register", {"email": "HOST@example.org", "password": "long enough password"})
    assert duplicate.status_code == 422
    assert "already an account" in duplicate.get_data(as_text=True)


def test_login_wrong_password_then_right(app, host):
    browser = HostActions(app)
    wrong = browser.post("/login", {"email": "host@example.org", "password": "not the password"})
    assert wrong.status_code == 422
    assert "Wrong email or password" in wrong.get_data(as_text=True)
    right = browser.post("/login", {"email": "host@example.org", "password": "correct horse battery"})
    assert right.status_code == 303 and right.headers["Location"].endswith("/quizzes")


def test_login_does_not_redirect_off_site(app, host):
    browser = HostActions(app)
    response = browser.post(
        "/login?next=//evil.example/steal", {"email": "host@example.org", "password": "correct horse battery"}
    )
    assert response.headers["Location"] == "/quizzes"


def test_logout_ends_the_session(host):
    assert host.post("/logout").status_code == 303
    assert host.get("/quizzes").status_code == 303  # back to the login page


def test_post_without_csrf_token_is_refused(app):
    browser = Browser(app)
    browser.get("/")
    response = browser.client.post("/join", data={"code": "ABCDEF", "name": "Sneaky"})
    assert response.status_code == 400
    assert "did not come from this site" in response.get_data(as_text=True)


def test_quizzes_require_login(client):
    response = client.get("/quizzes")
    assert response.status_code == 303
    assert "/login" in response.headers["Location"]


def test_logout_ends_copies_of_the_session_cookie_too(app, host):
    stolen = host.client.get_cookie("session").value
    assert host.post("/logout").status_code == 303
    thief = HostActions(app)
    thief.client.set_cookie("session", stolen)
    response = thief.get("/quizzes")
    assert response.status_code == 303 and "/login" in response.headers["Location"]
    again = HostActions(app)
    assert (
        again.post("/login", {"email": "host@example.org", "password": "correct horse battery"}).status_code
        == 303
    )
    again.forget_token()
    assert again.get("/quizzes").status_code == 200  # a new login works


def test_session_cookie_flags(app):
    browser = HostActions(app)
    browser.register("cookies@example.org")
    cookie = browser.client.get_cookie("session")
    assert cookie.http_only and cookie.same_site == "Lax"
    assert not cookie.secure  # plain HTTP on a laptop: a Secure cookie would never come back


def test_session_cookie_is_secure_behind_https(request, monkeypatch):
    from helpers import app_with_environment

    app = app_with_environment(request, monkeypatch, PUBQUIZ_SECURE_COOKIES="1")
    browser = HostActions(app)
    response = browser.client.get("/", base_url="https://quiz.example.org")
    header = response.headers["Set-Cookie"]
    assert "Secure" in header and "HttpOnly" in header and "SameSite=Lax" in header


def test_login_replaces_a_planted_session(app, host):
    """Session fixation: whatever was in the cookie before login does not survive it."""
    browser = HostActions(app)
    with browser.client.session_transaction() as planted:
        planted["teams"] = {"ABCDEF": [1, "planted"]}
        planted["csrf"] = "planted-token"
    browser._token = "planted-token"
    assert (
        browser.post("/login", {"email": "host@example.org", "password": "correct horse battery"}).status_code
        == 303
    )
    with browser.client.session_transaction() as after:
        assert "teams" not in after and after.get("csrf") != "planted-token"


def test_wrong_passwords_from_many_addresses_do_not_lock_the_owner_out(app, host):
    """Ten wrong passwords from ten addresses spend the account's budget for browsers it has
    never seen; the owner's own browser, on an eleventh address (the pub's Wi-Fi), still logs in."""
    assert host.post("/logout").status_code == 303
    for number in range(10):
        attacker = HostActions(app)
        attacker.client.environ_base["REMOTE_ADDR"] = f"198.51.100.{number + 1}"
        assert attacker.post("/login", GUESS).status_code == 422
    stranger = HostActions(app)
    stranger.client.environ_base["REMOTE_ADDR"] = "198.51.100.11"
    refused = stranger.post("/login", {"email": "host@example.org", "password": "guess again"})
    assert refused.status_code == 429  # the guessing stays bounded
    host.forget_token()
    host.client.environ_base["REMOTE_ADDR"] = "203.0.113.11"
    assert host.post("/login", dict(RIGHT, email="HOST@example.org")).status_code == 303


def test_a_browser_trusted_for_one_account_is_a_stranger_to_another(app, host):
    """The trust a login leaves in the browser names its account: an attacker logging in to their
    own account gets no budget of their own against anyone else's."""
    attacker = HostActions(app)
    assert attacker.register("attacker@example.org").status_code == 303
    for _ in range(10):
        assert attacker.post("/login", GUESS).status_code == 422
    fresh = HostActions(app)
    fresh.client.environ_base["REMOTE_ADDR"] = "198.51.100.99"
    assert fresh.post("/login", {"email": "host@example.org", "password": "guess"}).status_code == 429


@pytest.mark.parametrize(
    "target",
    [
        "/%09/evil.example/",
        "/%5Cevil.example",
        "/%5C%09evil.example",
        "%20//evil.example",
        "/%0A/evil.example",
        "https://evil.example/",
        "//evil.example",
        "javascript:alert(1)",
        "/%E3%80%80/evil.example",
    ],
)
def test_login_never_redirects_to_another_site(app, host, target):
    response = HostActions(app).post(
        f"/login?next={target}", {"email": "host@example.org", "password": "correct horse battery"}
    )
    assert response.status_code == 303
    assert _same_site(response.headers["Location"]), response.headers["Location"]


def test_a_newline_in_next_is_no_header(app, host):
    response = HostActions(app).post(
        "/login?next=/%0D%0AX-Injected:1", {"email": "host@example.org", "password": "correct horse battery"}
    )
    assert response.status_code == 303 and "X-Injected" not in response.headers
    assert response.headers["Location"] == "/X-Injected:1"


def test_login_returns_to_the_page_that_asked_for_it(app, host):
    assert host.post("/logout").status_code == 303
    asked = host.get("/quizzes?page=2&q=caf%C3%A9")
    host.forget_token()
    response = host.post(asked.headers["Location"], RIGHT)
    assert response.headers["Location"] == "/quizzes?page=2&q=caf%C3%A9"


def _same_site(location):
    """A Location a browser opens on this site: ASCII, printable, a path that does not start with
    two slashes once backslashes are read as slashes."""
    return (
        location.isascii()
        and location.isprintable()
        and location.startswith("/")
        and location[1:2] not in ("/", "\\")
        and not urlsplit(location).netloc
    )


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    target=st.text(st.characters(codec="utf-8"), max_size=30)
    | st.lists(
        st.sampled_from(
            [
                "/",
                "\\",
                "\t",
                "\r\n",
                "%",
                "%2F",
                "%5C",
                "evil.example",
                ":",
                "@",
                "?",
                "#",
                " ",
                "\x00",
                "\u3000",
                "http:",
                ".",
            ]
        ),
        max_size=8,
    ).map(lambda parts: "/" + "".join(parts))
)
def test_any_next_value_ends_on_this_site(app, host, target):
    """Whatever next= holds (the test client encodes it once, as a link would): a 303 to a path
    on this site, or the quiz list; never a 500, never another site."""
    app.config["LIMIT_LOGIN_ADDRESS"] = app.config["LIMIT_LOGIN_ACCOUNT"] = "100000 per minute"
    response = host.client.post(
        "/login",
        query_string={"next": target},
        data={
            "email": "host@example.org",
            "password": "correct horse battery",
            "csrf_token": csrf_token(host.client),
        },
    )
    if "\x00" in target:
        assert response.status_code == 400  # refused at the door, like every NUL
        return
    assert response.status_code == 303, response.get_data(as_text=True)[:300]
    assert _same_site(response.headers["Location"]), repr(response.headers["Location"])
