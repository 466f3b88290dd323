# The two commands that set everything up: `make run` and `make test`.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi.py

.PHONY: run test install translations lint demo clean ci migrate-check localstack

$(BIN)/.installed: requirements.txt requirements-dev.txt
	@command -v $(PY) >/dev/null 2>&1 || { echo "Python 3.11 is required ($(PY) not found)"; exit 1; }
	test -d $(VENV) || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@

install: $(BIN)/.installed

# LocalStack's S3 checks presigned signatures (moto does not); tests that prove what a
# signed upload URL allows use it. Its own venv: localstack-core pins its own versions.
.venv-localstack/.installed: requirements-localstack.txt
	test -d .venv-localstack || $(PY) -m venv .venv-localstack
	.venv-localstack/bin/pip install -q -r requirements-localstack.txt
	touch $@

localstack: .venv-localstack/.installed

translations: install
	$(BIN)/python scripts/translations.py update
	$(BIN)/python scripts/translations.py compile

# With REDIS_URL set (and JOBS_INLINE off), one job worker runs beside the web server and
# stops with it; without Redis, jobs run inside the web server (portal/jobs.py).
run: install translations
	$(BIN)/flask db upgrade
	$(BIN)/flask demo load --if-empty
	@if [ -n "$$REDIS_URL" ] && [ "$${JOBS_INLINE:-0}" = "0" ]; then \
	  echo "REDIS_URL is set: starting one job worker (flask jobs worker)"; \
	  $(BIN)/flask jobs worker & worker=$$!; \
	  trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	  $(BIN)/flask run --host 127.0.0.1 --port 5000; \
	else \
	  $(BIN)/flask run --host 127.0.0.1 --port 5000; \
	fi

lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports

# pytest-xdist: one process per core (PYTEST_WORKERS=0 for one process), each with its own
# PostgreSQL and SQLite databases, moto server, browser and Redis database.
PYTEST_WORKERS ?= auto

test: install translations lint
	$(BIN)/python -m pytest -q -n $(PYTEST_WORKERS) --dist loadgroup $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests"; exit 1; fi; exit $$rc

clean:
	rm -rf $(VENV) .venv-localstack instance/portal.sqlite
