"""The Content-Security-Policy is strong, read from the responses themselves (not compared with the
app's own constant): scripts only from this site, never inline; and no page carries an inline
script, an event-handler attribute or a javascript: URL that such a policy would have to allow."""

import re

from helpers import CHOICE, TEXT
from night import game_id

INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.I)
HANDLER_ATTRIBUTE = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)


def directives(header):
    parsed = {}
    for part in filter(None, (p.strip() for p in header.split(";"))):
        name, *values = part.split()
        parsed[name.lower()] = values
    return parsed


def pages_of_a_night(app, host, new_team):
    """(path, response) for every kind of page a night shows, as the person who sees it."""
    quiz_id = host.create_quiz(questions=[CHOICE, TEXT])
    code = host.start_game(quiz_id)
    team = new_team()
    team.join(code, "Alpha")
    seen = []
    for path, who in (
        ("/", team),
        ("/login", team),
        ("/register", team),
        (f"/join/{code}", new_team()),
        ("/quizzes", host),
        (f"/quizzes/{quiz_id}", host),
        (f"/host/{code}", host),
        (f"/host/{code}/teams", host),
        (f"/host/{code}/scores", host),
        (f"/host/{code}/audit", host),
        (f"/mark/{code}", host),
        (f"/screen/{code}", team),
        (f"/play/{code}", team),
        ("/no-such-page", team),
    ):
        seen.append((path, who.get(path)))
    for action in ("start", "open_question"):
        host.act(code, action)
    seen += [
        (f"/play/{code} (question)", team.get(f"/play/{code}")),
        (f"/screen/{code} (question)", team.get(f"/screen/{code}")),
        (f"/host/{code} (question)", host.get(f"/host/{code}")),
    ]
    assert game_id(app, code)
    return seen


def test_every_page_has_a_policy_without_inline_scripts(app, host, new_team):
    for path, response in pages_of_a_night(app, host, new_team):
        assert response.status_code < 500, path
        policy = directives(response.headers.get("Content-Security-Policy", ""))
        assert policy.get("script-src") == ["'self'"], (path, policy)
        assert policy.get("default-src") == ["'self'"], (path, policy)
        assert policy.get("base-uri") == ["'self'"] and policy.get("frame-ancestors") == ["'none'"], path
        body = response.get_data(as_text=True)
        assert not INLINE_SCRIPT.search(body), (path, INLINE_SCRIPT.search(body).group(0))
        assert not HANDLER_ATTRIBUTE.search(body), (path, HANDLER_ATTRIBUTE.search(body).group(0))
        assert "javascript:" not in body.lower(), path
