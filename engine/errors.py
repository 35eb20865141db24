"""One error hierarchy for clausegraph, mapped once to CLI exit codes and HTTP statuses.

User mistakes (bad input, unknown references) never print a traceback: the CLI prints the message and exits
with the code below; the API answers with the status below and one JSON error shape.
"""
from __future__ import annotations

from dataclasses import dataclass, field

#: the longest message (and located part) a problem or error prints; longer text is cut with an ellipsis
MAX_MESSAGE = 400


def clip(text: str, limit: int = MAX_MESSAGE) -> str:
    """``text`` cut to ``limit`` characters (an ellipsis marks the cut), so echoed user input stays readable."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True)
class Problem:
    """One located problem in user input (file, row/line, column, what was expected); every part is capped
    at MAX_MESSAGE characters."""

    message: str
    file: str | None = None
    row: int | None = None
    column: str | None = None
    line: int | None = None
    path: str | None = None          # a JSON path (``$.catalog.groups[0].id``) for problems in JSON documents

    def __post_init__(self) -> None:
        for name in ("message", "file", "column"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, clip(value))

    def __str__(self) -> str:
        where = []
        if self.file:
            where.append(self.file)
        if self.path:
            where.append(self.path)
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column {self.column}")
        return (": ".join([", ".join(where), self.message]) if where else self.message)

    def as_dict(self) -> dict:
        out = {"file": self.file, "line": self.line, "row": self.row, "column": self.column,
               "message": self.message}
        if self.path:
            out["path"] = self.path
        return out


class ClausegraphError(Exception):
    """Base of every error clausegraph raises on purpose."""

    exit_code = 3
    http_status = 500
    code = "internal-error"

    def __init__(self, message: str, problems: list[Problem] | None = None) -> None:
        message = clip(message)
        super().__init__(message)
        self.message = message
        self.problems: list[Problem] = list(problems or [])

    def as_dict(self) -> dict:
        return {"error": self.code, "message": self.message,
                "problems": [p.as_dict() for p in self.problems]}


class UserInputError(ClausegraphError):
    """Bad input from the user: arguments, files, references. Exit 2, HTTP 400."""

    exit_code = 2
    http_status = 400
    code = "bad-input"


class UnknownReferenceError(UserInputError):
    """A reference that names no known framework or provision. Exit 2, HTTP 404."""

    http_status = 404
    code = "unknown-reference"

    def __init__(self, message: str, suggestions: list[str] | None = None) -> None:
        super().__init__(message)
        self.suggestions = list(suggestions or [])

    def as_dict(self) -> dict:
        d = super().as_dict()
        d["suggestions"] = self.suggestions
        return d


class InvalidQueryError(UserInputError):
    """A SPARQL query or update that does not parse or cannot be evaluated. Exit 2, HTTP 400."""

    code = "invalid-query"


class NotAcceptableError(UserInputError):
    """No acceptable response format. HTTP 406."""

    http_status = 406
    code = "not-acceptable"


class UnsupportedMediaTypeError(UserInputError):
    """Request body media type not supported. HTTP 415."""

    http_status = 415
    code = "unsupported-media-type"


class NotFoundError(UserInputError):
    """A named resource (graph, system, control) does not exist. HTTP 404."""

    http_status = 404
    code = "not-found"


class MethodNotAllowedError(UserInputError):
    """An HTTP method the resource does not support. HTTP 405."""

    http_status = 405
    code = "method-not-allowed"


class PayloadTooLargeError(UserInputError):
    """A request body over the configured limit. HTTP 413."""

    http_status = 413
    code = "payload-too-large"


class UnauthorizedError(ClausegraphError):
    """A write without a valid token. HTTP 401."""

    exit_code = 2
    http_status = 401
    code = "unauthorized"


class ForbiddenError(ClausegraphError):
    """A request this server's settings refuse (a write on a read-only endpoint, SERVICE while federation is
    off). HTTP 403."""

    exit_code = 2
    http_status = 403
    code = "forbidden"


class ResultTooLargeError(ForbiddenError):
    """A query result over the server's opt-in row cap (``max_rows``): refused whole, never cut."""

    code = "result-too-large"


class QueryTimeoutError(ClausegraphError):
    """A query ran past its time limit and was stopped. HTTP 503."""

    exit_code = 3
    http_status = 503
    code = "query-timeout"


class StoreError(ClausegraphError):
    """The store failed or could not be reached. Exit 3, HTTP 502."""

    exit_code = 3
    http_status = 502
    code = "store-error"


@dataclass
class ProblemCollector:
    """Collects every problem found in an input before failing, so users see all of them at once."""

    problems: list[Problem] = field(default_factory=list)

    def add(self, message: str, file: str | None = None, row: int | None = None,
            column: str | None = None, line: int | None = None) -> None:
        self.problems.append(Problem(message, file, row, column, line))

    def raise_if_any(self, summary: str) -> None:
        if self.problems:
            n = len(self.problems)
            raise UserInputError(f"{summary}: {n} problem{'s' if n != 1 else ''}", self.problems)
