# moviematch: every target is one command; see README.md.
PYTHON ?= python3
MOVIELENS_DIR ?=
PORT ?= 8000

.PHONY: install run serve test test-sqlite test-fast test-e2e test-postgres lint format bench messages screenshots

install:  ## install the package with its development extras, and the site's front-end libraries
	$(PYTHON) -m pip install -e '.[dev]'
	npm ci --no-audit --no-fund

run:  ## set up (download or MOVIELENS_DIR), then serve the site on http://127.0.0.1:$(PORT)
	$(PYTHON) manage.py setup $(if $(MOVIELENS_DIR),--from $(MOVIELENS_DIR))
	$(PYTHON) manage.py runserver 127.0.0.1:$(PORT)

serve:  ## production server: collect the static files, then gunicorn (gunicorn.conf.py; README "Deploying")
	$(PYTHON) manage.py collectstatic --noinput -v0
	$(PYTHON) -m gunicorn -c gunicorn.conf.py

test: test-sqlite test-postgres  ## the whole suite on SQLite, then again on PostgreSQL

test-sqlite:  ## the whole test suite (slow, dataset and browser tests included) on SQLite
	$(PYTHON) -m pytest

test-fast:  ## unit tests only
	$(PYTHON) -m pytest -m "not slow and not dataset"

test-e2e:  ## the browser test alone: Chromium walks a real server on ml-latest-small
	$(PYTHON) -m pytest -m e2e

screenshots:  ## the browser test, copying the README's screenshots to docs/screenshots/
	MOVIEMATCH_E2E_DOCS=1 $(PYTHON) -m pytest -m e2e

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
	$(PYTHON) bench/bench_pages.py
	$(PYTHON) bench/bench_workers.py
	-$(PYTHON) bench/load/run_load.py  # exits 1 when a target is missed
	-.ci/with-postgres $(PYTHON) bench/load/run_load.py
	$(PYTHON) bench/bench_fuzz.py

messages:  ## refresh the Korean catalogue from the code and templates, and compile it
	cd src/moviematch && $(PYTHON) ../../manage.py makemessages -l ko --no-location --ignore 'recommender/*' --ignore 'datasets/*'
	cd src/moviematch && $(PYTHON) ../../manage.py compilemessages -l ko
