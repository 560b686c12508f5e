"""Host accounts and CSRF, against the real database."""
from helpers import Browser, HostActions


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
    response = browser.post("/login?next=//evil.example/steal",
                            {"email": "host@example.org", "password": "correct horse battery"})
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
    assert again.post("/login", {"email": "host@example.org", "password": "correct horse battery"}).status_code == 303
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
    assert browser.post("/login", {"email": "host@example.org", "password": "correct horse battery"}).status_code == 303
    with browser.client.session_transaction() as after:
        assert "teams" not in after and after.get("csrf") != "planted-token"
