"""Turns what training code produces (numpy scalars and arrays, paths, tuples) into plain JSON
values, and refuses what JSON cannot hold with an error naming the value.

NaN and ±Infinity are not JSON. In results and metric values they mean that training diverged,
and are sent as the strings ``"NaN"``, ``"Infinity"`` and ``"-Infinity"`` (the server's
convention); elsewhere (configs, hyperparameters) they are refused.
"""
from __future__ import annotations

import math
import os
from typing import Any

from .errors import InvalidResultsError

_MAX_DEPTH = 32

NON_FINITE = ("NaN", "Infinity", "-Infinity")


def non_finite_text(value: float) -> str:
    """``"NaN"``, ``"Infinity"`` or ``"-Infinity"``: how a non-finite float travels as JSON."""
    if math.isnan(value):
        return "NaN"
    return "Infinity" if value > 0 else "-Infinity"


def _where(path: str) -> str:
    return path or "the value"


def to_json_value(value: Any, path: str = "", depth: int = 0, non_finite: str = "refuse") -> Any:
    """A copy of ``value`` made of dict/list/str/int/float/bool/None only.

    numpy scalars (anything with ``.item()``) and numpy arrays (anything with ``.tolist()``) are
    converted by duck typing, so numpy is never imported. ``os.PathLike`` becomes its string.
    ``non_finite="text"`` writes NaN and ±Infinity as the strings ``"NaN"``, ``"Infinity"``,
    ``"-Infinity"``; the default refuses them.
    """
    if depth > _MAX_DEPTH:
        raise InvalidResultsError(f"{_where(path)} is nested more than {_MAX_DEPTH} levels deep")
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            if non_finite == "text":
                return non_finite_text(value)
            raise InvalidResultsError(
                f"{_where(path)} is {value!r}; only finite numbers can be sent here (JSON has no NaN or Infinity)"
            )
        return float(value)
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if hasattr(key, "item") and callable(key.item) and not isinstance(key, str):
                key = key.item()
            if not isinstance(key, str):
                if isinstance(key, (int, float, bool)):
                    key = str(key)
                else:
                    raise InvalidResultsError(f"{_where(path)} has a key of type {type(key).__name__}; keys must be strings")
            out[key] = to_json_value(item, f"{path}[{key!r}]", depth + 1, non_finite)
        return out
    if isinstance(value, (list, tuple)):
        return [to_json_value(item, f"{path}[{i}]", depth + 1, non_finite) for i, item in enumerate(value)]
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    # numpy arrays (and torch tensors) have tolist(); numpy scalars (and 0-d arrays, 1-element
    # tensors) have item(). Arrays also have item(), so tolist() is tried first.
    tolist = getattr(value, "tolist", None)
    if callable(tolist):
        return to_json_value(tolist(), path, depth, non_finite)
    item = getattr(value, "item", None)
    if callable(item):
        return to_json_value(item(), path, depth, non_finite)
    raise InvalidResultsError(
        f"{_where(path)} is a {type(value).__name__}, which cannot be sent as JSON "
        "(use numbers, strings, booleans, None, lists and dicts)"
    )


def to_metric_value(value: Any, path: str) -> Any:
    """A metric value: a finite number, or ``"NaN"`` / ``"Infinity"`` / ``"-Infinity"`` for a
    non-finite one (a diverged run's loss is worth recording, not a reason to crash)."""
    converted = to_json_value(value, path, non_finite="text")
    if isinstance(converted, str) and converted in NON_FINITE:
        return converted
    if isinstance(converted, bool) or not isinstance(converted, (int, float)):
        raise InvalidResultsError(f"{path} is {converted!r}; metric values must be numbers")
    return converted
