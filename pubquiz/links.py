"""The links people copy or scan: the join link and its QR code, the marker link.

They are built on PUBQUIZ_PUBLIC_URL, else on the address the game's host opened the console at,
else they are relative. Never on the Host header of the request at hand: anyone can send any
Host, and a team's join is what pushes the console the fragment with the marker link in it."""

import ipaddress
from urllib.parse import urlsplit

import psutil
import segno
from flask import current_app, request, url_for
from flask_babel import gettext
from markupsafe import Markup

from . import db


def base(game):
    """The scheme, host and port phones reach this game at, or "" when nobody knows yet."""
    return current_app.config["PUBLIC_URL"] or game.get("console_url") or ""


def path_for(endpoint, **values):
    """url_for for pages and fragments: a path, also outside a request, where Flask's url_for
    would make every link absolute on the background's URL adapter."""
    values.setdefault("_external", False)
    return url_for(endpoint, **values)


def external(game, endpoint, **values):
    return base(game) + path_for(endpoint, **values)


def join_url(game):
    return external(game, "play.join", code=game["code"])


def qr_svg(url):
    """The QR code of an absolute URL; None for a relative one, which no phone camera can open."""
    if not urlsplit(url).scheme:
        return None
    svg = segno.make(url, error="m").svg_inline(
        scale=1, border=2, omitsize=True, title=gettext("QR code to join the game")
    )
    return Markup(svg)  # segno's own markup; the URL inside is encoded as modules, not text


def remember_console(game_id):
    """The logged-in owner opened the console: phones should reach us the way that browser did."""
    if not current_app.config["PUBLIC_URL"]:
        db.run("set_console_url", id=game_id, url=request.host_url.rstrip("/"))


def is_loopback(url):
    host = urlsplit(url).hostname or ""
    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def lan_addresses():
    """This machine's IPv4 addresses another device on its network could reach."""
    found = []
    for addresses in psutil.net_if_addrs().values():
        for address in addresses:
            if address.family.name == "AF_INET":
                ip = ipaddress.ip_address(address.address)
                if not (ip.is_loopback or ip.is_link_local):
                    found.append(address.address)
    return found


def loopback_warning(game):
    """When the links point phones at this machine's loopback, what to tell the host: the
    address the console was opened at, and the console at each LAN address (opening it there is
    what changes the links), if the server listens on them (`pubquiz serve --host 127.0.0.1`
    does not). None when the links are fine."""
    here = base(game)
    if not here or not is_loopback(here):
        return None
    listening = current_app.config["LISTEN_HOST"]
    port = urlsplit(here).port
    alternatives = []
    if not (listening and is_loopback(f"http://{listening}")):
        path = path_for("host.console", code=game["code"])
        for address in lan_addresses():
            origin = f"http://{address}:{port}" if port else f"http://{address}"
            alternatives.append((origin, origin + path))
    return {"host": urlsplit(here).hostname, "alternatives": alternatives}


def background_context(app):
    """What work outside requests (deadlines, counts, republishing) renders in: an app context,
    not a pretend request. Its URL adapter is bound to PUBQUIZ_PUBLIC_URL when set; otherwise to
    a name that cannot resolve, so a template that asked it for an absolute URL (instead of
    calling external()) would show as broken rather than point phones somewhere plausible.
    Templates build paths with path_for (their url_for)."""
    public = urlsplit(app.config["PUBLIC_URL"] or "http://pubquiz.invalid")
    context = app.app_context()
    context.url_adapter = app.url_map.bind(
        public.netloc, script_name=app.config["APPLICATION_ROOT"], url_scheme=public.scheme
    )
    return context
