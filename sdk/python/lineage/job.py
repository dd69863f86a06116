"""A job a worker holds: its hyperparameters, the results it continues from, and the calls that
report on it (heartbeats on a background thread, metrics, complete, fail)."""
from __future__ import annotations

import logging
import os
import sys
import threading
import time
import traceback
from typing import TYPE_CHECKING, Any, Dict, List, Optional

from . import _checkpoints
from ._results import Results
from ._names import snake_keys
from ._values import to_json_value, to_metric_value
from .errors import ApiError, InvalidResultsError, LeaseExpiredError, LineageError, MetricNotSetError

if TYPE_CHECKING:
    from .experiment import Experiment

log = logging.getLogger("lineage")


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

    # --- checkpoints ---------------------------------------------------------------------------

    def save_checkpoint(self, path: str) -> Dict[str, Any]:
        """Uploads the file at ``path`` as this job's checkpoint (streamed, with its SHA-256, which
        the server checks; uploading again replaces it). Call it before the job completes: the jobs
        that continue from this one (after an exploit, other members' jobs too) load it with
        ``load_checkpoint()``. The server keeps it while a later job may need it. Returns the
        checkpoint's record (``size``, ``sha256``, ...)."""
        if self._finished:
            raise LineageError(f"job {self.id} is already finished")
        self.check_lease()
        answer = _checkpoints.upload(self.client._transport, self.id, self.lease_token, os.fspath(path))
        return snake_keys(answer.get("checkpoint") or {})

    def load_checkpoint(self, cache_dir: Optional[str] = None) -> Optional[str]:
        """The checkpoint this job continues from (its parent's; after an exploit, the donor's) as
        a local file path, downloaded into a cache (``$LINEAGE_CACHE_DIR``, else
        ``~/.cache/lineage/checkpoints``) and checked against its SHA-256. ``None`` for a first
        generation, which starts from scratch. Raises ``ApiError`` (code ``checkpoint_not_found``)
        when the parent stored none on the server."""
        if self.parent_id is None:
            return None
        parent = self.client.get_job(self.parent_id)
        stored = parent.get("checkpoint") or {}
        expected = stored.get("sha256") if stored and stored.get("deleted_at") is None else None
        return _checkpoints.download(
            self.client._transport, f"/jobs/{self.id}/parent-checkpoint", cache_dir or _checkpoints.default_cache_dir(), expected
        )

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
