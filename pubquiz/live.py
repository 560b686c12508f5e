"""Publishing after commit: render each audience's fragments once per change and hand them to the
bus; push answer counts coalesced; close questions at their deadlines; keep the answer partitions ahead."""

import logging
import threading
import time

from flask import current_app

from . import csrf, db, events, games, i18n, links, metrics, partitions, seasons, snapshot

log = logging.getLogger(__name__)
# The answer partitions ahead are checked on the first sweep and then daily: months in advance,
# a day late is never late.
PARTITIONS_EVERY_SECONDS = 24 * 3600


def last_event_id(game_id):
    """The id a page is rendered at, for its stream to continue from (START before the game's
    first event). If the bus cannot say (Redis is down), an id no history holds: the stream will
    start with the full state."""
    bus = current_app.extensions["bus"]
    try:
        return bus.last_id(game_id) or events.START
    except Exception as error:
        log.warning("no last event id for game %s: %s", game_id, error)
        return "unknown"


def render_pushed(template, **context):
    """Render a fragment that goes to many clients: it must carry nobody's CSRF token, and it
    takes nothing from the request. So it is Jinja's render, not Flask's render_template, which
    would add this request's context and send its signals: a fifth of a small fragment's CPU."""
    token = csrf.rendering_pushed.set(True)
    try:
        with i18n.one_catalogue():
            return current_app.jinja_env.get_template(template).render(context)
    finally:
        csrf.rendering_pushed.reset(token)


def publish(snap, audio=False, extra=None):
    """Push a game's state, as its change's transaction built it (snap), to everyone watching it;
    call after that transaction commits. audio: the projector's player changed too (it is sent
    only then, or every update would restart the music). extra: more fragments for some
    audiences, rendered by the caller. The console speaks its host's language, every other
    audience the game's."""
    with i18n.speaking(snap.game.get("host_language") or i18n.DEFAULT):
        parts = {"host": render_pushed("host/_console.html", snap=snap)}
    with i18n.speaking(snap.game["language"]):
        parts.update(_game_audiences(snap, audio))
    for audience, html in (extra or {}).items():
        parts[audience] = parts.get(audience, "") + html
    metrics.PUBLISHED.inc()
    return current_app.extensions["bus"].publish(snap.game["id"], parts, ended=snap.phase == "ended")


def _game_audiences(snap, audio):
    """The projector's, the phones' and the markers' fragments, each rendered once."""
    parts = {
        "screen": render_pushed("screen/_stage.html", snap=snap, league=seasons.on_screen(snap)),
        "player": render_pushed("play/_stage.html", snap=snap, team=None, answer=None, result=None),
    }
    if snap.phase == "ended" or (snap.phase == "closed" and snap.question["kind"] == "text"):
        # Markers learn of a free-text question ready for marking.
        parts["marking"] = render_pushed("marking/_nav.html", snap=snap, question=None)
    if audio:
        parts["screen"] += render_pushed("screen/_audio.html", snap=snap)
    if _teams_differ(snap):
        # The only per-team part: each team's own answer, result, rank, joker or tie-break. Teams
        # with the same result (same answer, points and place) share one rendering.
        rendered = {}
        for team in snap.phone_teams:
            result = snap.result_of(team["id"])
            if result not in rendered:
                rendered[result] = render_pushed("play/_result.html", snap=snap, result=result)
            parts["team:%d" % team["id"]] = rendered[result]
    return parts


def _teams_differ(snap):
    """Whether the phones show something of their team's own now (its answer once closed, results
    and ranks, a joker to play): only then is a fragment rendered per team. An open question is the
    same for all."""
    if snap.phase in ("closed", "reveal", "leaderboard", "tiebreak", "ended"):
        return True
    return snap.phase in ("lobby", "intro") and any(r["joker_eligible"] for r in snap.outline.rounds)


def publish_pick(game_id, team_id):
    """A team of several phones changed (or locked) its pick: show it on all of them."""
    row = db.one("game_by_id", id=game_id)
    if row is None or row["phase"] != "question":  # deleted with its quiz meanwhile, or closed
        return
    answer = db.one(
        "answer_of_team", game_created_at=row["created_at"], team_id=team_id, question_id=row["question_id"]
    )
    with i18n.speaking(row["language"]):
        html = render_pushed(
            "play/_answer_box.html",
            code=row["code"],
            question_id=row["question_id"],
            question=db.one("question_by_id", id=row["question_id"]),
            answer=answer,
            problem=None,
        )
    metrics.PUBLISHED.inc()
    current_app.extensions["bus"].publish(game_id, {"team:%d" % team_id: html})


