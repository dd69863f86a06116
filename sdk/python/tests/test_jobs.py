"""The worker side against the real server: leases, heartbeats, completion, failure, metrics."""
import datetime
import threading
import time
import unittest

import support
import lineage


class FakeScalar:
    """Behaves like a numpy scalar (numpy.float32(0.9)): not a float, but has .item()."""

    def __init__(self, value):
        self.value = value

    def item(self):
        return self.value


class FakeArray:
    """Behaves like a numpy array: has .tolist() (and .item(), which must not be used)."""

    def __init__(self, values):
        self.values = values

    def tolist(self):
        return [v.item() if isinstance(v, FakeScalar) else v for v in self.values]

    def item(self):
        raise ValueError("can only convert an array of size 1 to a Python scalar")


class JobTests(unittest.TestCase):
    def setUp(self):
        self.client = support.client(worker_id="py-test-worker")

    def experiment(self, prefix, **overrides):
        return self.client.create_experiment(support.config(support.unique_name(prefix), **overrides))

    def test_context_manager_completes_with_results(self):
        experiment = self.experiment("complete", stop={"maxGenerations": 2})
        with experiment.next_job() as job:
            self.assertEqual((job.member, job.generation, job.attempt), (0, 0, 0))
            self.assertIn("learning_rate", job.hyperparameters)
            self.assertEqual(job.results, {})
            self.assertEqual(job.heartbeat_seconds, 10)  # leaseSeconds 30 / 3
            job.log(1, accuracy=0.2, loss=1.5)
            job.log(2, {"accuracy": 0.4}, loss=1.0)
            job.results["accuracy"] = 0.5
            job.results["model_path"] = "/tmp/checkpoints/0.json"
        self.assertTrue(job.finished)
        done = self.client.get_job(job.id)
        self.assertEqual(done["status"], "done")
        self.assertEqual(done["worker_id"], "py-test-worker")
        self.assertEqual(done["results"], {"accuracy": 0.5, "model_path": "/tmp/checkpoints/0.json"})
        self.assertEqual(done["score"], 0.5)
        # The heartbeat thread is gone once the job is finished.
        self.assertFalse(any(t.name == f"lineage-heartbeat-{job.id}" for t in threading.enumerate()))

        # The next generation continues from what the first one saved.
        with experiment.next_job() as second:
            self.assertEqual((second.member, second.generation), (0, 1))
            self.assertEqual(second.parent_id, job.id)
            self.assertEqual(second.results["model_path"], "/tmp/checkpoints/0.json")
            second.results["accuracy"] = 0.7
        self.assertEqual(self.client.get_job(second.id)["results"]["accuracy"], 0.7)
        with self.assertRaises(lineage.NoJobError):
            experiment.next_job()

    def test_metrics_are_flushed_in_batches(self):
        experiment = self.experiment("metrics")
        job = experiment.next_job()
        job.metrics_flush_seconds = 3600
        job.metrics_batch_size = 1000
        for step in range(1, 2501):
            job.log(step, accuracy=step / 2500)
        self.assertEqual(len(job._pending), 500)  # two batches of 1000 already sent
        self.assertEqual(job.flush(), 500)
        self.assertEqual(job.flush(), 0)
        job.complete({"accuracy": 1.0})
        with self.assertRaises(lineage.LineageError):
            job.complete({"accuracy": 1.0})

    def test_exception_marks_crashed_reraises_and_is_retried(self):
        experiment = self.experiment("crash")
        with self.assertRaises(ZeroDivisionError):
            with experiment.next_job() as job:
                job.log(1, loss=2.0)
                1 / 0
        crashed = self.client.get_job(job.id)
        self.assertEqual(crashed["status"], "crashed")
        self.assertIn("ZeroDivisionError", crashed["error"])
        self.assertIn("Traceback", crashed["error"])
        self.assertIn("test_jobs.py", crashed["error"])

        with experiment.next_job() as retry:
            self.assertEqual((retry.member, retry.generation, retry.attempt), (0, 0, 1))
            self.assertEqual(retry.hyperparameters, job.hyperparameters)
            retry.results["accuracy"] = 0.9
        self.assertEqual(self.client.get_job(retry.id)["status"], "done")

    def test_keyboard_interrupt_marks_crashed_too(self):
        experiment = self.experiment("interrupt")
        with self.assertRaises(KeyboardInterrupt):
            with experiment.next_job() as job:
                raise KeyboardInterrupt()
        self.assertEqual(self.client.get_job(job.id)["status"], "crashed")

    def test_numpy_like_values_are_converted(self):
        experiment = self.experiment("numpy")
        with experiment.next_job() as job:
            job.log(FakeScalar(3), accuracy=FakeScalar(0.25))
            job.results["accuracy"] = FakeScalar(0.875)
            job.results["per_class"] = FakeArray([FakeScalar(0.5), 1.0])
            job.results["shape"] = (2, FakeScalar(3))
        results = self.client.get_job(job.id)["results"]
        self.assertEqual(results, {"accuracy": 0.875, "per_class": [0.5, 1.0], "shape": [2, 3]})

    def test_values_json_cannot_hold_are_refused_before_sending(self):
        experiment = self.experiment("not json")
        job = experiment.next_job()
        with self.assertRaises(lineage.InvalidResultsError) as caught:
            job.complete({"accuracy": 1.0, "nested": {"x": [1, object()]}})
        self.assertIn("results['nested']['x'][1]", str(caught.exception))
        with self.assertRaises(lineage.InvalidResultsError):
            job.log(1, loss="low")
        with self.assertRaises(lineage.InvalidResultsError):
            experiment.add_job(hyperparameters={"learning_rate": float("nan")})  # NaN means "diverged" in results only
        # Nothing was sent: the job is still running, and can finish properly.
        self.assertEqual(self.client.get_job(job.id)["status"], "running")
        job.results = {}
        job.complete({"accuracy": 1.0})
        self.assertEqual(self.client.get_job(job.id)["status"], "done")

    def test_a_value_json_cannot_hold_in_a_with_block_crashes_the_job_with_the_reason(self):
        experiment = self.experiment("not json in with")
        with self.assertRaises(lineage.InvalidResultsError):
            with experiment.next_job() as job:
                job.results["accuracy"] = 0.5
                job.results["model"] = object()
        crashed = self.client.get_job(job.id)
        self.assertEqual(crashed["status"], "crashed")
        self.assertIn("results['model']", crashed["error"])

    def test_missing_metric_is_refused_before_sending_and_crashes_the_job_in_a_with_block(self):
        experiment = self.experiment("no metric")
        with self.assertRaises(lineage.MetricNotSetError) as caught:
            with experiment.next_job() as job:
                job.results["loss"] = 0.1
        self.assertIn("job.results has no 'accuracy'", str(caught.exception))
        crashed = self.client.get_job(job.id)
        self.assertEqual(crashed["status"], "crashed")
        self.assertIn("cannot complete without its own 'accuracy'", crashed["error"])
        self.assertEqual(crashed["results"], {})

    def test_a_metric_the_server_refuses_is_an_api_error(self):
        experiment = self.experiment("bad metric")
        with self.assertRaises(lineage.ApiError) as caught:
            with experiment.next_job() as job:
                job.results["accuracy"] = "high"
        self.assertEqual(caught.exception.status, 400)
        self.assertEqual(caught.exception.code, "invalid_metric")
        self.assertEqual(self.client.get_job(job.id)["status"], "crashed")

    def test_no_job_error_when_done(self):
        experiment = self.experiment("done")
        with experiment.next_job() as job:
            job.results["accuracy"] = 0.3
        with self.assertRaises(lineage.NoJobError):
            experiment.next_job()
        self.assertEqual(experiment.refresh().status, "done")

    def test_next_job_waits_while_the_server_says_wait(self):
        experiment = self.experiment("wait", stop={"maxGenerations": 2})
        first = experiment.next_job()
        with self.assertRaises(lineage.WaitTimeoutError):
            experiment.next_job(timeout=0.5)  # the only member is busy

        got = []
        waiter = threading.Thread(target=lambda: got.append(experiment.next_job(worker_id="waiter")))
        waiter.start()
        time.sleep(0.5)
        self.assertEqual(got, [])
        first.complete({"accuracy": 0.4})
        waiter.join(timeout=10)
        self.assertEqual(len(got), 1)
        second = got[0]
        self.assertEqual((second.member, second.generation), (0, 1))
        second.complete({"accuracy": 0.6})

    def test_heartbeats_keep_the_lease_past_lease_seconds(self):
        experiment = self.experiment("heartbeat", leaseSeconds=5)
        with experiment.next_job() as job:
            self.assertEqual(job.heartbeat_seconds, 1)
            first_expiry = job.lease_expires_at
            # Three times: the server's clock moves 2 s on, and a heartbeat (every second) extends
            # the lease from there. 6 s pass on the server's clock, more than the 5 s lease.
            for _ in range(3):
                now = support.advance_clock(2)
                support.wait_for(
                    lambda: support.parse_time(job.lease_expires_at) >= now + datetime.timedelta(seconds=5),
                    "a heartbeat",
                    timeout=10,
                )
            self.assertFalse(job.lease_lost)
            self.assertGreater(job.lease_expires_at, first_expiry)
            job.results["accuracy"] = 0.8
        done = self.client.get_job(job.id)
        self.assertEqual(done["status"], "done")
        self.assertEqual(done["attempt"], 0)

    def test_expired_lease_is_a_clear_error(self):
        experiment = self.experiment("expired", leaseSeconds=5)
        with self.assertRaises(lineage.LeaseExpiredError) as caught:
            with experiment.next_job(heartbeat=False) as job:
                support.advance_clock(6)
                job.results["accuracy"] = 0.8
        error = caught.exception
        self.assertIsInstance(error, lineage.ApiError)
        self.assertEqual((error.status, error.code), (409, "lease_invalid"))
        self.assertIn(f"job {job.id}", str(error))
        self.assertTrue(job.finished)
        # The lease reaper crashes the job (within its interval) and queues a retry of the same generation.
        support.wait_for(lambda: self.client.get_job(job.id)["status"] == "crashed", "the lease reaper to crash the job", timeout=10)
        with experiment.next_job() as retry:
            self.assertEqual((retry.generation, retry.attempt), (0, 1))
            retry.results["accuracy"] = 0.8

    def test_heartbeat_thread_notices_a_lost_lease(self):
        experiment = self.experiment("lost", leaseSeconds=5)
        job = experiment.next_job()
        job.lease_token = "not-the-token"  # as if the job had been handed to another worker
        support.wait_for(lambda: job.lease_lost, "the heartbeat thread to find the lease lost", timeout=10)
        with self.assertRaises(lineage.LeaseExpiredError):
            job.check_lease()
        with self.assertRaises(lineage.LeaseExpiredError):
            job.log(1, accuracy=0.1)

    def test_run_worker(self):
        # No exploit: every member goes through every generation (an exploit would skip ahead).
        experiment = self.experiment("run worker", populationSize=2, stop={"maxGenerations": 3}, exploit={"kind": "none"})
        seen = []

        def train(job):
            seen.append((job.member, job.generation))
            job.log(job.generation + 1, accuracy=0.1 * (job.generation + 1))
            return {"accuracy": 0.1 * (job.generation + 1), "model_path": f"m{job.member}-g{job.generation}"}

        self.assertEqual(experiment.run_worker(train, max_jobs=2), 2)
        self.assertEqual(experiment.run_worker(train), 4)
        self.assertEqual(len(seen), 6)
        self.assertEqual(sorted(j["generation"] for j in experiment.jobs(status="done")), [0, 0, 1, 1, 2, 2])
        self.assertEqual(experiment.run_worker(train), 0)  # done

    def test_run_worker_stops_after_consecutive_failures(self):
        experiment = self.experiment("run worker bug", populationSize=2, maxRetries=10)

        def train(job):
            raise RuntimeError("a bug in the training code")

        with self.assertRaises(RuntimeError):
            experiment.run_worker(train, max_consecutive_failures=2)
        crashed = experiment.jobs(status="crashed")
        self.assertEqual(len(crashed), 2)
        self.assertTrue(all("a bug in the training code" in j["error"] for j in crashed))


if __name__ == "__main__":
    unittest.main()
