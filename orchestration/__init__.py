"""StressWatch: a daily market-stress warehouse (Dagster + Great Expectations + dbt on DuckDB)."""

import warnings

# GX imports PySpark when the spark extra is installed, and PySpark 4 warns at import that pandas 3 is newer than it
# has certified; the Spark engine's parity with DuckDB is what the tests check, so the warning only adds noise
warnings.filterwarnings("ignore", "PySpark does not yet fully support pandas", FutureWarning)
