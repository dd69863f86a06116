"""Experiments and jobs managed from Python, against the real server."""
import unittest

import support
import lineage


class ExperimentTests(unittest.TestCase):
    def setUp(self):
        self.client = support.client()

    def test_create_get_list(self):
        name = support.unique_name("create get list")
        stop = {"maxGenerations": 4, "target": 0.99, "maxJobs": 50}  # every stopping rule passes through
        created = self.client.create_experiment(support.config(name, populationSize=2, stop=stop))
        self.assertEqual(created.config["stop"], stop)
        self.assertEqual(self.client.get_experiment(name).config["stop"], stop)
        self.assertIsInstance(created, lineage.Experiment)
        self.assertEqual(created.name, name)
        self.assertEqual(created.status, "running")
        self.assertEqual(created.config["populationSize"], 2)
        self.assertEqual(created.config["seed"], 7)

        fetched = self.client.get_experiment(name)
        self.assertEqual(fetched.data["id"], created.data["id"])
        names = [e["name"] for e in self.client.list_experiments()]
        self.assertIn(name, names)

    def test_names_with_spaces_slashes_free_unicode(self):
        name = support.unique_name("Ünïcode & spaces ? # %")
        self.client.create_experiment(support.config(name))
        self.assertEqual(self.client.get_experiment(name).name, name)

    def test_unknown_experiment_is_an_api_error(self):
        with self.assertRaises(lineage.ApiError) as caught:
            self.client.get_experiment(support.unique_name("no such experiment"))
        error = caught.exception
        self.assertEqual(error.status, 404)
        self.assertEqual(error.code, "experiment_not_found")
        self.assertIn("no such experiment", str(error))

    def test_invalid_config_names_the_field(self):
        bad = support.config(support.unique_name("bad"), populationSize=0)
        with self.assertRaises(lineage.ApiError) as caught:
            self.client.create_experiment(bad)
        self.assertEqual(caught.exception.status, 400)
        self.assertEqual(caught.exception.code, "invalid_input")
        self.assertEqual(caught.exception.field, "populationSize")
        self.assertTrue(caught.exception.issues)

    def test_duplicate_name_is_a_conflict(self):
        name = support.unique_name("duplicate")
        self.client.create_experiment(support.config(name))
        with self.assertRaises(lineage.ApiError) as caught:
            self.client.create_experiment(support.config(name))
        self.assertEqual(caught.exception.status, 409)
        self.assertEqual(caught.exception.code, "experiment_exists")

    def test_pause_resume_stop(self):
        experiment = self.client.create_experiment(support.config(support.unique_name("status")))
        self.assertEqual(experiment.pause().status, "paused")
        self.assertEqual(self.client.get_experiment(experiment.name).status, "paused")
        with self.assertRaises(lineage.WaitTimeoutError):
            experiment.next_job(timeout=0.3)
        self.assertEqual(experiment.resume().status, "running")
        self.assertEqual(experiment.stop().status, "done")
        with self.assertRaises(lineage.NoJobError):
            experiment.next_job()

    def test_add_job_and_list_jobs(self):
        experiment = self.client.create_experiment(support.config(support.unique_name("push"), populationSize=3, stop={"maxGenerations": 3}))
        pushed = experiment.add_job(hyperparameters={"learning_rate": 0.05})
        self.assertEqual(pushed["status"], "queued")
        self.assertEqual(pushed["origin"], "manual")
        self.assertEqual(pushed["hyperparameters"], {"learning_rate": 0.05})

        with experiment.next_job() as job:  # a queued job is handed out first
            self.assertEqual(job.id, pushed["id"])
            self.assertEqual(job.hyperparameters, {"learning_rate": 0.05})
            job.results["accuracy"] = 0.5
        jobs = experiment.jobs()
        self.assertEqual([j["status"] for j in jobs], ["done"])
        self.assertEqual(experiment.jobs(status="queued"), [])
        self.assertEqual(len(experiment.jobs(member=pushed["member"])), 1)

        # The next generation of that member, by hand.
        again = experiment.add_job(member=pushed["member"])
        self.assertEqual(again["generation"], 1)
        self.assertEqual(again["member"], pushed["member"])

        with self.assertRaises(lineage.ApiError) as caught:
            experiment.add_job(hyperparameters={"learning_rate": "fast"})
        self.assertEqual(caught.exception.status, 400)

    def test_schedule(self):
        experiment = self.client.create_experiment(support.config(support.unique_name("schedule")))
        self.assertIsNone(experiment.schedule()["schedule"])
        with experiment.next_job() as job:
            job.results["accuracy"] = 0.75
        schedule = experiment.schedule()["schedule"]
        self.assertEqual(schedule["score"], 0.75)
        self.assertEqual(len(schedule["steps"]), 1)

    def test_archive_search_and_filters(self):
        name = support.unique_name("archived 50%")
        experiment = self.client.create_experiment(support.config(name))
        self.assertIsNone(experiment.data["archived_at"])
        self.assertIn(name, [e["name"] for e in self.client.list_experiments(search="ARCHIVED 50%")])
        experiment.archive()
        self.assertIsNotNone(experiment.data["archived_at"])
        self.assertNotIn(name, [e["name"] for e in self.client.list_experiments()])
        self.assertIn(name, [e["name"] for e in self.client.list_experiments(archived="only")])
        self.assertEqual([e["name"] for e in self.client.list_experiments(search=name, archived="include", status="running")], [name])
        experiment.unarchive()
        self.assertIn(name, [e["name"] for e in self.client.list_experiments()])
        with self.assertRaises(lineage.ApiError) as caught:
            self.client.list_experiments(archived="yes")
        self.assertEqual((caught.exception.status, caught.exception.field), (400, "archived"))

    def test_analysis_and_compare(self):
        experiments = [self.client.create_experiment(support.config(support.unique_name(f"compare {i}"))) for i in range(2)]
        for i, experiment in enumerate(experiments):
            with experiment.next_job() as job:
                job.results["accuracy"] = 0.5 + i / 10
        analysis = experiments[1].analysis(from_generation=0)
        self.assertEqual(analysis["total_jobs"], 1)
        self.assertEqual(analysis["jobs"][0]["score"], 0.6)
        self.assertIn("ANOVA", analysis["importance"]["method"])
        compared = self.client.compare([e.name for e in experiments])
        self.assertEqual([e["best"]["score"] for e in compared["experiments"]], [0.5, 0.6])
        with self.assertRaises(lineage.ApiError) as caught:
            self.client.compare([experiments[0].name])
        self.assertEqual((caught.exception.status, caught.exception.field), (400, "experiments"))


if __name__ == "__main__":
    unittest.main()
