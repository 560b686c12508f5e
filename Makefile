# One command to play, one to test. Both create .venv and install what they need.
PYTHON ?= python3
VENV ?= .venv
HOST ?= 0.0.0.0
PORT ?= 5000
BIN = $(VENV)/bin

.PHONY: install run test mutations bench bench-quick soak translations

$(BIN)/.installed: setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	$(BIN)/pybabel -q compile -d pubquiz/translations
	touch $@

install: $(BIN)/.installed

# One process migrates, creates the demo host and quiz if missing (its login is printed, the
# same every time) and serves on every network interface, printing first the address phones on
# the same Wi-Fi can open. Ctrl+C stops it.
run: install
	@$(BIN)/pubquiz serve --demo --host $(HOST) --port $(PORT)

# Tidiness first (ruff's lint and format check, configured in pyproject.toml), then the tests.
test: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -q

# The translators' one command: extract every marked string of the templates and the Python
# (babel.cfg) into messages.pot, merge it into each language's messages.po (new strings arrive
# empty, changed ones fuzzy), and compile the .mo files the app reads. The app also compiles a
# .po newer than its .mo when it starts, so a checkout or `pip install -e .` needs no build step.
translations: install
	$(BIN)/pybabel -q extract -F babel.cfg -k lazy_gettext --no-location --sort-output --project pubquiz -o pubquiz/translations/messages.pot .
	$(BIN)/pybabel -q update -i pubquiz/translations/messages.pot -d pubquiz/translations --no-wrap
	$(BIN)/pybabel compile -d pubquiz/translations --statistics

# The mutation check (tests/mutations/): each guarantee's break, applied alone to a copy of the
# tree, must make its tests fail. About five minutes; needs the same services as `make test`.
mutations: install
	$(BIN)/python tests/mutations/run.py

# Benchmarks (benchmarks/README.md): the production shape on loopback (gunicorn gevent workers,
# Nginx, a private redis-server, PostgreSQL at DATABASE_URL) driven over real HTTP. `bench` runs
# every scenario (several minutes) and rewrites benchmarks/results.json and RESULTS.md;
# `bench-quick` is the small smoke run (under a minute) that fails if an event or answer is lost.
bench: install
	@$(BIN)/python -c "import uvloop, flask_sse, matplotlib" 2>/dev/null || $(BIN)/pip install -q -e '.[dev,bench]'
	$(BIN)/python -m benchmarks.run

bench-quick: install
	@$(BIN)/python -c "import uvloop, flask_sse, matplotlib" 2>/dev/null || $(BIN)/pip install -q -e '.[dev,bench]'
	$(BIN)/python -m benchmarks.run --quick

# Half an hour of games back to back with ~2,000 streams (benchmarks/soak.py): memory and open
# files of the app must not grow by more than 10 %. Not in CI; writes benchmarks/SOAK.md.
soak: install
	@$(BIN)/python -c "import uvloop, flask_sse" 2>/dev/null || $(BIN)/pip install -q -e '.[dev,bench]'
	$(BIN)/python -m benchmarks.soak
