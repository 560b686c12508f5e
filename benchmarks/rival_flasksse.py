"""Comparison harness (b): flask-sse 1.0.0 as published (pip install flask-sse==1.0.0): one Redis
pub/sub subscription (and connection) per client, one channel per game. Served like pubquiz
(gunicorn gevent workers from deploy/gunicorn.conf.py, behind the same Nginx):

    gunicorn -c deploy/gunicorn.conf.py benchmarks.rival_flasksse:app

GET /screen/<name>/events?channel=g<game>  flask-sse's own stream view (the path is one that
                                           deploy/nginx.conf streams without buffering)
POST /publish/<game>                       sse.publish(fragment, id=<n>, channel="g<game>")
"""

from gevent import monkey

monkey.patch_all()

import os  # noqa: E402

import redis  # noqa: E402
from flask import Flask  # noqa: E402
from flask_sse import sse  # noqa: E402

app = Flask(__name__)
app.config["REDIS_URL"] = os.environ["REDIS_URL"]
app.register_blueprint(sse, url_prefix="/sse")
counter = redis.Redis.from_url(os.environ["REDIS_URL"])
FRAGMENT = os.environ.get("BENCH_FRAGMENT", "<section id='stage'>" + "x" * 1500 + "</section>")


@app.get("/healthz")
def healthz():
    return {"status": "ok"}


@app.get("/screen/<name>/events")
def events(name):
    return sse.stream()


@app.post("/publish/<int:game>")
def publish(game):
    event_id = counter.incr("bench:ids")
    sse.publish(FRAGMENT, id=str(event_id), channel="g%d" % game)
    return {"id": event_id}
