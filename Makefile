# Опора — the two commands: `make run` (set up, migrate SQLite, load the demo once, serve) and `make test` (all checks).
SHELL := /bin/bash
export UV_PYTHON_DOWNLOADS := never
export UV_COMPILE_BYTECODE := 1
# uv from PATH, or a private copy installed with the machine's Python into .tools/ on first use.
UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run setup system-deps test lint typecheck migrations-check pytest fmt demo-files bench

run: setup
	DEBUG=true $(UV) run python manage.py migrate --noinput
	DEBUG=true $(UV) run python manage.py load_demo
	@echo "Опора: http://$(HOST):$(PORT)/  (остановить: Ctrl+C)"
	DEBUG=true $(UV) run python manage.py runserver $(HOST):$(PORT)

setup: $(UV)
	$(UV) sync --frozen

.tools/bin/uv:
	python3 -m venv .tools
	.tools/bin/pip install --quiet uv

# System packages the tests need (Chromium, fonts, Pango): installed as root on Debian/Ubuntu, otherwise the exact
# command is printed and make stops.
system-deps:
	bash .ci/system-deps

test: setup system-deps lint typecheck migrations-check pytest

lint:
	$(UV) run ruff check .
	$(UV) run ruff format --check .

typecheck:
	$(UV) run mypy

migrations-check:
	DATABASE_URL=sqlite:///:memory: $(UV) run python manage.py makemigrations --check --dry-run

pytest:
	$(UV) run pytest

fmt:
	$(UV) run ruff format .
	$(UV) run ruff check --fix .
