"""The Lineage client: a connection to a server, and the experiments on it."""
from __future__ import annotations

import os
import socket
from typing import Any, Dict, Iterator, List, Optional

from ._http import Transport, quote
from ._names import snake_keys
from ._values import to_json_value
from .experiment import Experiment

DEFAULT_URL = "http://127.0.0.1:3000"
API_PREFIX = "/api/v1"

__all__ = ["API_PREFIX", "Client", "DEFAULT_URL", "default_worker_id", "quote"]


def default_worker_id() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


class Client:
    """A connection to a Lineage server.

    ``url`` defaults to ``$LINEAGE_URL`` (then ``http://127.0.0.1:3000``), ``token`` to
    ``$LINEAGE_TOKEN`` (sent as ``Authorization: Bearer <token>``). ``worker_id`` names this
    worker in the dashboard (default: ``hostname-pid``). Connection errors and 5xx answers are
    retried ``max_retries`` times with exponential backoff starting at ``backoff`` seconds; 4xx
    answers are never retried and raise ``ApiError``.

    Every dict it returns has snake_case keys (``parent_id``, ``donor_job_id``), except inside
    what users wrote themselves: hyperparameters, results, metric values and configs keep theirs.
    """

    def __init__(
        self,
        url: Optional[str] = None,
        token: Optional[str] = None,
        *,
        worker_id: Optional[str] = None,
        timeout: float = 30.0,
        max_retries: int = 5,
        backoff: float = 0.5,
        max_backoff: float = 10.0,
    ) -> None:
        url = url or os.environ.get("LINEAGE_URL") or DEFAULT_URL
        url = url.rstrip("/")
        if url.endswith(API_PREFIX):
            url = url[: -len(API_PREFIX)]
        self.url = url
        self.token = token if token is not None else (os.environ.get("LINEAGE_TOKEN") or None)
        self.worker_id = worker_id or default_worker_id()
        self._transport = Transport(url + API_PREFIX, self.token, timeout, max_retries, backoff, max_backoff)

    def __repr__(self) -> str:
        return f"lineage.Client({self.url!r})"

    def request(self, method: str, path: str, body: Optional[Dict[str, Any]] = None, query: Optional[Dict[str, Any]] = None, **kwargs: Any) -> Any:
        """A raw call to the worker HTTP API (``path`` relative to ``/api/v1``); the answer is
        the server's JSON as it is (camelCase keys). A list the server sends a page at a time
        comes back whole: its pages are fetched one after another."""
        return self._transport.request(method, path, body, query, **kwargs)

    def _get(self, method: str, path: str, body: Optional[Dict[str, Any]] = None, query: Optional[Dict[str, Any]] = None, **kwargs: Any) -> Any:
        """A call whose answer is handed to the user: keys in snake_case."""
        return snake_keys(self.request(method, path, body, query, **kwargs))

    def pages(self, path: str, query: Optional[Dict[str, Any]] = None) -> Iterator[List[Dict[str, Any]]]:
        """The pages of a list of the HTTP API (e.g. ``/experiments/NAME/jobs``), one at a time, as
        they are fetched (keys in snake_case): for lists too long to hold at once."""
        return (snake_keys(page) for page in self._transport.pages(path, query))

    def get_experiment(self, name: str) -> "Experiment":
        """The experiment called ``name``; ``ApiError`` with code ``experiment_not_found`` if none."""
        return Experiment(self, self._get("GET", f"/experiments/{quote(name)}"))

    def create_experiment(self, config: Dict[str, Any]) -> "Experiment":
        """Creates an experiment from its config (the same JSON the dashboard and the HTTP API take)."""
        return Experiment(self, self._get("POST", "/experiments", to_json_value(dict(config), "config")))

    def list_experiments(self, search: Optional[str] = None, status: Optional[str] = None, archived: Optional[str] = None) -> List[Dict[str, Any]]:
        """Every experiment, with its progress (a list of dicts), newest first. ``search``: part of
        the name, any case; ``status``: running, paused or done; ``archived``: archived experiments
        are left out ("exclude", the default), listed too ("include") or alone ("only")."""
        return self._get("GET", "/experiments", query={"search": search, "status": status, "archived": archived})

    def compare(self, names: List[str]) -> Dict[str, Any]:
        """Experiments side by side (2 to 8 names): each one's best score so far against steps
        (``curve``), and its ``best``, ``final`` and ``generation0`` scores."""
        return self._get("POST", "/compare", {"experiments": list(names)})

    def download_checkpoint(self, job_id: int, path: str) -> str:
        """Downloads job ``job_id``'s checkpoint to the file ``path`` (checked against its SHA-256)."""
        from ._checkpoints import download

        target = os.path.abspath(path)
        return download(self._transport, f"/jobs/{int(job_id)}/checkpoint", os.path.dirname(target), to=target)

    def pin_checkpoint(self, job_id: int, pinned: bool = True) -> Dict[str, Any]:
        """Pins a job's checkpoint (garbage collection keeps it), or unpins it; returns the job."""
        return self._get("POST", f"/jobs/{int(job_id)}/checkpoint/pin", {"pinned": bool(pinned)})

    def get_job(self, job_id: int) -> Dict[str, Any]:
        """One job as the server sees it (a dict; ``status``, ``results``, ``error``, ``parent_id``,
        ``donor_job_id``, ``mutations``, ...)."""
        return self._get("GET", f"/jobs/{int(job_id)}")


