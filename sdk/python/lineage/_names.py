"""One naming convention in Python: the server's camelCase keys become snake_case in every dict
the SDK returns (``parentId`` -> ``parent_id``), while what users wrote themselves is left as it
is: hyperparameter names, results keys, metric names, config contents."""
from __future__ import annotations

import re
from typing import Any

# Keys whose values are user data: never renamed inside. `old`/`new` are a mutation's values.
USER_DATA = frozenset({"hyperparameters", "results", "config", "values", "old", "new"})

_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def snake(name: str) -> str:
    """``donorJobId`` -> ``donor_job_id``; names already in snake_case are unchanged."""
    return _BOUNDARY.sub("_", name).lower()


def snake_keys(value: Any) -> Any:
    """A copy of server data with the SDK's own keys in snake_case, recursively, leaving the
    values under user-data keys (``hyperparameters``, ``results``, ``config``, ...) untouched."""
    if isinstance(value, dict):
        return {snake(k): (v if k in USER_DATA else snake_keys(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [snake_keys(v) for v in value]
    return value
