"""The HTTP layer: what browsers and caches may keep, who may read /metrics, where a POST may
come from, HSTS, 405 for a method a route does not take, and what the team cookie holds."""

import pytest
from flask.sessions import SecureCookieSessionInterface
from helpers import CHOICE, TeamActions, csrf_token
from night import query
from test_access import ACCESS, ROLES, RULES, request_as, world  # noqa: F401 (world is a fixture)

from pubquiz import create_app

CSRF_REFUSED = "did not come from this site"


def test_every_page_but_media_and_static_files_is_no_store(app, world):  # noqa: F811
    """A page may carry a secret (the marker link, a team's PIN) or a person's state: none may be
    kept by the browser's history or a cache on the way. Decided by rule, so every route of the
    URL map is asked, as someone it lets in."""
    clients, params = world
    adapter = app.url_map.bind("localhost")
    problems = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or "GET" not in rule.methods:
            continue
        path = adapter.build(rule.endpoint, {name: params[name] for name in rule.arguments})
        if ACCESS[rule.endpoint] == "api-token":  # no browser gets in: the owner's API token does
            role = "host's API token"
            response = app.test_client().get(path, headers={"Authorization": "Bearer " + params["api_token"]})
        else:
            role = next(role for role in ROLES if role in RULES[ACCESS[rule.endpoint]])
            response = request_as(clients[role], "GET", path)
        cache = response.headers.get("Cache-Control", "")
        if rule.endpoint == "media.show":
            if cache != "public, max-age=31536000, immutable" or "Cookie" in response.headers.get("Vary", ""):
                problems.append(
                    f"GET {path} as {role}: media should be cacheable by anyone, got {cache!r}, "
                    f"Vary {response.headers.get('Vary')!r}"
                )
        elif "no-store" not in cache:
            problems.append(f"GET {path} ({rule.endpoint}) as {role}: {response.status_code}, {cache!r}")
    assert not problems, "\n".join(problems)
    refused = clients["host"].client.post(f"/host/{params['code']}/start")  # no CSRF token: an error page
    assert refused.status_code == 400 and "no-store" in refused.headers["Cache-Control"]


def test_a_static_file_asked_for_by_its_fingerprint_is_kept_for_a_year(app, client):
    page = client.get("/").get_data(as_text=True)
    css = page.split('<link rel="stylesheet" href="')[1].split('"')[0]
    assert "?v=" in css
    response = client.get(css)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    # The same for every cookie: a browser that joins a game keeps using what it has.
    assert "Cookie" not in response.headers.get("Vary", "")
    # An old or made-up fingerprint gets the current bytes, which must be asked for again.
    stale = client.get(css.split("?v=")[0] + "?v=0123456789ab")
    assert stale.status_code == 200 and "immutable" not in stale.headers.get("Cache-Control", "")
    assert "immutable" not in client.get(css.split("?v=")[0]).headers.get("Cache-Control", "")


@pytest.mark.parametrize("address", ["192.168.1.20", "10.0.0.7", "2001:db8::1"])
def test_metrics_are_not_shown_to_another_machine(client, address):
    response = client.get("/metrics", environ_base={"REMOTE_ADDR": address})
    assert response.status_code == 404
    assert "pubquiz_requests" not in response.get_data(as_text=True)


def test_metrics_are_shown_to_this_machine(client):
    for address in ("127.0.0.1", "::1"):
        response = client.get("/metrics", environ_base={"REMOTE_ADDR": address})
        assert response.status_code == 200 and "pubquiz_requests_total" in response.get_data(as_text=True)


def test_a_forwarded_request_from_loopback_is_not_this_machine(configured):
    """Behind Nginx on the same machine every request arrives from 127.0.0.1; the one it forwards
    is a stranger's, even if the stranger claims to be 127.0.0.1 himself."""
    app = configured(TRUSTED_PROXIES=1)
    client = app.test_client()
    for forwarded in ("203.0.113.9", "127.0.0.1"):
        response = client.get(
            "/metrics", headers={"X-Forwarded-For": forwarded}, environ_base={"REMOTE_ADDR": "127.0.0.1"}
        )
        assert response.status_code == 404, forwarded
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "127.0.0.1"}).status_code == 200


