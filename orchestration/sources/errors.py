"""The one error a source raises for input it cannot read, always naming the file or request.

Reader checks (the first gate, before the Great Expectations suites see a batch): file_not_empty, json_is_valid,
shape_is_known (header, JSON shape, required fields), values_are_numeric, dates_are_valid, data_dir_exists.
"""


class SourceFormatError(ValueError):
    """Input in a shape or with values this project cannot read; the message names where and what."""

    def __init__(self, where: str, problem: str, check: str = "shape_is_known"):
        self.where = where
        self.problem = problem
        self.check = check  # the reader check that failed, reported like an expectation name
        super().__init__(f"{where}: {problem}")


class MissingCredentialError(RuntimeError):
    """A live client was asked to run without the environment variable it needs."""

    def __init__(self, variable: str, purpose: str):
        self.variable = variable
        super().__init__(f"{variable} is not set: {purpose}")
