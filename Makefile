# The two commands: `make run` builds the warehouse from the bundled sample; `make test` runs the whole suite.
# Both create .venv and install the project when needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
EXTRAS ?= dev
comma := ,

# DuckDB readers older than the project's own, as BI tools embed them: the tests open the published file with each
# (pytz: DuckDB 1.1 needs it to return a timestamp with time zone to Python)
READERS := .venv-readers
READERS_STAMP := $(READERS)/.installed-stamp
OLDEST_DUCKDB := 1.1.3
REGISTRY_DUCKDB_CLI := 1.5.6

.PHONY: install bytecode spark run test lint dev clean bench bench-validation bench-plausibility bench-format bench-report history system-deps

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[$(EXTRAS)]'
	touch $(STAMP)

# dbt in an environment of its own (publish/dbt_env.py): pyproject's `dbt` extra, with exactly the duckdb the project
# has (both open the same warehouse file). The Dagster process then never imports dbt-core.
DBT_VENV := $(VENV)/dbt
DBT_STAMP := $(DBT_VENV)/.installed-stamp
DBT_TEST_STAMP := $(DBT_VENV)/.installed-test-stamp
define install_dbt_env
	test -x $(DBT_VENV)/bin/python || $(PYTHON) -m venv $(DBT_VENV)
	$(DBT_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m orchestration.publish.dbt_env requirements $(1) > $(DBT_VENV)/requirements.txt
	$(BIN)/python -m pip freeze --all | grep -i '^duckdb==' > $(DBT_VENV)/constraints.txt
	$(DBT_VENV)/bin/python -m pip install --quiet -r $(DBT_VENV)/requirements.txt -c $(DBT_VENV)/constraints.txt
endef

$(DBT_STAMP): $(STAMP)
	$(call install_dbt_env,dbt)
	touch $(DBT_STAMP)

# The dbt manifest Dagster builds its asset graph from: written at install, rewritten when a dbt file changes.
MANIFEST := dbt_project/target/manifest.json
DBT_FILES := dbt_project/dbt_project.yml dbt_project/profiles.yml \
	$(shell find dbt_project/models dbt_project/macros dbt_project/seeds dbt_project/tests -type f 2>/dev/null)

$(MANIFEST): $(STAMP) $(DBT_STAMP) $(DBT_FILES)
	$(BIN)/python -m orchestration.defs.dbt_setup

install: $(STAMP) $(DBT_STAMP) $(MANIFEST) bytecode

# The project's modules compiled once, as pip does for an installed wheel: an editable install is never compiled by
# pip, and where PYTHONDONTWRITEBYTECODE is set every run would compile them again (about 0.5 s of each run).
bytecode: $(STAMP)
	$(BIN)/python -m compileall -q orchestration

# The suite also exercises the Spark engine and lints the models with sqlfluff: both run in dbt's environment.
$(DBT_TEST_STAMP): $(DBT_STAMP)
	$(call install_dbt_env,dbt spark lint-sql)
	touch $(DBT_TEST_STAMP)

# `stresswatch run --engine spark` by hand: Spark's packages in dbt's environment
spark: install $(DBT_TEST_STAMP)

run: install
	$(BIN)/stresswatch run

$(READERS_STAMP): Makefile
	test -x $(READERS)/bin/python || $(PYTHON) -m venv $(READERS)
	$(READERS)/bin/python -m pip install --quiet "duckdb==$(OLDEST_DUCKDB)" "duckdb-cli==$(REGISTRY_DUCKDB_CLI)" pytz
	touch $(READERS_STAMP)

# Debian packages the tests use: headless Chromium renders the evening report, Java 17 runs Spark.
system-deps:
	@command -v chromium >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
		else echo "install Debian's chromium (apt-get install chromium) for the report test"; fi; }
	@command -v java >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			mkdir -p /usr/share/man/man1 && apt-get update -qq && \
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless >/dev/null; \
		else echo "install Java 17 (apt-get install openjdk-17-jre-headless) for the Spark tests"; fi; }