class Background:
    """Work that runs outside requests in each process: coalesced answer counts and deadlines."""

    def __init__(self, app):
        self.app = app
        self._pending = set()
        self._timers = set()
        self._lock = threading.Lock()
        self._stopped = threading.Event()

    def _later(self, seconds, work, *args):
        def run():
            with self._lock:
                self._timers.discard(timer)
            self._in_app(work, *args)

        timer = threading.Timer(seconds, run)
        timer.daemon = True
        with self._lock:
            self._timers.add(timer)
        timer.start()

    def _in_app(self, work, *args):
        # Errors are logged, never kill the thread.
        try:
            with links.background_context(self.app):
                work(*args)
        except Exception:
            log.exception("background work %s failed", work.__name__)
            metrics.ERRORS.labels("background").inc()

    # Answer counts: at most one push per game per COUNT_INTERVAL, however many answers arrive.
    def answer_accepted(self, game_id, game_created_at, question_id):
        with self._lock:
            if game_id in self._pending:
                return
            self._pending.add(game_id)
        self._later(
            self.app.config["COUNT_INTERVAL"], self._push_count, game_id, game_created_at, question_id
        )

    def pick_changed(self, game_id, team_id):
        key = ("pick", team_id)
        with self._lock:
            if key in self._pending:
                return
            self._pending.add(key)
        self._later(0.05, self._push_pick, game_id, team_id)

    def _push_pick(self, game_id, team_id):
        with self._lock:
            self._pending.discard(("pick", team_id))
        publish_pick(game_id, team_id)

    def _push_count(self, game_id, game_created_at, question_id):
        with self._lock:
            self._pending.discard(game_id)
        counts = db.one(
            "count_answers", game_id=game_id, game_created_at=game_created_at, question_id=question_id
        )
        if counts is None:  # deleted with its quiz meanwhile
            return
        rendered = {}  # by language: the console's and the projector's are one rendering when they agree
        for language in (counts["host_language"], counts["language"]):
            if language not in rendered:
                with i18n.speaking(language):
                    rendered[language] = render_pushed(
                        "host/_answer_count.html",
                        question_id=question_id,
                        answered=counts["answered"],
                        team_count=counts["teams"],
                    )
        with i18n.speaking(counts["host_language"]):
            waiting = render_pushed(
                "host/_waiting.html",
                question_id=question_id,
                answered=counts["answered"],
                waiting=counts["waiting"],
            )
        metrics.PUBLISHED.inc()
        parts = {"host": rendered[counts["host_language"]] + waiting, "screen": rendered[counts["language"]]}
        current_app.extensions["bus"].publish(game_id, parts)

    # Deadlines: an exact timer in the process that opened the question, and a periodic sweep
    # in every process for questions opened elsewhere or before a restart. close_due() makes
    # sure each question closes once, whichever gets there first.
    def deadline_in(self, seconds):
        self._later(max(0.0, seconds) + 0.05, self._close_due)

    def republish(self, game_ids):
        """After a bus outage: publish the current state of games whose events were lost."""
        for game_id in game_ids:
            self._in_app(self._republish, game_id)

    def _republish(self, game_id):
        publish(snapshot.load(game_id))  # nothing changed: the state is read, as a page reads it

    def _close_due(self):
        for snap in games.close_due():
            publish(snap)

    def start_sweeping(self):
        interval = self.app.config["DEADLINE_SWEEP_SECONDS"]
        if interval <= 0:
            return
        thread = threading.Thread(
            target=self._sweep_loop, args=(interval,), daemon=True, name="pubquiz-deadlines"
        )
        thread.start()

    def _sweep_loop(self, interval):
        next_partitions = 0.0
        while not self._stopped.wait(interval):
            self._in_app(self._close_due)
            if time.monotonic() >= next_partitions:
                next_partitions = time.monotonic() + PARTITIONS_EVERY_SECONDS
                self._in_app(self._create_partitions)

    def _create_partitions(self):
        created = partitions.create_ahead(self.app.config["ANSWER_MONTHS_AHEAD"])
        if created:
            log.info("created answer partitions %s", ", ".join(created))

    def stop(self):
        self._stopped.set()
        with self._lock:
            timers, self._timers = self._timers, set()
        for timer in timers:
            timer.cancel()
