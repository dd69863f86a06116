"""lineage.apply_hyperparameters: after optimizer.load_state_dict(...) restored the parent's (or
the donor's) settings, every explored setting the optimizer has is set back to the job's value.
Checked on an optimizer-like object, and on real torch optimizers when torch is installed (the
torch test is skipped otherwise: e.g. Debian's python3-torch under /usr/bin/python3)."""
import importlib.util
import unittest

import support  # noqa: F401  (puts the SDK on sys.path)
import lineage

HAS_TORCH = importlib.util.find_spec("torch") is not None


class FakeOptimizer:
    """What apply_hyperparameters relies on: param_groups, a list of dicts (as torch.optim has)."""

    def __init__(self, *groups):
        self.param_groups = [dict(g, params=["w"]) for g in groups]


class FakeJob:
    def __init__(self, hyperparameters):
        self.hyperparameters = hyperparameters


class ApplyHyperparametersTests(unittest.TestCase):
    def test_sets_every_setting_the_groups_have_in_every_group(self):
        optimizer = FakeOptimizer(
            {"lr": 0.1, "momentum": 0.9, "weight_decay": 0.0},
            {"lr": 0.1, "momentum": 0.9, "weight_decay": 0.0},
        )
        job = FakeJob({"learning_rate": 0.003, "momentum": 0.5, "weight_decay": 1, "dropout_rate": 0.2, "params": 3})
        applied = lineage.apply_hyperparameters(optimizer, job)
        self.assertEqual(applied, {"lr": 0.003, "momentum": 0.5, "weight_decay": 1.0})
        for group in optimizer.param_groups:
            self.assertEqual(group, {"lr": 0.003, "momentum": 0.5, "weight_decay": 1.0, "params": ["w"]})
            self.assertIsInstance(group["weight_decay"], float)  # an int hyperparameter for a float setting

    def test_renaming_and_leaving_alone(self):
        optimizer = FakeOptimizer({"lr": 0.1, "weight_decay": 0.0, "eps": 1e-8})
        hyperparameters = {"learning_rate": 0.01, "wd": 0.05, "eps": 1e-6}
        applied = lineage.apply_hyperparameters(optimizer, hyperparameters, names={"wd": "weight_decay", "eps": None})
        self.assertEqual(applied, {"lr": 0.01, "weight_decay": 0.05})
        self.assertEqual(optimizer.param_groups[0]["eps"], 1e-8)

    def test_a_hyperparameter_called_lr_needs_no_renaming(self):
        optimizer = FakeOptimizer({"lr": 0.1})
        self.assertEqual(lineage.apply_hyperparameters(optimizer, {"lr": 0.2}), {"lr": 0.2})

    def test_betas_as_a_pair_or_one_by_one(self):
        optimizer = FakeOptimizer({"lr": 0.1, "betas": (0.9, 0.999)})
        self.assertEqual(lineage.apply_hyperparameters(optimizer, {"beta1": 0.8}), {"betas": (0.8, 0.999)})
        self.assertEqual(lineage.apply_hyperparameters(optimizer, {"betas": [0.7, 0.99]}), {"betas": (0.7, 0.99)})
        self.assertIsInstance(optimizer.param_groups[0]["betas"], tuple)

    def test_groups_without_the_setting_are_left_alone(self):
        optimizer = FakeOptimizer({"lr": 0.1, "momentum": 0.9}, {"lr": 0.1})
        lineage.apply_hyperparameters(optimizer, {"momentum": 0.5})
        self.assertEqual(optimizer.param_groups[1], {"lr": 0.1, "params": ["w"]})

    def test_clear_errors(self):
        with self.assertRaises(TypeError) as caught:
            lineage.apply_hyperparameters(object(), {"lr": 0.1})
        self.assertIn("param_groups", str(caught.exception))
        with self.assertRaises(TypeError):
            lineage.apply_hyperparameters(FakeOptimizer({"lr": 0.1}), [0.1])
        with self.assertRaises(TypeError) as caught:
            lineage.apply_hyperparameters(FakeOptimizer({"lr": 0.1}), {"learning_rate": "fast"})
        self.assertIn("'lr' (hyperparameter 'learning_rate')", str(caught.exception))


@unittest.skipUnless(HAS_TORCH, "torch is not installed for this Python (Debian's python3-torch is, for /usr/bin/python3)")
class TorchTests(unittest.TestCase):
    def checkpoint(self, optimizer_class, **settings):
        """A parent's checkpoint: a model and its optimizer after one step."""
        import torch

        torch.manual_seed(0)
        model = torch.nn.Linear(3, 1)
        optimizer = optimizer_class(model.parameters(), **settings)
        model(torch.ones(4, 3)).sum().backward()
        optimizer.step()
        return model, optimizer.state_dict()

    def test_sgd_after_load_state_dict(self):
        import torch

        model, state = self.checkpoint(torch.optim.SGD, lr=0.1, momentum=0.9, weight_decay=1e-4)
        job = FakeJob({"learning_rate": 0.05, "momentum": 0.5, "weight_decay": 1e-3, "dropout_rate": 0.3})
        hp = job.hyperparameters
        optimizer = torch.optim.SGD(model.parameters(), lr=hp["learning_rate"], momentum=hp["momentum"], weight_decay=hp["weight_decay"])
        optimizer.load_state_dict(state)
        group = optimizer.param_groups[0]
        # The problem: the checkpoint's settings, not the job's.
        self.assertEqual((group["lr"], group["momentum"], group["weight_decay"]), (0.1, 0.9, 1e-4))

        applied = lineage.apply_hyperparameters(optimizer, job)
        self.assertEqual(applied, {"lr": 0.05, "momentum": 0.5, "weight_decay": 1e-3})
        self.assertEqual((group["lr"], group["momentum"], group["weight_decay"]), (0.05, 0.5, 1e-3))
        self.assertTrue(optimizer.state)  # the momentum buffers restored from the checkpoint stay
        model(torch.ones(4, 3)).sum().backward()
        optimizer.step()

    def test_adam_betas(self):
        import torch

        model, state = self.checkpoint(torch.optim.Adam, lr=0.01, betas=(0.9, 0.999), weight_decay=0.0)
        optimizer = torch.optim.Adam(model.parameters(), lr=0.02)
        optimizer.load_state_dict(state)
        applied = lineage.apply_hyperparameters(optimizer, {"learning_rate": 0.02, "beta1": 0.8, "weight_decay": 0.01})
        self.assertEqual(applied, {"lr": 0.02, "betas": (0.8, 0.999), "weight_decay": 0.01})
        self.assertEqual(optimizer.param_groups[0]["betas"], (0.8, 0.999))
        model(torch.ones(4, 3)).sum().backward()
        optimizer.step()


if __name__ == "__main__":
    unittest.main()
