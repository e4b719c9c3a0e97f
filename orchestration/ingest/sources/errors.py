"""The one error a source raises for input it cannot read, always naming the file or request.

Reader checks (the first gate, before the Great Expectations suites see a batch): file_name_is_known, file_not_empty,
text_is_utf8,
json_is_valid, shape_is_known (header, JSON shape, required fields), fields_match_header, values_are_present,
values_are_numeric,
values_are_finite, dates_are_valid, data_dir_exists.
"""

from __future__ import annotations

from collections.abc import Callable


class SourceFormatError(ValueError):
    """Input in a shape or with values this project cannot read; the message names where, which line and what."""

    def __init__(
        self, where: str, problem: str, check: str = "shape_is_known", line: int | None = None, line_kind: str = "line"
    ):
        self.where = where
        self.problem = problem
        self.check = check  # the reader check that failed, reported like an expectation name
        self.line = line  # the line of the file (from its start), or the record of a JSON document
        self.line_kind = line_kind  # "line" or "record"
        super().__init__(self._text())

    def _text(self) -> str:
        return (
            f"{self.where}, {self.line_kind} {self.line}: {self.problem}"
            if self.line is not None
            else f"{self.where}: {self.problem}"
        )

    def at(self, where: str, line_of: Callable[[int], int] | None = None) -> SourceFormatError:
        """The same error named for a file: `line_of` turns a line of the text read into the file's line."""
        self.where = where
        if self.line is not None and line_of is not None:
            self.line = line_of(self.line)
        self.args = (self._text(),)
        return self


class MissingCredentialError(RuntimeError):
    """A live client was asked to run without the environment variable it needs."""

    def __init__(self, variable: str, purpose: str):
        self.variable = variable
        super().__init__(f"{variable} is not set: {purpose}")
