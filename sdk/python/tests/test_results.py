"""A job's metric must be its own: completing sends only the results this job set, and an
exploit job whose metric is the donor's (inherited, never set) is refused before anything is
sent. Also diverged runs (NaN as the metric, NaN in live metrics). Against the real server."""
import math
import unittest

import support
import lineage
from lineage import Results


class ResultsTrackingTests(unittest.TestCase):
    """job.results remembers which keys were written, whatever their values."""

    def setUp(self):
        self.results = Results({"accuracy": 0.9, "model_path": "/ckpt/donor", "history": [0.5]})

    def test_inherited_keys_are_not_written(self):
        self.assertEqual(self.results.written(), {})
        self.assertEqual(self.results["model_path"], "/ckpt/donor")  # still there to read

    def test_item_assignment_counts_even_for_an_equal_value(self):
        self.results["accuracy"] = 0.9
        self.assertEqual(self.results.written(), {"accuracy": 0.9})

    def test_update_and_in_place_or(self):
        self.results.update({"accuracy": 0.5}, loss=1.0)
        self.results |= {"step": 10}
        self.assertIsInstance(self.results, Results)
        self.assertEqual(self.results.written(), {"accuracy": 0.5, "loss": 1.0, "step": 10})

    def test_setdefault_counts_only_when_it_inserts(self):
        self.assertEqual(self.results.setdefault("accuracy", 0.1), 0.9)  # inherited: left as it was
        self.assertEqual(self.results.setdefault("loss", 2.0), 2.0)
        self.assertEqual(self.results.written(), {"loss": 2.0})

    def test_removals(self):
        self.results["accuracy"] = 0.7
        del self.results["accuracy"]
        self.results["loss"] = 1.0
        self.results.pop("loss")
        self.assertEqual(self.results.written(), {})
        self.results["x"] = 1
        self.results.clear()
        self.assertEqual(self.results.written(), {})

    def test_a_nested_value_changed_in_place_is_sent(self):
        self.results["history"].append(0.6)
        self.assertEqual(self.results.written(), {"history": [0.5, 0.6]})


