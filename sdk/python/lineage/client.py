"""The Lineage client: experiments, jobs, and the worker side (leases, heartbeats, metrics)."""
from __future__ import annotations

import logging
import os
import socket
import sys
import threading
import time
import traceback
from typing import Any, Callable, Dict, Iterator, List, Optional

from ._http import Transport, quote
from ._names import snake_keys
from ._results import Results
from ._values import to_json_value, to_metric_value
from .errors import ApiError, InvalidResultsError, LeaseExpiredError, LineageError, MetricNotSetError, NoJobError, WaitTimeoutError

log = logging.getLogger("lineage")

DEFAULT_URL = "http://127.0.0.1:3000"
API_PREFIX = "/api/v1"


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

    def list_experiments(self) -> List[Dict[str, Any]]:
        """Every experiment, with its progress (a list of dicts)."""
        return self._get("GET", "/experiments")

    def get_job(self, job_id: int) -> Dict[str, Any]:
        """One job as the server sees it (a dict; ``status``, ``results``, ``error``, ``parent_id``,
        ``donor_job_id``, ``mutations``, ...)."""
        return self._get("GET", f"/jobs/{int(job_id)}")


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


class Job:
    """A leased job: ``id``, ``member``, ``generation``, ``attempt``, ``hyperparameters``, how it
    came to be (``origin``: initial, manual, continue or exploit; ``parent_id``: the job whose
    checkpoint it continues from; after an exploit ``donor_job_id``, ``exploit_reason`` and
    ``mutations``, what explore changed), and ``results``.

    ``results`` starts with what the job continues from (its parent's results, e.g.
    ``model_path``; after an exploit, the donor's). Completing the job sends only the keys this
    job wrote, and refuses to complete it while the experiment's metric is only inherited.
    """

    def __init__(self, experiment: Experiment, answer: Dict[str, Any], heartbeat: bool = True) -> None:
        data = answer["job"]
        self.experiment = experiment
        self.client = experiment.client
        self.data: Dict[str, Any] = data
        self.id: int = data["id"]
        self.member: int = data["member"]
        self.generation: int = data["generation"]
        self.attempt: int = data.get("attempt", 0)
        self.origin: str = data.get("origin", "")
        self.parent_id: Optional[int] = data.get("parent_id")
        self.donor_job_id: Optional[int] = data.get("donor_job_id")
        self.exploit_reason: Optional[str] = data.get("exploit_reason")
        self.mutations: List[Dict[str, Any]] = list(data.get("mutations") or [])
        self.diverged: bool = bool(data.get("diverged", False))
        self.hyperparameters: Dict[str, Any] = dict(data.get("hyperparameters") or {})
        self._results = Results(data.get("results") or {})
        self.lease_token: str = answer["leaseToken"]
        self.lease_expires_at: str = answer.get("leaseExpiresAt", "")
        self.heartbeat_seconds: float = float(answer.get("heartbeatSeconds", 10))
        self.experiment_status: str = "running"
        self.metrics_batch_size = 100
        self.metrics_flush_seconds = 2.0
        self._pending: List[Dict[str, Any]] = []
        self._last_flush = time.monotonic()
        self._lock = threading.Lock()
        self._finished = False
        self._finishing = False
        self._lease_error: Optional[LeaseExpiredError] = None
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None
        if heartbeat:
            self._thread = threading.Thread(target=self._heartbeats, name=f"lineage-heartbeat-{self.id}", daemon=True)
            self._thread.start()

    @property
    def results(self) -> Results:
        """The job's results: inherited values to read (``model_path``), and what you set."""
        return self._results

    @results.setter
    def results(self, value: Dict[str, Any]) -> None:
        # A whole new dict: every key in it is this job's.
        if value is self._results:  # job.results = job.results (e.g. after job.results |= ...)
            return
        if not isinstance(value, dict):
            raise TypeError(f"job.results must be a dict, not {type(value).__name__}")
        self._results = Results.assigned(value, self._results._inherited)

    @property
    def metric(self) -> str:
        """The experiment's metric: the result key this job must set."""
        return str(self.experiment.config.get("metric", ""))

    def __repr__(self) -> str:
        return f"<lineage.Job {self.id} member={self.member} generation={self.generation} attempt={self.attempt}>"

    @property
    def _path(self) -> str:
        return f"/jobs/{self.id}"

    @property
    def finished(self) -> bool:
        return self._finished

    @property
    def lease_lost(self) -> bool:
        """True once a heartbeat was refused: the job is gone, stop training it."""
        return self._lease_error is not None

    def check_lease(self) -> None:
        """Raises ``LeaseExpiredError`` if a heartbeat found the lease over. Long training loops
        can call it now and then to stop early rather than finish work that will be thrown away."""
        if self._lease_error is not None:
            raise self._lease_error

    # --- heartbeats ----------------------------------------------------------------------------

    def _heartbeats(self) -> None:
        interval = max(0.2, self.heartbeat_seconds)
        while not self._stop.wait(interval):
            try:
                # One retry at most: a heartbeat that waits too long is worth less than the next one.
                answer = self.client.request("POST", f"{self._path}/heartbeat", {"leaseToken": self.lease_token}, retries=1)
                self.lease_expires_at = answer.get("leaseExpiresAt", self.lease_expires_at)
                self.experiment_status = answer.get("experimentStatus", self.experiment_status)
            except LeaseExpiredError as error:
                # While the job is being completed or failed, a heartbeat that arrives after it
                # is refused: that is no lost lease.
                if not self._stop.is_set() and not self._finishing:
                    self._lease_error = error
                    log.error("lineage: job %s lost its lease: %s", self.id, error.message)
                return
            except Exception as error:  # network trouble: try again at the next beat
                if self._stop.is_set():
                    return
                log.warning("lineage: heartbeat of job %s failed: %s", self.id, error)

    def _stop_heartbeats(self) -> None:
        self._stop.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=self.client._transport.timeout + 1)

    # --- metrics -------------------------------------------------------------------------------

    def log(self, step: int, values: Optional[Dict[str, Any]] = None, **metrics: Any) -> None:
        """Reports intermediate metrics for live curves: ``job.log(120, accuracy=0.91, loss=0.3)``.

        ``step`` counts on across the member's generations. Points are sent in batches (every
        ``metrics_flush_seconds`` or ``metrics_batch_size`` points) and always before the job
        completes. NaN and ±Infinity (a diverging loss) are recorded as ``"NaN"``,
        ``"Infinity"``, ``"-Infinity"``; values that are not numbers raise
        ``InvalidResultsError``.
        """
        merged: Dict[str, Any] = dict(values or {})
        merged.update(metrics)
        if not merged:
            raise InvalidResultsError("job.log() needs at least one metric, e.g. job.log(step, accuracy=0.9)")
        if isinstance(step, bool):
            raise InvalidResultsError(f"step must be an integer, not {step!r}")
        step_value = to_json_value(step, "step")
        if not isinstance(step_value, int) or step_value < 0:
            raise InvalidResultsError(f"step must be a non-negative integer, not {step!r}")
        point = {"step": step_value, "values": {str(k): to_metric_value(v, f"metric {k!r}") for k, v in merged.items()}}
        self.check_lease()
        with self._lock:
            self._pending.append(point)
            due = len(self._pending) >= self.metrics_batch_size or time.monotonic() - self._last_flush >= self.metrics_flush_seconds
        if due:
            self.flush()

    def flush(self) -> int:
        """Sends the metric points not sent yet; returns how many the server stored."""
        stored = 0
        while True:
            with self._lock:
                batch = self._pending[:1000]
                del self._pending[: len(batch)]
                self._last_flush = time.monotonic()
            if not batch:
                return stored
            answer = self.client.request("POST", f"{self._path}/metrics", {"leaseToken": self.lease_token, "points": batch})
            stored += int((answer or {}).get("stored", len(batch)))

    # --- finishing -----------------------------------------------------------------------------

    def complete(self, results: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
        """Finishes the job with the results it set (``job.results``, updated with ``results`` if
        given); the server keeps the inherited keys this job did not set. The experiment's metric
        must be set by this job: a number, or NaN / ±Infinity when training diverged (the job is
        then done and marked diverged, and PBT replaces it). Returns the finished job (a dict).

        Raises ``MetricNotSetError`` (nothing is sent; the job stays leased) when the metric is
        missing or only inherited, and ``InvalidResultsError`` for values JSON cannot hold.
        """
        if self._finished:
            raise LineageError(f"job {self.id} is already finished")
        if results:
            self.results.update(results)
        own = self.results.written()
        self._check_metric(own)
        payload = to_json_value(own, "results", non_finite="text")  # objects JSON cannot hold: refused before sending
        try:
            self.check_lease()
            self.flush()
            answer = self._finish("complete", {"leaseToken": self.lease_token, "results": payload}, expected="done")
        except LeaseExpiredError:
            self._finished = True
            self._stop_heartbeats()
            raise
        self._finished = True
        self._stop_heartbeats()
        self.diverged = bool(answer.get("diverged", self.diverged))
        return answer

    def complete_diverged(self, results: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
        """Finishes the job as diverged (training blew up: NaN loss): its metric is sent as
        ``"NaN"``, it ranks below every finite score, and PBT replaces the member at its next job
        instead of retrying the same hyperparameters. ``results`` are sent with it (e.g. the step
        it reached). The same as setting the metric to ``float("nan")`` and completing."""
        if self._finished:
            raise LineageError(f"job {self.id} is already finished")
        if results:
            self.results.update(results)
        if not self.metric:
            raise LineageError(f"job {self.id}: the experiment's config names no metric")
        self.results[self.metric] = float("nan")
        return self.complete()

    def _check_metric(self, own: Dict[str, Any]) -> None:
        metric = self.metric
        if not metric or metric in own:
            return
        if metric in self.results:
            value = self.results[metric]
            if self.origin == "exploit" and self.donor_job_id is not None and self.donor_job_id != self.parent_id:
                source = f"its parent job {self.parent_id} (this exploit's donor is job {self.donor_job_id})"
            elif self.origin == "exploit":
                source = f"job {self.parent_id}, the donor this exploit copied (parent_id {self.parent_id})"
            elif self.parent_id is not None:
                source = f"its parent job {self.parent_id}"
            else:
                source = "the results the job started with"
            what = f"job.results[{metric!r}] = {value!r} is inherited from {source}, not this job's score"
        else:
            what = f"job.results has no {metric!r}"
        raise MetricNotSetError(
            f"job {self.id} (member {self.member}, generation {self.generation}) cannot complete without its own "
            f"{metric!r}: {what}. Set job.results[{metric!r}] to the score this job reached (or call "
            f"job.complete_diverged() if training diverged); nothing was sent.",
            metric,
            self.id,
            self.parent_id if metric in self.results else None,
        )

    def fail(self, error: Any = "") -> Dict[str, Any]:
        """Gives the job up: it is marked crashed with ``error`` (text; an exception is formatted
        with its traceback) and retried up to the experiment's retry limit."""
        if self._finished:
            raise LineageError(f"job {self.id} is already finished")
        if isinstance(error, BaseException):
            text = "".join(traceback.format_exception(type(error), error, error.__traceback__))
        else:
            text = str(error)
        if len(text) > 20_000:
            text = text[:2_000] + "\n...\n" + text[-17_000:]
        try:
            with self._lock:
                self._pending.clear()  # metrics of a failed attempt are not worth a round trip
            answer = self._finish("fail", {"leaseToken": self.lease_token, "error": text}, expected="crashed")
        finally:
            self._finished = True
            self._stop_heartbeats()
        return answer

    def _finish(self, action: str, body: Dict[str, Any], expected: str) -> Dict[str, Any]:
        self._finishing = True
        try:
            return self.client._get("POST", f"{self._path}/{action}", body)
        except LeaseExpiredError:
            # A retried call whose first attempt got through (its answer was lost on the way
            # back) finds the lease already over: if this attempt of the job ended as asked, by
            # this worker, that was this call.
            try:
                job = self.client.get_job(self.id)
            except LineageError:
                job = None
            if (
                job is not None
                and job.get("status") == expected
                and job.get("attempt") == self.attempt
                and job.get("worker_id") == self.data.get("worker_id")
            ):
                return job
            raise
        except BaseException:
            self._finishing = False
            raise

    # --- context manager -----------------------------------------------------------------------

    def __enter__(self) -> "Job":
        return self

    def __exit__(self, exc_type: Any, exc: Optional[BaseException], tb: Any) -> bool:
        if self._finished:
            self._stop_heartbeats()
            return False
        if exc is None:
            try:
                self.complete()
            except LeaseExpiredError:
                raise
            except (InvalidResultsError, ApiError) as error:
                # The results cannot be accepted (metric not set by this job, a value JSON cannot
                # hold, refused by the server): the job would otherwise sit leased until its
                # lease ran out. Mark it crashed and say why.
                self._fail_quietly(error)
                raise
            return False
        if isinstance(exc, LeaseExpiredError) or self.lease_lost:
            self._finished = True
            self._stop_heartbeats()
            return False
        self._fail_quietly(exc)
        return False  # re-raise

    def _fail_quietly(self, error: BaseException) -> None:
        try:
            self.fail(error)
        except Exception as failure:
            print(f"lineage: could not mark job {self.id} crashed: {failure}", file=sys.stderr)
