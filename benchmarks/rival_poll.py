"""Comparison harness (a), the seed's design: every client polls its game's state over HTTP once a
second and every poll reads the state row from PostgreSQL. Served like pubquiz (gunicorn gevent
workers from deploy/gunicorn.conf.py, behind the same Nginx):

    gunicorn -c deploy/gunicorn.conf.py benchmarks.rival_poll:app

GET /poll/<game>/state   one SELECT of the game's row -> {"v": version, "html": ...}
POST /poll/<game>/update one UPDATE (the host's change) -> {"v": new version}
Table bench_state (id, version, html) is created by the runner (compare.SCHEMA).
"""

from gevent import monkey

monkey.patch_all()

import os  # noqa: E402

from flask import Flask, jsonify  # noqa: E402
from psycopg_pool import ConnectionPool  # noqa: E402

app = Flask(__name__)
pool = ConnectionPool(
    os.environ["DATABASE_URL"],
    min_size=1,
    max_size=int(os.environ.get("PUBQUIZ_DB_POOL_SIZE") or 10),
    kwargs={"autocommit": True},
    open=False,
)
pool.open(wait=False)


@app.get("/healthz")
def healthz():
    return {"status": "ok"}


@app.get("/poll/<int:game>/state")
def state(game):
    with pool.connection() as conn:
        row = conn.execute("select version, html from bench_state where id = %s", (game,)).fetchone()
    return jsonify(v=row[0], html=row[1])


@app.post("/poll/<int:game>/update")
def update(game):
    with pool.connection() as conn:
        row = conn.execute(
            "update bench_state set version = version + 1 where id = %s returning version", (game,)
        ).fetchone()
    return jsonify(v=row[0])
