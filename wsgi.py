"""Production entry point for gunicorn's gevent worker: `gunicorn -c deploy/gunicorn.conf.py wsgi:app`."""

from gevent import monkey

monkey.patch_all()  # first: before anything imports psycopg, redis or ssl

import sys  # noqa: E402

from pubquiz import create_app  # noqa: E402
from pubquiz.config import SettingsError  # noqa: E402

try:
    app = create_app()
except SettingsError as error:  # a message for the operator, not a traceback
    sys.exit(f"pubquiz: {error}")
