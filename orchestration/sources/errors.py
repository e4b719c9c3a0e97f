"""The one error a source raises for input it cannot read, always naming the file or request."""


class SourceFormatError(ValueError):
    """Input in a shape or with values this project cannot read; the message names where and what."""

    def __init__(self, where: str, problem: str):
        self.where = where
        self.problem = problem
        super().__init__(f"{where}: {problem}")


class MissingCredentialError(RuntimeError):
    """A live client was asked to run without the environment variable it needs."""

    def __init__(self, variable: str, purpose: str):
        self.variable = variable
        super().__init__(f"{variable} is not set: {purpose}")
