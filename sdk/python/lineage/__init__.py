"""Lineage: the Python worker SDK of the self-hosted Population Based Training server.

    import lineage

    experiment = lineage.Client().get_experiment("MNIST with PBT")
    while True:
        try:
            with experiment.next_job() as job:
                ...  # train with job.hyperparameters, starting from job.results.get("model_path")
                job.results["max_accuracy"] = accuracy  # this job's own score; float("nan") if it diverged
        except lineage.NoJobError:
            break

Standard library only; Python 3.9 or newer.
"""
from ._optimizer import apply_hyperparameters
from ._results import Results
from .client import Client, default_worker_id
from .experiment import Experiment
from .job import Job
from .errors import (
    ApiError,
    InvalidResultsError,
    LeaseExpiredError,
    LineageError,
    MetricNotSetError,
    NetworkError,
    NoJobError,
    WaitTimeoutError,
)

__version__ = "0.1.0"

__all__ = [
    "Client",
    "Experiment",
    "Job",
    "Results",
    "apply_hyperparameters",
    "default_worker_id",
    "ApiError",
    "InvalidResultsError",
    "LeaseExpiredError",
    "LineageError",
    "MetricNotSetError",
    "NetworkError",
    "NoJobError",
    "WaitTimeoutError",
    "__version__",
]
