"""API tokens: a host's opaque, scoped, revocable keys for the JSON API (api.py).

Why opaque tokens and not signed JWTs: a pub's Stream Deck button keeps its token for months,
and a host who loses the laptop must be able to stop it at once from the tokens page. A row per
token gives that (revoked_at, checked on every request) with nothing to rotate; a JWT is valid
until it expires whatever the host does, unless every request looks it up anyway.

A token is "pq_" and 32 random bytes, shown once when made. Only its SHA-256 is stored: 256
random bits need no slow hash (nothing to guess), and a copy of the database acts as no one.
Looking a token up by its hash leaks nothing through timing: the hash of a guess says nothing
about the tokens near it."""

import hashlib
import secrets

from . import db
from .rules import N_

PREFIX = "pq_"
# What a token may do, in the words of the tokens page.
SCOPES = {
    "games:control": N_("Drive a game: next, reveal, pause, resume, and read where it is"),
    "games:create": N_("Start a game from one of your quizzes"),
    "results:read": N_("Read a game's results"),
    "quizzes:import": N_("Import a quiz file"),
}
MAX_NAME = 80


def digest(token):
    return hashlib.sha256(token.encode()).hexdigest()


def create(host_id, name, scopes):
    """(the new token's text, to show once; its id)."""
    token = PREFIX + secrets.token_urlsafe(32)
    token_id = db.one(
        "insert_api_token", host_id=host_id, name=name, scopes=sorted(scopes), token_hash=digest(token)
    )["id"]
    return token, token_id


def of_host(host_id):
    return db.all("api_tokens_of_host", host_id=host_id)


def revoke(host_id, token_id):
    """True when the token is this host's (and now revoked, if it was not), False otherwise."""
    return db.one("revoke_api_token", id=token_id, host_id=host_id) is not None


def authenticate(authorization):
    """The token's row (id, name, scopes, host_id and the host's email) for an Authorization
    header "Bearer pq_...", marked as used now; None for no token, a wrong one or a revoked one."""
    scheme, _, token = (authorization or "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token.startswith(PREFIX) or len(token) > 100:
        return None
    return db.one("use_api_token", token_hash=digest(token))
