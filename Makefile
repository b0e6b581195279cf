# Shuangjian: two commands on a fresh machine — `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
export PIP_DISABLE_PIP_VERSION_CHECK := 1
# The Bootstrap assets package still builds with pkg_resources, gone from setuptools 81.
export PIP_BUILD_CONSTRAINT := $(CURDIR)/build-constraints.txt

.PHONY: install demo serve test lint typecheck pytest bench mutation clean messages

install: $(STAMP)

$(STAMP): pyproject.toml build-constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q "pip==26.3"
	$(BIN)/python -m pip install -q -e ".[dev]"
	touch $(STAMP)

demo: install
	mkdir -p var
	$(BIN)/python manage.py migrate --noinput -v 0
	$(BIN)/python manage.py demo_city --seed 2026 --accounts-json var/demo_accounts.json
	@echo "== demo city: http://$(HOST):$(PORT)/  API docs: http://$(HOST):$(PORT)/api/v1/docs  (Ctrl-C stops the server)"
	$(BIN)/python manage.py runserver $(HOST):$(PORT) --noreload

serve: install
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

lint: install
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts

typecheck: install
	$(BIN)/mypy

test: install
	bash scripts/run_tests.sh

bench: install
	$(BIN)/python -m bench

# Mutation testing of the rule modules (every app's rules.py and the core modules they stand on); slow, so not
# part of `make test`. `make mutation MODULES="students courses"` runs some; docs/mutation.md has the figures.
MODULES ?=
mutation: install
	nice -n 10 $(BIN)/python scripts/mutation.py $(MODULES)

# Collects every app's Python and templates into src/shuangjian/locale (the one LOCALE_PATHS entry), then
# compiles; the .po and .mo are both committed. Fill new (and "fuzzy") English entries in the .po, run it again.
messages: install
	@command -v msgmerge >/dev/null || { echo "make messages needs GNU gettext: apt-get install gettext" >&2; exit 1; }
	cd src/shuangjian && ../../$(BIN)/python ../../manage.py makemessages -l en --no-obsolete --add-location=file \
		&& ../../$(BIN)/python ../../manage.py compilemessages -l en

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache
