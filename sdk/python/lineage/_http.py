"""JSON over HTTP with the standard library, retrying connection errors and 5xx answers with
exponential backoff, never 4xx ones."""
from __future__ import annotations

import http.client
import json
import logging
import random
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Dict, Optional

from .errors import ApiError, LeaseExpiredError, NetworkError

log = logging.getLogger("lineage")

USER_AGENT = "lineage-python"


def quote(segment: str) -> str:
    """A path segment, percent-encoded (experiment names may hold spaces and any unicode)."""
    return urllib.parse.quote(str(segment), safe="")


class Transport:
    def __init__(
        self,
        base_url: str,
        token: Optional[str],
        timeout: float,
        max_retries: int,
        backoff: float,
        max_backoff: float,
    ) -> None:
        self.base_url = base_url
        self.token = token
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff = backoff
        self.max_backoff = max_backoff

    def _delay(self, attempt: int) -> float:
        base = min(self.max_backoff, self.backoff * (2 ** attempt))
        return base * random.uniform(0.5, 1.0)

    def request(
        self,
        method: str,
        path: str,
        body: Optional[Dict[str, Any]] = None,
        query: Optional[Dict[str, Any]] = None,
        retries: Optional[int] = None,
    ) -> Any:
        """Sends one request and returns the decoded JSON answer.

        Raises ``ApiError`` (``LeaseExpiredError`` for ``lease_invalid``) on an error answer and
        ``NetworkError`` when the server stays unreachable.
        """
        url = self.base_url + path
        if query:
            pairs = {k: v for k, v in query.items() if v is not None}
            if pairs:
                url += "?" + urllib.parse.urlencode(pairs)
        data = None
        headers = {"Accept": "application/json", "User-Agent": USER_AGENT}
        if body is not None:
            data = json.dumps(body, allow_nan=False, separators=(",", ":")).encode("utf-8")
            headers["Content-Type"] = "application/json"
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        max_retries = self.max_retries if retries is None else retries

        attempt = 0
        while True:
            request = urllib.request.Request(url, data=data, method=method, headers=headers)
            retry_after: Optional[float] = None
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    raw = response.read()
                    return json.loads(raw.decode("utf-8")) if raw else None
            except urllib.error.HTTPError as error:
                status = error.code
                try:
                    raw = error.read()
                finally:
                    error.close()
                api_error = self._api_error(status, raw, method, path)
                if status < 500:
                    raise api_error from None
                if attempt >= max_retries:
                    raise api_error from None
                failure: object = api_error
                header = error.headers.get("Retry-After") if error.headers else None
                if header:
                    try:
                        retry_after = min(self.max_backoff, max(0.0, float(header)))
                    except ValueError:
                        retry_after = None
            except (urllib.error.URLError, http.client.HTTPException, ConnectionError, socket.timeout, TimeoutError, OSError) as error:
                reason = getattr(error, "reason", error)
                if attempt >= max_retries:
                    raise NetworkError(
                        f"cannot reach the Lineage server at {self.base_url} ({method} {path}): {reason}"
                        f" (gave up after {attempt + 1} attempt{'s' if attempt else ''})"
                    ) from None
                failure = reason
            delay = retry_after if retry_after is not None else self._delay(attempt)
            log.warning("lineage: %s %s failed (%s); retrying in %.2f s", method, path, failure, delay)
            time.sleep(delay)
            attempt += 1

    @staticmethod
    def _api_error(status: int, raw: bytes, method: str, path: str) -> ApiError:
        payload: Any = None
        try:
            payload = json.loads(raw.decode("utf-8")) if raw else None
        except (ValueError, UnicodeDecodeError):
            payload = None
        err = payload.get("error") if isinstance(payload, dict) else None
        if not isinstance(err, dict):
            text = raw.decode("utf-8", "replace").strip()[:500] if raw else ""
            return ApiError(status, "http_error" if status < 500 else "internal", text or f"HTTP {status}", method=method, path=path)
        cls = LeaseExpiredError if err.get("code") == "lease_invalid" else ApiError
        return cls(
            status,
            str(err.get("code", "http_error")),
            str(err.get("message", "")),
            field=err.get("field"),
            accepted=err.get("accepted"),
            issues=err.get("issues"),
            method=method,
            path=path,
        )
