"""Exceptions raised by the Lineage SDK."""
from __future__ import annotations

from typing import Any, Dict, List, Optional


class LineageError(Exception):
    """Base class of every error the SDK raises."""


class ApiError(LineageError):
    """The server refused a request (a 4xx answer, or a 5xx one after the retries ran out).

    ``code`` is the server's stable machine-readable code (``invalid_input``,
    ``experiment_not_found``, ``lease_invalid``, ...), ``field`` names the offending input field
    when there is one, ``accepted`` says what that field accepts, ``issues`` lists every offending
    field, and ``status`` is the HTTP status.
    """

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        field: Optional[str] = None,
        accepted: Optional[str] = None,
        issues: Optional[List[Dict[str, Any]]] = None,
        method: str = "",
        path: str = "",
    ) -> None:
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.accepted = accepted
        self.issues = issues or []
        self.method = method
        self.path = path
        text = f"{code}: {message}"
        if accepted and accepted not in message:
            text += f" (accepted: {accepted})"
        if method:
            text += f" [{status} on {method} {path}]"
        super().__init__(text)


class LeaseExpiredError(ApiError):
    """The job's lease is over: it expired (no heartbeat in time), or the job was handed to
    another worker. The server changed nothing; the job is (or will be) retried elsewhere, so the
    results of this attempt are lost. Raised for the server's ``409 lease_invalid``."""


class NoJobError(LineageError):
    """The experiment is done: there is no job left to hand out."""


class WaitTimeoutError(LineageError, TimeoutError):
    """``next_job(timeout=...)`` waited that long and the server still had nothing to hand out."""


class NetworkError(LineageError, ConnectionError):
    """The server could not be reached, even after the retries."""


class InvalidResultsError(LineageError, ValueError):
    """Results or metrics that cannot be sent: a value JSON cannot hold (an object, a key that
    is not a string, NaN in a config). Raised before anything is sent."""


class MetricNotSetError(InvalidResultsError):
    """The job is being completed without its own score: the experiment's metric is missing from
    ``job.results``, or is only the value the job inherited (from its parent, or after an exploit
    from its donor). Raised before anything is sent; ``metric`` names the key and ``source_job_id``
    the job the inherited value came from (None if there was none)."""

    def __init__(self, message: str, metric: str, job_id: int, source_job_id: Optional[int] = None) -> None:
        super().__init__(message)
        self.metric = metric
        self.job_id = job_id
        self.source_job_id = source_job_id