# Lint and format checks first: a minute, and a style slip fails before the 30-minute suite starts. sqlfluff renders
# each model with dbt (on an in-memory DuckDB, .sqlfluff); its dbt output goes to .venv, not the project's target/.
lint: $(STAMP) $(DBT_TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DBT_TARGET_PATH=$(CURDIR)/$(VENV)/sqlfluff-target DBT_LOG_PATH=$(CURDIR)/$(VENV)/sqlfluff-logs \
		$(DBT_VENV)/bin/sqlfluff lint dbt_project/models --processes 2 --disable-progress-bar

# pytest-xdist: most of the suite waits on subprocesses (dbt, Spark, the Dagster daemon), so two workers on two cores
# halve it; --dist loadfile keeps a file's tests on one worker, so a module's fixture (the Spark build) is built once
TEST_WORKERS ?= 2
test: $(STAMP) $(DBT_TEST_STAMP) $(MANIFEST) bytecode $(READERS_STAMP) system-deps lint
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile

# The Dagster UI and daemon on the code location, on the instance `stresswatch run` records into (warehouse/.dagster).
dev: install
	$(BIN)/python -m orchestration.defs.instance $(CURDIR)/warehouse/.dagster
	DAGSTER_HOME=$(CURDIR)/warehouse/.dagster PATH=$(CURDIR)/$(BIN):$$PATH \
		$(BIN)/dagster dev -m orchestration.definitions

# The index at known stress episodes: make history DATA_DIR=/path/to/full/data-directory
history: install
	@test -n "$(DATA_DIR)" || (echo "usage: make history DATA_DIR=/path/to/a/full-history/data-directory" && exit 2)
	$(BIN)/stresswatch history --data-dir $(DATA_DIR)

# Scale benchmarks (figures, not tests): make bench [SCALE=sample,100,1000 | SCALE=8000] [DATA_DIR=full-history]
# [ENGINES=duckdb,spark] (Spark beside DuckDB at each scale; needs Java 17)
SCALE ?= sample,100,1000
ENGINES ?= duckdb
OUT ?= bench/results$(if $(findstring spark,$(ENGINES)),-spark,)$(if $(findstring 8000,$(SCALE)),-8000,).json
bench: install $(if $(findstring spark,$(ENGINES)),$(DBT_TEST_STAMP),)
	$(BIN)/python -m pip install --quiet -e '.[$(EXTRAS),bench]'
	$(BIN)/python bench/pipeline_bench.py --scales $(SCALE)$(if $(DATA_DIR),$(comma)full --data-dir $(DATA_DIR),) \
		--engines $(ENGINES) --out $(OUT)

bench-validation: install
	$(BIN)/python bench/validation_overhead.py

# The plausibility rules on a real full-history data directory: every load passes, the tightest margins printed
bench-plausibility: install
	@test -n "$(DATA_DIR)" || (echo "usage: make bench-plausibility DATA_DIR=/path/to/a/full-history/data-directory" && exit 2)
	$(BIN)/python -m bench.plausibility_history $(DATA_DIR)

# The evening report on a full history: page size, time and window per --since (figures, not tests)
bench-report: install
	@test -n "$(DATA_DIR)" || (echo "usage: make bench-report DATA_DIR=/path/to/a/full-history/data-directory" && exit 2)
	$(BIN)/python -m bench.report_history --data-dir $(DATA_DIR)

# What publishing in DuckDB's 1.0/1.1 storage format costs against the 2.0 format: make bench-format [SYMBOLS=1000]
SYMBOLS ?= 1000
bench-format: install
	$(BIN)/python -m bench.published_format $(SYMBOLS)

clean:
	rm -rf warehouse/stresswatch*.duckdb* warehouse/stresswatch.writer.lock* warehouse/stresswatch.gx warehouse/report warehouse/.dagster \
		warehouse/spark warehouse/spark-runs warehouse/spark.switching \
		dbt_project/target dbt_project/logs
