"""Creates the two-moons PBT experiment on a running Lineage server, runs several worker
processes (worker.py) until it is done, and prints how the population improved.

    npm start                                   # the server, in another terminal
    python examples/python/run.py               # population 8, 8 generations, 3 workers
    python examples/python/run.py --population 4 --generations 4 --workers 2 --json

Ctrl-C stops the workers (their jobs are marked crashed, to be retried by the next run with
--attach).
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from typing import Any, Dict, List

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "sdk", "python"))  # not needed once `lineage` is installed

import lineage  # noqa: E402


def experiment_config(name: str, population: int, generations: int, seed: int) -> Dict[str, Any]:
    return {
        "name": name,
        "objective": "maximize",
        "metric": "accuracy",
        "populationSize": population,
        "stop": {"maxGenerations": generations},
        "mode": "async",
        "exploit": {"kind": "truncate", "fraction": 0.25},
        "hyperparameters": {
            "learning_rate": {
                "init": {"kind": "loguniform", "low": 0.003, "high": 1.0},
                "explore": {"kind": "perturb", "minFactor": 0.8, "maxFactor": 1.25},
            },
            "momentum": {
                "init": {"kind": "uniform", "low": 0.0, "high": 0.95},
                "explore": {"kind": "perturb", "minFactor": 0.8, "maxFactor": 1.2},
            },
            "batch_size": {"init": {"kind": "choice", "values": [10, 25, 50]}, "explore": {"kind": "shift"}},
            # The network's shape: chosen once per member, never explored (a checkpoint has one shape).
            "hidden_units": {"init": {"kind": "choice", "values": [4, 8, 16]}},
        },
        "leaseSeconds": 60,
        "maxRetries": 3,
        "seed": seed,
    }


def summarize(experiment: lineage.Experiment) -> Dict[str, Any]:
    jobs = experiment.jobs(status="done")
    by_generation: Dict[int, List[float]] = {}
    for job in jobs:
        by_generation.setdefault(job["generation"], []).append(job["results"]["accuracy"])
    generations = [
        {"generation": g, "best": max(scores), "median": sorted(scores)[len(scores) // 2], "jobs": len(scores)}
        for g, scores in sorted(by_generation.items())
    ]
    schedule = experiment.schedule().get("schedule")
    return {
        "experiment": experiment.name,
        "status": experiment.refresh().status,
        "generations": generations,
        "exploits": sum(1 for j in jobs if j["origin"] == "exploit"),
        "crashed": len(experiment.jobs(status="crashed")),
        "best": schedule,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default=None, help="default: $LINEAGE_URL or http://127.0.0.1:3000")
    parser.add_argument("--name", default="moons with PBT")
    parser.add_argument("--population", type=int, default=8)
    parser.add_argument("--generations", type=int, default=8)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--epochs-per-job", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--checkpoint-dir", default=os.environ.get("LINEAGE_CHECKPOINT_DIR") or None,
                        help="a folder every worker shares for checkpoints (default: they go through the server)")
    parser.add_argument("--attach", action="store_true", help="run workers on an existing experiment of that name")
    parser.add_argument("--json", action="store_true", help="print the summary as one JSON line")
    args = parser.parse_args(argv)

    client = lineage.Client(args.url)
    if args.attach:
        experiment = client.get_experiment(args.name)
    else:
        try:
            experiment = client.create_experiment(experiment_config(args.name, args.population, args.generations, args.seed))
        except lineage.ApiError as error:
            if error.code != "experiment_exists":
                raise
            print(f"an experiment called {args.name!r} exists already: pass --name NEW or --attach", file=sys.stderr)
            return 1
    if not args.json:
        print(f"experiment {experiment.name!r}: {args.workers} workers; dashboard: {client.url}/experiments/{lineage.client.quote(experiment.name)}")

    command = [sys.executable, os.path.join(HERE, "worker.py"), "--experiment", experiment.name, "--url", client.url,
               "--epochs-per-job", str(args.epochs_per_job)]
    if args.checkpoint_dir:
        command += ["--checkpoint-dir", args.checkpoint_dir]
    def on_sigterm(*_: Any) -> None:
        raise KeyboardInterrupt()

    signal.signal(signal.SIGTERM, on_sigterm)  # stopped by a process manager: stop the workers too
    workers: List[subprocess.Popen] = []
    interrupted = False
    try:
        for i in range(args.workers):
            out = subprocess.DEVNULL if args.json else None
            workers.append(subprocess.Popen(command + ["--worker-id", f"moons-{os.getpid()}-{i}"], stdout=out))
        while any(w.poll() is None for w in workers):
            time.sleep(0.2)
    except KeyboardInterrupt:
        interrupted = True
    finally:
        for w in workers:
            if w.poll() is None:
                w.send_signal(signal.SIGTERM)
        for w in workers:
            try:
                w.wait(timeout=30)
            except subprocess.TimeoutExpired:
                w.kill()
                w.wait()

    summary = summarize(experiment)
    if args.json:
        print(json.dumps(summary))
    else:
        for g in summary["generations"]:
            print(f"generation {g['generation']:>3}: best accuracy {g['best']:.3f}  median {g['median']:.3f}  ({g['jobs']} jobs)")
        best = summary["best"]
        if best:
            print(f"best job {best['bestJobId']}: accuracy {best['score']:.3f}; {summary['exploits']} exploits; schedule:")
            for step in best["steps"]:
                hp = "  ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in sorted(step["hyperparameters"].items()))
                print(f"  generation {step['generation']:>3} member {step['member']:>3} {step['origin']:<8} {hp}   accuracy {step['score']:.3f}")
    failed = [w.returncode for w in workers if w.returncode not in (0, None)]
    if interrupted:
        return 130
    return 0 if summary["status"] == "done" and not failed else 1


if __name__ == "__main__":
    sys.exit(main())