def test_metrics_with_the_token_from_anywhere(configured):
    client = configured(METRICS_TOKEN="scrape-me-please-0123").test_client()
    away = {"REMOTE_ADDR": "192.168.1.20"}
    with_token = client.get(
        "/metrics", headers={"Authorization": "Bearer scrape-me-please-0123"}, environ_base=away
    )
    assert with_token.status_code == 200 and "pubquiz_requests_total" in with_token.get_data(as_text=True)
    for wrong in ("Bearer scrape-me-please-0124", "scrape-me-please-0123", "Bearer "):
        assert client.get("/metrics", headers={"Authorization": wrong}, environ_base=away).status_code == 404


def test_a_post_from_another_site_is_refused_even_with_the_token(app, host):
    before = query(app, "select count(*) as n from quiz")
    for origin in ("http://evil.example", "http://localhost.evil.example", "null", "https://localhost"):
        response = post_from(origin, host, "/quizzes", {"title": "From elsewhere"})
        assert response.status_code == 400, origin
        assert CSRF_REFUSED in response.get_data(as_text=True)
    assert query(app, "select count(*) as n from quiz") == before
    # This site's own pages, and a client that names no page at all, go through as before.
    assert post_from("http://localhost", host, "/quizzes", {"title": "Ours"}).status_code == 303
    assert host.post("/quizzes", {"title": "No origin"}).status_code == 303


def test_a_post_from_the_public_url_is_this_site(configured):
    app = configured(PUBLIC_URL="https://quiz.example.org")
    team = TeamActions(app)
    response = post_from("https://quiz.example.org", team, "/join", {"code": "ZZZZZZ", "name": "Owls"})
    assert CSRF_REFUSED not in response.get_data(as_text=True)


def test_hsts_only_behind_https(configured):
    secure = configured(SESSION_COOKIE_SECURE=True).test_client()
    assert secure.get("/").headers["Strict-Transport-Security"] == "max-age=63072000"
    laptop = configured().test_client()
    assert "Strict-Transport-Security" not in laptop.get("/").headers


@pytest.mark.parametrize(
    "method, path",
    [("PUT", "/login"), ("DELETE", "/host/ABCDEF"), ("PATCH", "/join"), ("DELETE", "/quizzes")],
)
def test_a_method_a_route_does_not_take_is_405(client, method, path):
    response = client.open(path, method=method)
    assert response.status_code == 405
    assert "Not allowed" in response.get_data(as_text=True)
    assert CSRF_REFUSED not in response.get_data(as_text=True)


def test_the_team_cookie_holds_only_this_browsers_own_token_and_cannot_be_changed(app, host):
    """Signed, not encrypted (README, security table): whoever can read the cookie can send it,
    so hiding the token in it would protect nothing; what matters is that scripts cannot read it,
    that nothing else is in it, and that a changed cookie is nobody."""
    code = host.start_game(host.create_quiz(questions=[CHOICE]))
    team = TeamActions(app)
    assert team.join(code, "Otters").status_code == 303
    cookie = team.client.get_cookie("session")
    assert cookie.http_only and cookie.same_site == "Lax"
    serializer = SecureCookieSessionInterface().get_signing_serializer(app)
    content = serializer.loads(cookie.value)
    (member,) = query(app, "select id, token from member")
    assert content["teams"] == {code: [member["id"], member["token"]]}
    assert set(content) <= {"teams", "csrf", "_permanent"}
    assert team.get(f"/play/{code}").status_code == 200
    other = TeamActions(app)
    other.client.set_cookie("session", cookie.value[:-2] + ("AA" if cookie.value[-2:] != "AA" else "BB"))
    assert other.get(f"/play/{code}").status_code in (302, 303)


def post_from(origin, browser, path, data):
    """A form posted with this session's CSRF token, by a page of `origin`."""
    return browser.client.post(
        path, data=dict(data, csrf_token=csrf_token(browser.client)), headers={"Origin": origin}
    )


@pytest.fixture
def configured(clean_db, tmp_path):
    """Builds apps with settings of their own; closes them after the test."""
    apps = []

    def build(**config):
        apps.append(
            create_app(
                {
                    "TESTING": True,
                    "DATABASE_URL": clean_db,
                    "INSTANCE_DIR": str(tmp_path),
                    "SECRET_KEY": "test-secret-0123456789",
                    "DEADLINE_SWEEP_SECONDS": 0,
                    **config,
                }
            )
        )
        return apps[-1]

    yield build
    for app in apps:
        app.extensions["background"].stop()
        app.extensions["hub"].stop()
        app.extensions["bus"].close()
        app.extensions["db_pool"].close()