class OwnMetricTests(unittest.TestCase):
    def setUp(self):
        self.client = support.client(worker_id="py-metric-worker")

    def assertNothingStored(self, job):
        """The server still holds the job leased, with the results it started with and no score."""
        stored = self.client.get_job(job.id)
        self.assertEqual(stored["status"], "running")
        self.assertIsNone(stored["score"])
        self.assertEqual(stored["results"], {"accuracy": 0.9, "model_path": "/ckpt/donor"})

    def test_an_exploit_job_that_never_sets_its_metric_is_refused_before_anything_is_sent(self):
        experiment, job, donor = support.exploit_job(self.client, "forgotten metric")
        self.assertEqual((job.origin, job.parent_id, job.donor_job_id), ("exploit", donor, donor))
        self.assertEqual(job.results["accuracy"], 0.9)  # the donor's score, there to read
        job.log(1, loss=0.3)
        job.results["model_path"] = "/ckpt/mine"

        with self.assertRaises(lineage.MetricNotSetError) as caught:
            job.complete()
        error = caught.exception
        self.assertIsInstance(error, lineage.InvalidResultsError)
        self.assertEqual((error.metric, error.job_id, error.source_job_id), ("accuracy", job.id, donor))
        message = str(error)
        self.assertIn("'accuracy'", message)
        self.assertIn(f"inherited from job {donor}, the donor this exploit copied", message)
        self.assertIn(f"job {job.id} ", message)
        self.assertIn("nothing was sent", message)
        self.assertNothingStored(job)
        self.assertFalse(job.finished)

        # Setting it works: the job completes with its own score, and the keys it did not set
        # are kept by the server.
        job.results["accuracy"] = 0.4
        done = job.complete()
        self.assertEqual(done["score"], 0.4)
        self.assertEqual(done["results"], {"accuracy": 0.4, "model_path": "/ckpt/mine"})

    def test_in_a_with_block_the_job_is_marked_crashed_with_the_reason_and_no_score(self):
        experiment, job, donor = support.exploit_job(self.client, "forgotten metric in with")
        with self.assertRaises(lineage.MetricNotSetError):
            with job:
                job.results["model_path"] = "/ckpt/mine"
        crashed = self.client.get_job(job.id)
        self.assertEqual(crashed["status"], "crashed")
        self.assertIsNone(crashed["score"])
        self.assertIn(f"inherited from job {donor}", crashed["error"])

    def test_update_counts(self):
        experiment, job, _ = support.exploit_job(self.client, "update")
        job.results.update(accuracy=0.3)
        self.assertEqual(job.complete()["score"], 0.3)

    def test_setdefault_on_the_inherited_metric_does_not_count(self):
        experiment, job, _ = support.exploit_job(self.client, "setdefault")
        self.assertEqual(job.results.setdefault("accuracy", 0.2), 0.9)
        with self.assertRaises(lineage.MetricNotSetError):
            job.complete()
        self.assertNothingStored(job)
        job.results.setdefault("loss", 1.5)  # inserts: counts
        done = job.complete({"accuracy": 0.2})
        self.assertEqual(done["results"], {"accuracy": 0.2, "loss": 1.5, "model_path": "/ckpt/donor"})

    def test_setting_the_same_value_as_the_donor_counts(self):
        experiment, job, _ = support.exploit_job(self.client, "equal value")
        job.results["accuracy"] = 0.9  # this job really reached 0.9
        self.assertEqual(job.complete()["score"], 0.9)

    def test_a_new_dict_assigned_to_results_is_all_this_jobs(self):
        experiment, job, _ = support.exploit_job(self.client, "reassigned")
        job.results = {"loss": 0.2}
        self.assertNotIn("model_path", job.results)
        with self.assertRaises(lineage.MetricNotSetError) as caught:
            job.complete()
        self.assertIn("job.results has no 'accuracy'", str(caught.exception))
        job.results = dict(job.results, accuracy=0.6)
        done = job.complete()
        self.assertEqual(done["results"], {"accuracy": 0.6, "loss": 0.2, "model_path": "/ckpt/donor"})

    def test_deleting_the_metric_unsets_it(self):
        experiment, job, _ = support.exploit_job(self.client, "deleted")
        job.results["accuracy"] = 0.5
        del job.results["accuracy"]
        with self.assertRaises(lineage.MetricNotSetError):
            job.complete()
        self.assertNothingStored(job)
        job.complete({"accuracy": 0.5})

    def test_run_worker_counts_a_forgotten_metric_as_a_failed_job(self):
        experiment, job, _ = support.exploit_job(self.client, "run worker forgets", maxRetries=5)
        job.fail("let run_worker take it")
        with self.assertRaises(lineage.MetricNotSetError):
            experiment.run_worker(lambda job: {"model_path": "/ckpt/x"}, max_consecutive_failures=2)
        crashed = experiment.jobs(status="crashed")
        self.assertEqual(len(crashed), 3)
        self.assertTrue(all("cannot complete without its own 'accuracy'" in j["error"] for j in crashed[1:]))

    def test_the_job_exposes_how_it_came_to_be(self):
        experiment, job, donor = support.exploit_job(self.client, "exposed")
        self.assertEqual(job.donor_job_id, donor)
        self.assertEqual(job.parent_id, donor)
        self.assertEqual(job.origin, "exploit")
        self.assertEqual(job.mutations, job.data["mutations"])
        self.assertTrue(job.mutations)
        for mutation in job.mutations:
            self.assertEqual(set(mutation), {"parameter", "old", "new", "operation"})
            self.assertEqual(job.hyperparameters[mutation["parameter"]], mutation["new"])
        self.assertFalse(job.diverged)
        self.assertIn("donor_job_id", job.data)
        # Every dict the SDK returns uses snake_case for the server's own keys.
        listed = experiment.jobs()
        self.assertTrue(all("parent_id" in j and "parentId" not in j for j in listed))
        fetched = self.client.get_job(job.id)
        self.assertEqual((fetched["donor_job_id"], fetched["worker_id"]), (donor, "py-metric-worker"))
        summary = next(e for e in self.client.list_experiments() if e["name"] == experiment.name)
        self.assertIn("population_size", summary)
        self.assertEqual(experiment.refresh().config["populationSize"], 2)  # the config as written
        self.assertIn("last_event_seq", experiment.data)
        job.complete({"accuracy": 0.5})
        schedule = experiment.schedule()["schedule"]
        self.assertIn("best_job_id", schedule)
        self.assertTrue(all("job_id" in step and "learning_rate" in step["hyperparameters"] for step in schedule["steps"]))


class DivergedTests(unittest.TestCase):
    """The convention: a non-finite metric travels as "NaN", "Infinity" or "-Infinity"; the job is
    done and marked diverged, and PBT replaces it."""

    def setUp(self):
        self.client = support.client()

    def test_nan_in_live_metrics_does_not_crash_the_job(self):
        experiment = self.client.create_experiment(support.config(support.unique_name("nan loss")))
        with experiment.next_job() as job:
            job.log(1, loss=float("nan"), accuracy=0.1)
            job.log(2, loss=float("inf"))
            job.log(3, loss=-math.inf)
            self.assertEqual(job.flush(), 3)
            job.results["accuracy"] = 0.2
        self.assertEqual(self.client.get_job(job.id)["status"], "done")

    def test_nan_as_the_metric_completes_the_job_as_diverged(self):
        experiment = self.client.create_experiment(support.config(support.unique_name("diverged")))
        with experiment.next_job() as job:
            job.log(1, loss=float("nan"))
            job.results["accuracy"] = float("nan")
            job.results["loss"] = float("inf")
        stored = self.client.get_job(job.id)
        self.assertEqual(stored["status"], "done")
        self.assertIs(stored["diverged"], True)
        self.assertEqual(stored["results"], {"accuracy": "NaN", "loss": "Infinity"})
        self.assertTrue(job.diverged)

    def test_complete_diverged(self):
        experiment, job, _ = support.exploit_job(self.client, "complete diverged")
        done = job.complete_diverged({"step": 17})
        self.assertEqual(done["status"], "done")
        self.assertIs(done["diverged"], True)
        self.assertEqual(done["results"]["accuracy"], "NaN")
        self.assertEqual(done["results"]["step"], 17)
        self.assertTrue(math.isnan(float(done["results"]["accuracy"])))  # float() reads the strings back
        self.assertTrue(job.finished)


if __name__ == "__main__":
    unittest.main()
