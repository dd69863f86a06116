"""Puts a job's explored hyperparameters back into an optimizer after a checkpoint restore.

``optimizer.load_state_dict(...)`` restores the param groups' settings of the checkpoint it
loads: the parent's, or after an exploit the donor's. Whatever explore changed for this job
(learning rate, weight decay, momentum, betas) would silently revert to the old values. Duck-typed
(anything with ``param_groups``, a list of dicts), so torch is never imported.
"""
from __future__ import annotations

from typing import Any, Dict, Mapping, Optional, Tuple, Union

Target = Union[str, Tuple[str, int], None]

# A hyperparameter's name -> the param-group key it sets; ("betas", 0) is the first item of
# Adam's betas. Names not listed map to themselves.
DEFAULT_NAMES: Dict[str, Target] = {"learning_rate": "lr", "beta1": ("betas", 0), "beta2": ("betas", 1)}

# Param-group keys that are not settings.
_NOT_SETTINGS = frozenset({"params", "param_names", "name"})


def apply_hyperparameters(optimizer: Any, job: Any, names: Optional[Mapping[str, Target]] = None) -> Dict[str, Any]:
    """Sets each of the job's hyperparameters that the optimizer has as a setting, in every param
    group that has it. Call it after ``optimizer.load_state_dict(checkpoint["optimizer"])``.

    ``job`` is a ``lineage.Job`` (or a dict of hyperparameters). ``names`` renames hyperparameters
    to the optimizer's keys, over the defaults ``learning_rate -> lr``, ``beta1 -> betas[0]``,
    ``beta2 -> betas[1]``: e.g. ``names={"wd": "weight_decay"}``; a name mapped to ``None`` is
    left alone. Hyperparameters the optimizer does not have (``dropout_rate``) are skipped.

    Every group gets the same value: for per-group values (a smaller learning rate for a
    backbone), set the groups yourself. Returns the settings it set, by the optimizer's keys:
    ``{"lr": 0.003, "weight_decay": 0.0001}``.
    """
    hyperparameters = getattr(job, "hyperparameters", job)
    if not isinstance(hyperparameters, Mapping):
        raise TypeError(f"apply_hyperparameters() takes a lineage.Job or a dict of hyperparameters, not {type(job).__name__}")
    groups = getattr(optimizer, "param_groups", None)
    if not isinstance(groups, (list, tuple)) or not all(isinstance(g, dict) for g in groups):
        raise TypeError(
            f"apply_hyperparameters() needs an optimizer with param_groups (a list of dicts), such as a torch.optim "
            f"optimizer; got {type(optimizer).__name__}"
        )
    mapping: Dict[str, Target] = dict(DEFAULT_NAMES)
    mapping.update(names or {})
    applied: Dict[str, Any] = {}
    for name, value in hyperparameters.items():
        target = mapping.get(name, name)
        if target is None:
            continue
        key, index = (target, None) if isinstance(target, str) else (target[0], int(target[1]))
        if key in _NOT_SETTINGS:
            continue
        for group in groups:
            if key not in group:
                continue
            where = f"param group setting {key!r} (hyperparameter {name!r})"
            if index is None:
                group[key] = _like(group[key], value, where)
            else:
                current = group[key]
                items = list(current)
                items[index] = _like(items[index], value, f"{where}, item {index}")
                group[key] = tuple(items) if isinstance(current, tuple) else items
            applied.setdefault(key, group[key])
    return applied


def _like(current: Any, value: Any, where: str) -> Any:
    """``value`` in the form ``current`` has: a float for a float, a tuple for a tuple, and a
    tensor setting (torch 2's ``lr=torch.tensor(...)``) filled in place."""
    if isinstance(current, bool) or isinstance(value, bool):
        if not (isinstance(current, bool) and isinstance(value, bool)):
            raise TypeError(f"{where} is {current!r}; the job's value {value!r} does not fit it")
        return value
    if isinstance(current, (int, float)):
        if not isinstance(value, (int, float)):
            raise TypeError(f"{where} is a number ({current!r}); the job's value {value!r} is not")
        return float(value) if isinstance(current, float) else value
    fill = getattr(current, "fill_", None)
    if callable(fill) and isinstance(value, (int, float)):
        fill(value)
        return current
    if isinstance(current, tuple) and isinstance(value, list):
        return tuple(value)
    return value
