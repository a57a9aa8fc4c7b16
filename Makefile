# eidataset: the commands the README gives. `make help` lists them.
VENV   ?= .venv
PY     := $(VENV)/bin/python
PYTEST := $(PY) -m pytest
# The PostgreSQL server the suite runs on a second time (tests create their own database).
TEST_PG_URL ?= postgres://postgres@127.0.0.1:5432/eidataset
BENCH_REDIS_URL ?= redis://127.0.0.1:6379/15

.PHONY: help install install-train run serve test test-sqlite test-pg lint format bench

help:
	@echo "make run        install, create the SQLite database, load the scaffolding, generate 100"
	@echo "                conversations (offline emulator without ANTHROPIC_API_KEY), check them,"
	@echo "                draw the review sample, export a release under var/releases, start the admin"
	@echo "make test       install, run the whole suite on SQLite and on PostgreSQL"
	@echo "make install-train  the optional training packages (torch CPU, transformers, trl, peft,"
	@echo "                mistral-common) that \`manage.py train_check RELEASE\` needs"
	@echo "make test-sqlite | test-pg | lint | format | bench"

install: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

# Optional: what `manage.py train_check` needs (torch's CPU build: about 1 GB installed).
install-train: install
	$(PY) -m pip install --quiet -r requirements-train.txt

# The main job on the embedded default (SQLite, django-q2's ORM broker, local qcluster workers):
# seed, plan 100, generate, check, draw the review sample, export the release.
run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py build_release --count 100 --concurrency 3 --workers 2
	@if [ -n "$$DJANGO_SUPERUSER_PASSWORD" ]; then \
	  $(PY) manage.py shell --no-imports -c "from django.contrib.auth import get_user_model as g; import sys; sys.exit(g().objects.filter(is_superuser=True).exists())" \
	  && $(PY) manage.py createsuperuser --noinput --username "$${DJANGO_SUPERUSER_USERNAME:-admin}" --email "$${DJANGO_SUPERUSER_EMAIL:-admin@localhost}" || true; \
	fi
	@$(MAKE) --no-print-directory serve

serve:
	@echo ""
	@echo "Starting the admin at http://127.0.0.1:8000/admin/ (reviewers: /review/). This terminal"
	@echo "now runs the server (Ctrl-C stops it): take the next steps in a second terminal."
	$(PY) manage.py runserver 127.0.0.1:8000

# The two passes run side by side (each prints its output when it ends), each with its own data
# folder, so the suite takes about the time of one pass on a 2-core machine.
test: install
	$(MAKE) --no-print-directory --output-sync=target -j2 test-sqlite test-pg

test-sqlite: install
	env -u DATABASE_URL EIDATASET_DATA_DIR=var/test-sqlite $(PYTEST)

test-pg: install
	DATABASE_URL=$(TEST_PG_URL) EIDATASET_DATA_DIR=var/test-pg $(PYTEST)

# Speed figures as ratios against the ideal: SQLite (embedded default), then PostgreSQL + Redis.
bench: install
	env -u DATABASE_URL -u REDIS_URL -u BENCH_REDIS_URL $(PYTEST) -m bench tests/bench -s -q
	DATABASE_URL=$(TEST_PG_URL) REDIS_URL=$(BENCH_REDIS_URL) $(PYTEST) -m bench tests/bench -s -q -k "postgres or queries or drill or slots"

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .
