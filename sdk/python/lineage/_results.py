"""``job.results``: a dict that remembers which keys this job wrote, so that completing a job
sends what it produced and never passes off a value it inherited (its parent's, or after an
exploit its donor's score) as its own."""
from __future__ import annotations

import copy
from typing import Any, Dict, Iterable, Optional, Set


class Results(dict):
    """A dict of results. It starts with what the job continues from (its parent's results, e.g.
    ``model_path``) and records every key written to it: item assignment, ``update``, ``|=``,
    ``setdefault`` when it inserts, and removals. A key counts as written even when its new value
    equals the inherited one."""

    def __init__(self, inherited: Optional[Dict[str, Any]] = None, written: Iterable[str] = ()) -> None:
        super().__init__(inherited or {})
        # What the job started with, copied so that changes made in place to a nested value
        # (job.results["history"].append(...)) are noticed too.
        self._inherited: Dict[str, Any] = copy.deepcopy(dict(inherited or {}))
        self._written: Set[str] = set(written)

    @classmethod
    def assigned(cls, value: Dict[str, Any], inherited: Dict[str, Any]) -> "Results":
        """``job.results = {...}``: every key of the new dict is this job's."""
        results = cls(inherited)
        dict.clear(results)
        dict.update(results, value)
        results._written = set(value)
        return results

    # --- writes --------------------------------------------------------------------------------

    def __setitem__(self, key: str, value: Any) -> None:
        super().__setitem__(key, value)
        self._written.add(key)

    def __delitem__(self, key: str) -> None:
        super().__delitem__(key)
        self._written.discard(key)

    def update(self, *args: Any, **kwargs: Any) -> None:  # type: ignore[override]
        for key, value in dict(*args, **kwargs).items():
            self[key] = value

    def __ior__(self, other: Any) -> "Results":  # type: ignore[override]
        self.update(other)
        return self

    def setdefault(self, key: str, default: Any = None) -> Any:
        # Only an insertion writes: setdefault on an inherited key leaves the inherited value,
        # which stays the parent's, not this job's.
        if key not in self:
            self[key] = default
        return self[key]

    def pop(self, key: str, *default: Any) -> Any:  # type: ignore[override]
        self._written.discard(key)
        return super().pop(key, *default)

    def popitem(self) -> Any:
        key, value = super().popitem()
        self._written.discard(key)
        return key, value

    def clear(self) -> None:
        super().clear()
        self._written.clear()

    # --- what this job produced ----------------------------------------------------------------

    def written(self) -> Dict[str, Any]:
        """The results this job produced: the keys written to, plus any key whose value differs
        from the inherited one (a nested value changed in place, or a key added behind the
        dict's back)."""
        return {
            key: value
            for key, value in self.items()
            if key in self._written or key not in self._inherited or not _same(value, self._inherited[key])
        }

    def is_written(self, key: str) -> bool:
        return key in self.written()

    def inherited(self, key: str) -> Any:
        """The value ``key`` had when the job started (``KeyError`` if none)."""
        return self._inherited[key]


def _same(a: Any, b: Any) -> bool:
    try:
        return type(a) is type(b) and bool(a == b)
    except Exception:  # e.g. an array's ambiguous truth value: treat it as changed
        return False
