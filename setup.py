"""What pyproject.toml cannot say statically: the wheel's packages, one per folder.

The wheel carries the project's files as the package `stresswatch_project` (read-only inputs: the dbt project, the
suites, the bundled sample, the calibration yardsticks; the README is the wheel's own description), so `pip install
.` outside a clone builds the sample warehouse in the current directory (orchestration/settings.py says where what
goes). Every folder is listed as a package so setuptools ships its files without warning that it would skip them.
"""

from pathlib import Path

from setuptools import setup

ROOT = Path(__file__).parent
TREES = {  # package -> folder of the clone
    "orchestration": "orchestration",
    "stresswatch_project.dbt_project": "dbt_project",
    "stresswatch_project.expectations": "expectations",
    "stresswatch_project.sample": "warehouse/sample",
    "stresswatch_project.calibration": "warehouse/calibration",
}
BUILT = {"target", "logs", "__pycache__"}  # dbt's and Python's output, never shipped


def packages_of(package: str, folder: str):
    """(package, folder, data globs) for a folder and each sub-folder named like a package; a folder named
    otherwise (bootstrap-4.3.1) ships whole with its parent."""
    subfolders = [
        path
        for path in sorted((ROOT / folder).iterdir())
        if path.is_dir() and path.name not in BUILT and not path.name.startswith(".")
    ]
    code = package.startswith("orchestration") and "data_docs_assets" not in package  # modules ship as code
    data = [] if code else ["*", *(f"{path.name}/**/*" for path in subfolders if not path.name.isidentifier())]
    yield package, folder, data
    for path in subfolders:
        if path.name.isidentifier():
            yield from packages_of(f"{package}.{path.name}", f"{folder}/{path.name}")


listed = [entry for package, folder in TREES.items() for entry in packages_of(package, folder)]
setup(
    packages=[package for package, _, _ in listed],
    package_dir={package: folder for package, folder, _ in listed},
    package_data={package: data for package, _, data in listed if data},
)
