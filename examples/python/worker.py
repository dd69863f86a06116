"""A Lineage worker in Python: trains the tiny two-moons network of moons.py, a slice at a time.

Each job reloads the model it continues from (its parent's checkpoint, or after an exploit the
donor's), trains a few epochs with the job's hyperparameters, logs accuracy and loss as it goes,
saves a new checkpoint and reports. Checkpoints go through the server (``job.load_checkpoint()``
downloads the one to continue from, ``job.save_checkpoint()`` uploads the new one), or with
``--checkpoint-dir`` through a shared file system (the file named by ``job.results["model_path"]``).

    python examples/python/worker.py --experiment "moons with PBT" [--url http://127.0.0.1:3000]
"""
from __future__ import annotations

import argparse
import os
import random
import re
import signal
import sys
import tempfile
from typing import Optional

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "sdk", "python"))  # not needed once `lineage` is installed
sys.path.insert(0, HERE)

import lineage  # noqa: E402
import moons  # noqa: E402

TRAIN = moons.make_moons(300, seed=1)
VALIDATION = moons.make_moons(300, seed=2)


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-") or "experiment"


def train(job: lineage.Job, checkpoint_dir: Optional[str], epochs: int) -> None:
    hp = job.hyperparameters
    # Continue where the parent (or the donor) stopped; generation 0 starts from scratch.
    start = job.load_checkpoint() if checkpoint_dir is None else job.results.get("model_path")
    model = moons.load(start) if start else moons.init_model(int(hp["hidden_units"]), seed=job.id)
    rng = random.Random(job.id)
    for _ in range(epochs):
        moons.train_epoch(model, *TRAIN, learning_rate=hp["learning_rate"], momentum=hp["momentum"], batch_size=int(hp["batch_size"]), rng=rng)
        accuracy, loss = moons.evaluate(model, *VALIDATION)
        job.log(model["step"], accuracy=accuracy, loss=loss)
    if checkpoint_dir is None:
        with tempfile.TemporaryDirectory(prefix="lineage-moons-") as folder:
            moons.save(model, os.path.join(folder, "model.json"))
            job.save_checkpoint(os.path.join(folder, "model.json"))  # the server keeps it while a later job may load it
    else:
        path = os.path.abspath(os.path.join(checkpoint_dir, slug(job.experiment.name), f"job-{job.id}.json"))
        moons.save(model, path)  # a new file per job: other members may still copy the old one
        job.results["model_path"] = path
    job.results["accuracy"] = accuracy
    job.results["loss"] = loss
    job.results["max_accuracy"] = max(accuracy, job.results.get("max_accuracy", 0.0))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--experiment", required=True)
    parser.add_argument("--url", default=None, help="default: $LINEAGE_URL or http://127.0.0.1:3000")
    parser.add_argument("--checkpoint-dir", default=os.environ.get("LINEAGE_CHECKPOINT_DIR") or None,
                        help="a folder on a file system every worker shares (default: checkpoints go through the server)")
    parser.add_argument("--epochs-per-job", type=int, default=2)
    parser.add_argument("--max-jobs", type=int, default=None)
    parser.add_argument("--worker-id", default=None)
    args = parser.parse_args(argv)

    # Stopped by `run.py` (SIGTERM) like by Ctrl-C: the job in hand is marked crashed and retried.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("worker stopped (SIGTERM)"))

    experiment = lineage.Client(args.url, worker_id=args.worker_id).get_experiment(args.experiment)
    done = 0
    while args.max_jobs is None or done < args.max_jobs:
        try:
            with experiment.next_job() as job:
                train(job, args.checkpoint_dir, args.epochs_per_job)
        except lineage.NoJobError:
            break
        done += 1
        print(f"job {job.id}: member {job.member} generation {job.generation} accuracy {job.results['accuracy']:.3f}", flush=True)
    print(f"worker {experiment.client.worker_id}: {done} jobs", flush=True)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
