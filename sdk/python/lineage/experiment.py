"""An experiment on the server: managing it, and the worker loop that leases its jobs."""
from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Optional

from ._http import quote
from ._names import snake_keys
from ._values import to_json_value
from .errors import LineageError, NoJobError, WaitTimeoutError
from .job import Job

if TYPE_CHECKING:
    from .client import Client

log = logging.getLogger("lineage")


class Experiment:
    """An experiment on the server. ``name``, ``status``, ``config`` and ``data`` (the full
    answer) reflect the last time it was fetched; ``refresh()`` fetches it again."""

    def __init__(self, client: Client, data: Dict[str, Any]) -> None:
        self.client = client
        self.data = data
        self.name: str = data["name"]

    def __repr__(self) -> str:
        return f"<lineage.Experiment {self.name!r} {self.status}>"

    @property
    def status(self) -> str:
        return self.data.get("status", "")

    @property
    def config(self) -> Dict[str, Any]:
        return self.data.get("config", {})

    @property
    def _path(self) -> str:
        return f"/experiments/{quote(self.name)}"

    def refresh(self) -> "Experiment":
        self.data = self.client._get("GET", self._path)
        return self

    # --- managing the experiment -------------------------------------------------------------

    def add_job(self, hyperparameters: Optional[Dict[str, Any]] = None, member: Optional[int] = None) -> Dict[str, Any]:
        """Pushes a job by hand: a new member with these hyperparameters, or (with ``member``) the
        next generation of a finished member. Returns the queued job (a dict)."""
        body: Dict[str, Any] = {"hyperparameters": to_json_value(dict(hyperparameters or {}), "hyperparameters")}
        if member is not None:
            body["member"] = int(member)
        return self.client._get("POST", f"{self._path}/jobs", body)

    def jobs(self, member: Optional[int] = None, status: Optional[str] = None) -> List[Dict[str, Any]]:
        """The experiment's jobs (dicts), optionally only one member's or only one status."""
        return self.client._get("GET", f"{self._path}/jobs", query={"member": member, "status": status})

    def schedule(self) -> Dict[str, Any]:
        """The best schedule: the hyperparameters along the best job's ancestry, generation 0 first."""
        return self.client._get("GET", f"{self._path}/schedule")

    def archive(self) -> "Experiment":
        """Hides the experiment from lists (``list_experiments(archived="include")`` still shows it)."""
        self.data = self.client._get("POST", f"{self._path}/archive", {"archived": True})
        return self

    def unarchive(self) -> "Experiment":
        self.data = self.client._get("POST", f"{self._path}/archive", {"archived": False})
        return self

    def analysis(self, from_generation: Optional[int] = None, to_generation: Optional[int] = None, max_jobs: Optional[int] = None) -> Dict[str, Any]:
        """The finished jobs against their hyperparameters, and each hyperparameter's importance
        for the score and for the improvement over a generation (``importance``), optionally of
        some generations only."""
        query = {"fromGeneration": from_generation, "toGeneration": to_generation, "maxJobs": max_jobs}
        return self.client._get("GET", f"{self._path}/analysis", query=query)

    def checkpoint_usage(self) -> Dict[str, Any]:
        """What the experiment's checkpoints take on the server (``stored``), what garbage
        collection freed (``deleted``), and the best job's checkpoint (``best``)."""
        return self.client._get("GET", f"{self._path}/checkpoints")

    def download_best_checkpoint(self, path: str) -> str:
        """Downloads the best job's checkpoint (the model PBT found) to the file ``path``."""
        import os

        from ._checkpoints import download

        target = os.path.abspath(path)
        return download(self.client._transport, f"{self._path}/best-checkpoint", os.path.dirname(target), to=target)

    def _set_status(self, status: str) -> "Experiment":
        self.data = self.client._get("POST", f"{self._path}/status", {"status": status})
        return self

    def pause(self) -> "Experiment":
        """Workers asking for a job are told to wait; running jobs carry on."""
        return self._set_status("paused")

    def resume(self) -> "Experiment":
        return self._set_status("running")

    def stop(self) -> "Experiment":
        """Marks the experiment done: ``next_job()`` raises ``NoJobError`` from now on."""
        return self._set_status("done")

    # --- the worker side -----------------------------------------------------------------------

    def next_job(
        self,
        *,
        worker_id: Optional[str] = None,
        timeout: Optional[float] = None,
        heartbeat: bool = True,
    ) -> "Job":
        """Leases the next job, waiting as long as the server says there is nothing to do.

        Use it as a context manager: ``with experiment.next_job() as job: ...``. Raises
        ``NoJobError`` when the experiment is done and ``WaitTimeoutError`` after ``timeout``
        seconds of waiting (default: wait as long as it takes). Heartbeats run on a background
        thread until the job is completed or failed; ``heartbeat=False`` turns them off (then
        the lease runs out after the experiment's ``leaseSeconds``).
        """
        worker = worker_id or self.client.worker_id
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            answer = self.client.request("POST", f"{self._path}/next-job", {"workerId": worker})
            status = answer.get("status")
            if status == "job":
                return Job(self, dict(answer, job=snake_keys(answer["job"])), heartbeat=heartbeat)
            if status == "done":
                raise NoJobError(f"experiment {self.name!r} is done; there are no more jobs")
            if status != "wait":
                raise LineageError(f"unexpected answer from next-job: {answer!r}")
            delay = float(answer.get("retryAfterSeconds", 1.0))
            if deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise WaitTimeoutError(
                        f"experiment {self.name!r}: no job after waiting {timeout} s (server says: {answer.get('reason', 'wait')})"
                    )
                delay = min(delay, left)
            time.sleep(max(0.0, delay))

    def run_worker(
        self,
        train: Callable[["Job"], Optional[Dict[str, Any]]],
        max_jobs: Optional[int] = None,
        *,
        worker_id: Optional[str] = None,
        max_consecutive_failures: int = 3,
    ) -> int:
        """The worker loop: lease a job, call ``train(job)``, complete it, again, until the
        experiment is done or ``max_jobs`` jobs were completed. Returns the number completed.

        ``train`` sets ``job.results[...]`` (or returns a dict, merged into them); NaN or an
        infinity as the metric completes the job as diverged. When it raises,
        the job is marked crashed with the traceback (the server retries it) and the loop goes
        on; after ``max_consecutive_failures`` crashes in a row the last error is re-raised, so a
        bug does not burn through every member's retries. ``KeyboardInterrupt`` marks the job
        crashed and stops the loop.
        """
        completed = 0
        failures = 0
        while max_jobs is None or completed < max_jobs:
            try:
                job = self.next_job(worker_id=worker_id)
            except NoJobError:
                break
            try:
                with job:
                    returned = train(job)
                    if returned is not None:
                        if not isinstance(returned, dict):
                            raise TypeError(f"train() returned a {type(returned).__name__}; return a dict of results or None")
                        job.results.update(returned)
            except Exception as error:  # the job is already marked crashed (or its lease is gone)
                failures += 1
                log.error("lineage: job %s (member %s, generation %s) failed: %s", job.id, job.member, job.generation, error)
                if failures >= max_consecutive_failures:
                    raise
                continue
            failures = 0
            completed += 1
        return completed


