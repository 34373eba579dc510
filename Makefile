# moviematch: every target is one command; see README.md.
PYTHON ?= python3
MOVIELENS_DIR ?=
PORT ?= 8000

.PHONY: install run test test-sqlite test-fast test-postgres lint format bench messages

install:  ## install the package with its development extras, and the site's front-end libraries
	$(PYTHON) -m pip install -e '.[dev]'
	npm ci --no-audit --no-fund

run:  ## set up (download or MOVIELENS_DIR), then serve the site on http://127.0.0.1:$(PORT)
	$(PYTHON) manage.py setup $(if $(MOVIELENS_DIR),--from $(MOVIELENS_DIR))
	$(PYTHON) manage.py runserver 127.0.0.1:$(PORT)

test: test-sqlite test-postgres  ## the whole suite on SQLite, then again on PostgreSQL

test-sqlite:  ## the whole test suite (slow, dataset and browser tests included) on SQLite
	$(PYTHON) -m pytest

test-fast:  ## unit tests only
	$(PYTHON) -m pytest -m "not slow and not dataset"

test-postgres:  ## the whole suite against a throwaway PostgreSQL on loopback (stopped after)
	.ci/with-postgres $(PYTHON) -m pytest

lint:  ## ruff lint + format check, mypy on the whole package
	$(PYTHON) -m ruff check .
	$(PYTHON) -m ruff format --check .
	$(PYTHON) -m mypy

format:
	$(PYTHON) -m ruff format .
	$(PYTHON) -m ruff check --fix .

bench:  ## benchmarks; figures go to bench/results/*.json
	$(PYTHON) -m pip install -e '.[bench]'
	$(PYTHON) bench/bench_mf.py
	$(PYTHON) bench/bench_coldstart.py
	$(PYTHON) bench/bench_similarity.py
	$(PYTHON) bench/bench_serving.py
	$(PYTHON) bench/bench_ratings_reader.py

messages:  ## refresh the Korean catalogue from the code and templates, and compile it
	cd src/moviematch && $(PYTHON) ../../manage.py makemessages -l ko --no-location --ignore 'recommender/*' --ignore 'datasets/*'
	cd src/moviematch && $(PYTHON) ../../manage.py compilemessages -l ko
