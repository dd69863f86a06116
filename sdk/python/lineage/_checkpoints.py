"""Checkpoints through the server, with the standard library only: a file uploaded as a job's
checkpoint (streamed from disk, with its SHA-256 for the server to check), and the checkpoint a
job continues from downloaded into a local cache named by checksum (a donor's checkpoint loaded by
several jobs on one machine is downloaded once), checked against the server's SHA-256."""
from __future__ import annotations

import hashlib
import http.client
import json
import os
import tempfile
import time
import urllib.parse
from typing import Any, Dict, Optional

from ._http import Transport, log
from .errors import ApiError, LeaseExpiredError, NetworkError

CHUNK = 1024 * 1024


def default_cache_dir() -> str:
    """``$LINEAGE_CACHE_DIR``, else ``~/.cache/lineage/checkpoints``."""
    if os.environ.get("LINEAGE_CACHE_DIR"):
        return os.environ["LINEAGE_CACHE_DIR"]
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "lineage", "checkpoints")


def default_cache_bytes() -> int:
    """``$LINEAGE_CACHE_BYTES``, else 20 GiB."""
    try:
        value = int(os.environ.get("LINEAGE_CACHE_BYTES", ""))
        return value if value > 0 else 20 * 1024 ** 3
    except ValueError:
        return 20 * 1024 ** 3


def sha256_of(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def _connection(transport: Transport) -> http.client.HTTPConnection:
    parts = urllib.parse.urlsplit(transport.base_url)
    cls = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    return cls(parts.netloc, timeout=transport.timeout)


def _path(transport: Transport, path: str) -> str:
    return urllib.parse.urlsplit(transport.base_url).path + path


def _with_retries(transport: Transport, what: str, call: Any) -> Any:
    """``call()`` retried on connection errors and 5xx answers, as every other call of the SDK."""
    attempt = 0
    while True:
        try:
            return call()
        except ApiError as error:
            if error.status < 500 or error.code == "checkpoint_corrupt" or attempt >= transport.max_retries:
                raise
            failure: object = error
        except (OSError, http.client.HTTPException) as error:
            if attempt >= transport.max_retries:
                raise NetworkError(f"cannot reach the Lineage server at {transport.base_url} ({what}): {error}") from None
            failure = error
        delay = transport._delay(attempt)
        log.warning("lineage: %s failed (%s); retrying in %.2f s", what, failure, delay)
        time.sleep(delay)
        attempt += 1


def upload(transport: Transport, job_id: int, lease_token: str, path: str) -> Dict[str, Any]:
    """PUT the file as the job's checkpoint; returns the job as the server recorded it."""
    size = os.path.getsize(path)
    checksum = sha256_of(path)
    route = f"/jobs/{int(job_id)}/checkpoint"

    def attempt() -> Dict[str, Any]:
        headers = {
            "Content-Type": "application/octet-stream",
            "Content-Length": str(size),
            "X-Lineage-Lease-Token": lease_token,
            "X-Lineage-Checksum-Sha256": checksum,
            "User-Agent": "lineage-python",
        }
        if transport.token:
            headers["Authorization"] = f"Bearer {transport.token}"
        connection = _connection(transport)
        try:
            connection.putrequest("PUT", _path(transport, route), skip_accept_encoding=True)
            for name, value in headers.items():
                connection.putheader(name, value)
            connection.endheaders()
            try:
                with open(path, "rb") as f:
                    for block in iter(lambda: f.read(CHUNK), b""):
                        connection.send(block)
            except (BrokenPipeError, ConnectionResetError):
                pass  # refused before the body was read (e.g. too large): its answer is waiting below
            response = connection.getresponse()
            raw = response.read()
        finally:
            connection.close()
        if 200 <= response.status < 300:
            return json.loads(raw.decode("utf-8"))
        raise Transport._api_error(response.status, raw, "PUT", route)

    return _with_retries(transport, f"PUT {route}", attempt)


def download(transport: Transport, route: str, target_dir: str, expected_sha256: Optional[str] = None, to: Optional[str] = None, cache_bytes: Optional[int] = None) -> str:
    """GET a checkpoint route into ``target_dir`` as ``<sha256>.ckpt`` (or into the file ``to``),
    checked against the server's SHA-256; a cached copy with ``expected_sha256`` is used as is."""
    os.makedirs(target_dir, exist_ok=True)
    if expected_sha256 and to is None:
        cached = os.path.join(target_dir, f"{expected_sha256}.ckpt")
        if os.path.exists(cached):
            os.utime(cached)
            return cached

    def attempt() -> str:
        headers = {"User-Agent": "lineage-python"}
        if transport.token:
            headers["Authorization"] = f"Bearer {transport.token}"
        connection = _connection(transport)
        try:
            connection.request("GET", _path(transport, route), headers=headers)
            response = connection.getresponse()
            if response.status >= 300:
                raise Transport._api_error(response.status, response.read(), "GET", route)
            announced = response.getheader("X-Lineage-Checksum-Sha256") or ""
            target = to or os.path.join(target_dir, f"{announced}.ckpt")
            if to is None and os.path.exists(target):
                os.utime(target)
                return target
            digest = hashlib.sha256()
            fd, partial = tempfile.mkstemp(prefix=".", suffix=".part", dir=target_dir)
            try:
                with os.fdopen(fd, "wb") as out:
                    for block in iter(lambda: response.read(CHUNK), b""):
                        digest.update(block)
                        out.write(block)
                if digest.hexdigest() != announced:
                    # Damaged on the way: retried like a network error.
                    raise ConnectionError(f"the checkpoint from {route} arrived damaged (SHA-256 {digest.hexdigest()}, the server sent {announced})")
                os.replace(partial, target)
            except BaseException:
                if os.path.exists(partial):
                    os.unlink(partial)
                raise
            return target
        finally:
            connection.close()

    path = _with_retries(transport, f"GET {route}", attempt)
    if to is None:
        _evict(target_dir, cache_bytes or default_cache_bytes(), keep=path)
    return path


def _evict(directory: str, max_bytes: int, keep: str) -> None:
    """Deletes the least recently used checkpoints until the cache holds at most ``max_bytes``."""
    files = []
    for name in os.listdir(directory):
        if not name.endswith(".ckpt"):
            continue
        path = os.path.join(directory, name)
        try:
            info = os.stat(path)
        except OSError:
            continue
        files.append((info.st_mtime, info.st_size, path))
    total = sum(size for _, size, _ in files)
    for _, size, path in sorted(files):
        if total <= max_bytes:
            break
        if path == keep:
            continue
        try:
            os.unlink(path)
        except OSError:
            pass
        total -= size


__all__ = ["ApiError", "LeaseExpiredError", "default_cache_dir", "download", "sha256_of", "upload"]
