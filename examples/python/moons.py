"""A small problem and a tiny model in pure Python (no numpy): the "two moons" data set, two
interleaving half circles that no straight line separates, and a one-hidden-layer network
(2 -> hidden tanh units -> 1 sigmoid) trained by mini-batch SGD with momentum.

The model's state (weights, momentum buffers, step counter) is a plain dict, saved as JSON."""
from __future__ import annotations

import json
import math
import os
import random
from typing import Dict, List, Tuple

Point = Tuple[float, float]


def make_moons(n: int, noise: float = 0.2, seed: int = 0) -> Tuple[List[Point], List[int]]:
    """``n`` points, half of each class, with gaussian noise; the same for the same seed."""
    rng = random.Random(seed)
    xs: List[Point] = []
    ys: List[int] = []
    for i in range(n):
        label = i % 2
        t = rng.uniform(0.0, math.pi)
        if label == 0:
            x, y = math.cos(t), math.sin(t)
        else:
            x, y = 1.0 - math.cos(t), 0.5 - math.sin(t)
        # centred and scaled to about unit variance
        xs.append(((x - 0.5 + rng.gauss(0, noise)) / 0.9, (y - 0.25 + rng.gauss(0, noise)) / 0.55))
        ys.append(label)
    return xs, ys


def init_model(hidden_units: int, seed: int) -> Dict:
    rng = random.Random(seed)
    scale = 1.0 / math.sqrt(2)
    w1 = [[rng.gauss(0, scale), rng.gauss(0, scale)] for _ in range(hidden_units)]
    w2 = [rng.gauss(0, 1.0 / math.sqrt(hidden_units)) for _ in range(hidden_units)]
    return {
        "hidden_units": hidden_units,
        "w1": w1,
        "b1": [0.0] * hidden_units,
        "w2": w2,
        "b2": 0.0,
        "velocity": {
            "w1": [[0.0, 0.0] for _ in range(hidden_units)],
            "b1": [0.0] * hidden_units,
            "w2": [0.0] * hidden_units,
            "b2": 0.0,
        },
        "step": 0,
    }


def _forward(model: Dict, p: Point) -> Tuple[List[float], float]:
    hidden = [math.tanh(w[0] * p[0] + w[1] * p[1] + b) for w, b in zip(model["w1"], model["b1"])]
    z = sum(h * w for h, w in zip(hidden, model["w2"])) + model["b2"]
    z = max(-30.0, min(30.0, z))
    return hidden, 1.0 / (1.0 + math.exp(-z))


def evaluate(model: Dict, xs: List[Point], ys: List[int]) -> Tuple[float, float]:
    """(accuracy, mean cross-entropy loss)."""
    correct = 0
    loss = 0.0
    for p, y in zip(xs, ys):
        _, out = _forward(model, p)
        correct += int((out >= 0.5) == (y == 1))
        out = min(max(out, 1e-12), 1 - 1e-12)
        loss -= math.log(out) if y == 1 else math.log(1 - out)
    return correct / len(xs), loss / len(xs)


def train_epoch(model: Dict, xs: List[Point], ys: List[int], learning_rate: float, momentum: float, batch_size: int, rng: random.Random) -> None:
    """One pass over the data in shuffled mini-batches; updates ``model`` in place."""
    order = list(range(len(xs)))
    rng.shuffle(order)
    n_hidden = model["hidden_units"]
    v = model["velocity"]
    for start in range(0, len(order), batch_size):
        batch = order[start : start + batch_size]
        g_w1 = [[0.0, 0.0] for _ in range(n_hidden)]
        g_b1 = [0.0] * n_hidden
        g_w2 = [0.0] * n_hidden
        g_b2 = 0.0
        for i in batch:
            p, y = xs[i], ys[i]
            hidden, out = _forward(model, p)
            d_out = out - y  # d(cross-entropy)/dz for a sigmoid output
            g_b2 += d_out
            for j in range(n_hidden):
                g_w2[j] += d_out * hidden[j]
                d_h = d_out * model["w2"][j] * (1.0 - hidden[j] * hidden[j])
                g_w1[j][0] += d_h * p[0]
                g_w1[j][1] += d_h * p[1]
                g_b1[j] += d_h
        k = 1.0 / len(batch)
        for j in range(n_hidden):
            for d in range(2):
                v["w1"][j][d] = momentum * v["w1"][j][d] - learning_rate * g_w1[j][d] * k
                model["w1"][j][d] += v["w1"][j][d]
            v["b1"][j] = momentum * v["b1"][j] - learning_rate * g_b1[j] * k
            model["b1"][j] += v["b1"][j]
            v["w2"][j] = momentum * v["w2"][j] - learning_rate * g_w2[j] * k
            model["w2"][j] += v["w2"][j]
        v["b2"] = momentum * v["b2"] - learning_rate * g_b2 * k
        model["b2"] += v["b2"]
        model["step"] += 1


def save(model: Dict, path: str) -> None:
    """Writes the checkpoint atomically: another worker may be reading the donor's file."""
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(model, f)
    os.replace(tmp, path)


def load(path: str) -> Dict:
    with open(path, encoding="utf-8") as f:
        return json.load(f)
