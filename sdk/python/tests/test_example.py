"""examples/python end to end: run.py creates the experiment and runs two worker processes
against the real server; PBT must finish and beat its own generation 0."""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import unittest

import support


RUN = os.path.join(support.ROOT, "examples", "python", "run.py")


class ExampleTests(unittest.TestCase):
    def run_example(self, name, extra, env=None):
        command = [sys.executable, RUN, "--url", support.server_url(), "--name", name, "--population", "4",
                   "--generations", "5", "--workers", "2", "--seed", "3", "--json"] + extra
        # Its own process group, so that a timeout stops run.py and its workers together.
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
                                   env={**os.environ, **(env or {})})
        try:
            out, err = process.communicate(timeout=240)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            out, err = process.communicate()
            self.fail(f"run.py did not finish in 240 s:\n{out}\n{err}")
        self.assertEqual(process.returncode, 0, f"run.py failed:\n{out}\n{err}")
        return json.loads(out.strip().splitlines()[-1])

    def test_two_moons_with_pbt(self):
        checkpoints = tempfile.mkdtemp(prefix="lineage-moons-")
        self.addCleanup(shutil.rmtree, checkpoints, True)
        name = support.unique_name("moons")
        summary = self.run_example(name, ["--checkpoint-dir", checkpoints])

        self.assertEqual(summary["status"], "done")
        generations = summary["generations"]
        self.assertEqual([g["generation"] for g in generations], [0, 1, 2, 3, 4])
        # Generation is lineage depth: every member starts at 0 and finishes at 4. One that copies a
        # member further ahead skips the generations in between, and one that copies a member
        # behind comes back to a generation, so the generations between hold any number of jobs
        # (but at least one: every lineage passes through every depth).
        self.assertEqual((generations[0]["jobs"], generations[-1]["jobs"]), (4, 4), generations)
        self.assertTrue(all(g["jobs"] >= 1 for g in generations), generations)
        first, last = generations[0], generations[-1]
        print(f"\ntwo moons PBT: best accuracy {first['best']:.3f} -> {last['best']:.3f}, "
              f"median {first['median']:.3f} -> {last['median']:.3f}, {summary['exploits']} exploits", file=sys.stderr)
        self.assertGreater(last["best"], first["best"])
        self.assertGreater(last["median"], first["median"])

        # Every job after generation 0 started from a checkpoint the worker saved, and reported
        # metric points on the way.
        experiment = support.client().get_experiment(name)
        jobs = experiment.jobs(status="done")
        self.assertEqual(len(jobs), sum(g["jobs"] for g in generations))
        for job in jobs:
            path = job["results"]["model_path"]
            self.assertTrue(path.startswith(checkpoints), path)
            self.assertTrue(os.path.isfile(path), path)
            self.assertTrue(path.endswith(f"job-{job['id']}.json"), path)
        self.assertEqual(summary["best"]["steps"][0]["generation"], 0)

        # No worker is left behind.
        self.assertEqual(experiment.jobs(status="running"), [])

    def test_two_moons_with_checkpoints_on_the_server(self):
        cache = tempfile.mkdtemp(prefix="lineage-moons-cache-")
        self.addCleanup(shutil.rmtree, cache, True)
        name = support.unique_name("moons on the server")
        summary = self.run_example(name, [], env={"LINEAGE_CACHE_DIR": cache})
        self.assertEqual(summary["status"], "done")
        generations = summary["generations"]
        self.assertGreater(generations[-1]["best"], generations[0]["best"])
        experiment = support.client().get_experiment(name)
        jobs = experiment.jobs(status="done")
        # Every job uploaded its checkpoint; none names a file of its own.
        for job in jobs:
            self.assertIsNotNone(job["checkpoint"], job)
            self.assertNotIn("model_path", job["results"])
        # Garbage collection kept what a later job could need, and deleted the rest.
        usage = experiment.checkpoint_usage()
        self.assertEqual(usage["stored"]["count"] + usage["deleted"]["count"], len(jobs))
        self.assertGreater(usage["deleted"]["count"], 0)
        self.assertLessEqual(usage["stored"]["count"], 2 * 4 + 1)
        best = usage["best"]
        path = experiment.download_best_checkpoint(os.path.join(cache, "best.json"))
        with open(path, encoding="utf-8") as f:
            self.assertIn("w1", json.load(f))
        self.assertIsNotNone(best["checkpoint"])


if __name__ == "__main__":
    unittest.main()
