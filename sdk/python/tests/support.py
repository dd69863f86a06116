"""Shared by the tests: the SDK on sys.path, the URL of a real Lineage server, its clock.

``LINEAGE_URL`` set (the vitest wrapper sdk/python/python.test.ts sets it): that server is used.
Unset: the real server (server/main.ts) is started once for the whole run, API only, on a free
port with its embedded database in a temporary folder, and stopped at exit. Either way the
server runs with LINEAGE_TEST_CLOCK=on, so ``advance_clock`` can make leases run out at once.
"""
from __future__ import annotations

import atexit
import datetime
import itertools
import json
import logging
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from typing import Any, Callable, Dict, Optional, TypeVar

HERE = os.path.dirname(os.path.abspath(__file__))
SDK = os.path.dirname(HERE)
ROOT = os.path.dirname(os.path.dirname(SDK))
if SDK not in sys.path:
    sys.path.insert(0, SDK)

import lineage  # noqa: E402

# Retries and lost leases are what several tests provoke on purpose: keep their log lines out of
# the output unless asked for.
if not os.environ.get("LINEAGE_TEST_LOG"):
    logging.getLogger("lineage").setLevel(logging.CRITICAL)

_server: Optional[subprocess.Popen] = None
_url: Optional[str] = None
_data_dir: Optional[str] = None
_lock = threading.Lock()
_counter = itertools.count()


def _stop_server() -> None:
    global _server
    if _server is not None and _server.poll() is None:
        try:
            os.killpg(_server.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            _server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(_server.pid, signal.SIGKILL)
            _server.wait()
    _server = None
    if _data_dir:
        shutil.rmtree(_data_dir, ignore_errors=True)


def server_url() -> str:
    """The URL of the Lineage server the tests run against."""
    global _server, _url, _data_dir
    with _lock:
        if _url:
            return _url
        if os.environ.get("LINEAGE_URL"):
            _url = os.environ["LINEAGE_URL"].rstrip("/")
            return _url
        _data_dir = tempfile.mkdtemp(prefix="lineage-pytest-")
        env = dict(
            os.environ,
            PORT="0",
            HOST="127.0.0.1",
            LINEAGE_UI="off",
            LINEAGE_REAPER_INTERVAL_MS="250",
            LINEAGE_RETRY_AFTER_SECONDS="0.1",
            LINEAGE_TEST_CLOCK="on",
            DATABASE_URL="",
            LINEAGE_DATA_DIR=_data_dir,
        )
        _server = subprocess.Popen(
            ["node", "--import", "tsx", os.path.join(ROOT, "server", "main.ts")],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # its own process group, stopped as a whole
        )
        atexit.register(_stop_server)
        deadline = time.monotonic() + 90
        output = []
        assert _server.stdout is not None
        for line in _server.stdout:
            output.append(line)
            match = re.search(r"Lineage listening on (http://\S+)", line)
            if match:
                _url = match.group(1)
                break
            if time.monotonic() > deadline:
                break
        if not _url:
            _stop_server()
            raise RuntimeError("the Lineage server did not start:\n" + "".join(output))
        # Keep draining its output so that it never blocks on a full pipe.
        threading.Thread(target=lambda: [None for _ in _server.stdout], daemon=True).start()  # type: ignore[union-attr]
        return _url


def parse_time(text: str) -> datetime.datetime:
    """An ISO 8601 time as the server writes it ("...Z"); Python 3.9's fromisoformat wants +00:00."""
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


def advance_clock(seconds: float) -> datetime.datetime:
    """Moves the server's clock forward (server/clock.ts), so that leases run out without waiting;
    returns the server's new time."""
    request = urllib.request.Request(
        server_url() + "/api/v1/testing/clock",
        data=json.dumps({"advanceSeconds": seconds}).encode(),
        headers={"content-type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        return parse_time(json.load(answer)["now"])


T = TypeVar("T")


def wait_for(condition: Callable[[], T], what: str, timeout: float = 30, interval: float = 0.02) -> T:
    """Checks `condition` until it gives a truthy value, and returns it: a wait as long as the thing
    waited for, instead of a sleep. Fails naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


def client(**kwargs: Any) -> lineage.Client:
    kwargs.setdefault("max_retries", 2)
    kwargs.setdefault("backoff", 0.1)
    return lineage.Client(server_url(), **kwargs)


def unique_name(prefix: str) -> str:
    return f"{prefix} {os.getpid()}-{next(_counter)}-{uuid.uuid4().hex[:6]}"


def config(name: str, **overrides: Any) -> Dict[str, Any]:
    """A small experiment: one float hyperparameter, metric `accuracy`."""
    base: Dict[str, Any] = {
        "name": name,
        "objective": "maximize",
        "metric": "accuracy",
        "populationSize": 1,
        "stop": {"maxGenerations": 1},
        "hyperparameters": {
            "learning_rate": {
                "init": {"kind": "loguniform", "low": 0.001, "high": 0.1},
                "explore": {"kind": "perturb", "minFactor": 0.8, "maxFactor": 1.2},
            }
        },
        "leaseSeconds": 30,
        "maxRetries": 3,
        "seed": 7,
    }
    base.update(overrides)
    return base


def exploit_job(client: lineage.Client, prefix: str, **overrides: Any):
    """An experiment of two members in which member 0 (score 0.1) copies member 1 (score 0.9,
    `model_path` "/ckpt/donor"): returns (experiment, the leased exploit job, the donor's job id)."""
    settings: Dict[str, Any] = dict(populationSize=2, stop={"maxGenerations": 3}, exploit={"kind": "truncate", "fraction": 0.5})
    settings.update(overrides)
    experiment = client.create_experiment(config(unique_name(prefix), **settings))
    first, second = experiment.next_job(), experiment.next_job()
    by_member = {first.member: first, second.member: second}
    by_member[0].complete({"accuracy": 0.1, "model_path": "/ckpt/weak"})
    by_member[1].complete({"accuracy": 0.9, "model_path": "/ckpt/donor"})
    job = experiment.next_job()
    if job.origin != "exploit":
        job.fail("not the exploit job the test needs")
        raise AssertionError(f"expected member 0 to copy member 1, got {job.origin} job {job.id} of member {job.member}")
    return experiment, job, by_member[1].id
