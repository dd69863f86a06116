"""JSON over HTTP with the standard library, retrying connection errors and 5xx answers with
exponential backoff, never 4xx ones."""
from __future__ import annotations

import http.client
import json
import logging
import random
import re
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Dict, Iterator, Optional, Tuple

from .errors import ApiError, LeaseExpiredError, LineageError, NetworkError

log = logging.getLogger("lineage")

USER_AGENT = "lineage-python"

_NEXT_LINK = re.compile(r'<([^>]*)>\s*;\s*rel="?next"?', re.IGNORECASE)


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
        """Sends one request and returns the decoded JSON answer. A list that the server sends a
        page at a time (a ``Link: <...>; rel="next"`` header) is read to its end and returned whole.

        Raises ``ApiError`` (``LeaseExpiredError`` for ``lease_invalid``) on an error answer and
        ``NetworkError`` when the server stays unreachable.
        """
        if method == "GET":
            pages = self.pages(path, query, retries=retries)
            first = next(pages)
            if not isinstance(first, list):
                return first
            return first + [item for page in pages for item in page]
        return self._send(method, self._url(path, query), path, body, retries)[0]

    def pages(self, path: str, query: Optional[Dict[str, Any]] = None, retries: Optional[int] = None) -> Iterator[Any]:
        """The pages of a list, one answer (a list) at a time, following the ``Link`` header's
        ``rel="next"`` URL (on this server only) until the last page."""
        url: Optional[str] = self._url(path, query)
        while url is not None:
            answer, link = self._send("GET", url, path, None, retries)
            yield answer
            url = self._next_url(link) if isinstance(answer, list) else None

    def _url(self, path: str, query: Optional[Dict[str, Any]]) -> str:
        url = self.base_url + path
        if query:
            pairs = {k: v for k, v in query.items() if v is not None}
            if pairs:
                url += "?" + urllib.parse.urlencode(pairs)
        return url

    def _next_url(self, link: Optional[str]) -> Optional[str]:
        match = _NEXT_LINK.search(link or "")
        if not match:
            return None
        url = urllib.parse.urljoin(self.base_url, match.group(1))
        origin = urllib.parse.urlsplit(self.base_url)
        target = urllib.parse.urlsplit(url)
        # The token goes with the request: never to another host.
        if (target.scheme, target.netloc) != (origin.scheme, origin.netloc):
            raise LineageError(f"the server's next-page link points elsewhere ({url}); not followed")
        return url

    def _send(
        self,
        method: str,
        url: str,
        path: str,
        body: Optional[Dict[str, Any]],
        retries: Optional[int],
    ) -> Tuple[Any, Optional[str]]:
        """One request with retries: the decoded answer and its Link header."""
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
                    return (json.loads(raw.decode("utf-8")) if raw else None), response.headers.get("Link")
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
