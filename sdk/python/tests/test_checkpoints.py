"""Checkpoints through the server from Python: save_checkpoint uploads, load_checkpoint downloads
the parent's (after an exploit, the donor's) into a cache, None for a first generation."""
import hashlib
import os
import shutil
import tempfile
import unittest

import support
import lineage


class CheckpointTests(unittest.TestCase):
    def setUp(self):
        self.client = support.client(worker_id="py-checkpoints")
        self.folder = tempfile.mkdtemp(prefix="lineage-py-checkpoints-")
        self.addCleanup(shutil.rmtree, self.folder, True)
        self.cache = os.path.join(self.folder, "cache")

    def write(self, name, data):
        path = os.path.join(self.folder, name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    def test_save_then_load_in_the_next_generation(self):
        experiment = self.client.create_experiment(support.config(support.unique_name("py ckpt"), populationSize=1, stop={"maxGenerations": 3}))
        data = os.urandom(3 * 1024 * 1024 + 5)
        with experiment.next_job() as first:
            self.assertIsNone(first.load_checkpoint(self.cache))  # generation 0 starts from scratch
            record = first.save_checkpoint(self.write("first.bin", data))
            self.assertEqual(record["size"], len(data))
            self.assertEqual(record["sha256"], hashlib.sha256(data).hexdigest())
            first.results["accuracy"] = 0.5
        with experiment.next_job() as second:
            self.assertEqual(second.parent_id, first.id)
            path = second.load_checkpoint(self.cache)
            with open(path, "rb") as f:
                self.assertEqual(f.read(), data)
            self.assertTrue(path.startswith(self.cache))
            # Loaded again: the cached copy, not a second download.
            os.utime(path, (0, 0))
            self.assertEqual(second.load_checkpoint(self.cache), path)
            self.assertGreater(os.stat(path).st_mtime, 0)
            second.results["accuracy"] = 0.6
            # Not saved: the job after this one has nothing on the server to load.
        with experiment.next_job() as third:
            with self.assertRaises(lineage.ApiError) as refused:
                third.load_checkpoint(self.cache)
            self.assertEqual(refused.exception.code, "checkpoint_not_found")
            self.assertIn("uploaded none", refused.exception.message)
            third.results["accuracy"] = 0.7
        # A finished job saves nothing more.
        with self.assertRaises(lineage.LineageError):
            third.save_checkpoint(self.write("late.bin", b"late"))
        # The job's checkpoint and the best one, by anyone who may read.
        out = self.client.download_checkpoint(first.id, os.path.join(self.folder, "copy.bin"))
        with open(out, "rb") as f:
            self.assertEqual(f.read(), data)

    def test_an_upload_with_a_lease_that_is_not_the_jobs_is_refused(self):
        experiment = self.client.create_experiment(support.config(support.unique_name("py ckpt lease"), populationSize=1))
        job = experiment.next_job()
        token = job.lease_token
        job.lease_token = "not-the-lease"
        with self.assertRaises(lineage.LeaseExpiredError):
            job.save_checkpoint(self.write("x.bin", b"x" * 1000))
        job.lease_token = token
        self.assertIsNone(self.client.get_job(job.id)["checkpoint"])
        job.fail("done with this test")


if __name__ == "__main__":
    unittest.main()
