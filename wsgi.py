"""Production entry point for gunicorn's gevent worker: `gunicorn -c deploy/gunicorn.conf.py wsgi:app`."""
from gevent import monkey

monkey.patch_all()  # first: before anything imports psycopg, redis or ssl

from pubquiz import create_app  # noqa: E402

app = create_app()
