import unittest

import torch
import torch.nn as nn

from tests import support  # noqa: F401
from e2a_export import contracts
from e2a_export.weights import CheckpointError, load_strict, redraw_zero_tensors


class StrictLoadTests(unittest.TestCase):
    def model(self):
        return nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))

    def test_a_matching_state_loads(self):
        source, target = self.model(), self.model()
        load_strict(target, source.state_dict(), "test.pt")
        self.assertTrue(torch.equal(source[0].weight, target[0].weight))

    def test_missing_unexpected_and_mis_shaped_keys_are_all_named(self):
        state = self.model().state_dict()
        del state["0.bias"]
        state["2.weight"] = torch.zeros(1)
        state["0.weight"] = torch.zeros(5, 3)
        with self.assertRaises(CheckpointError) as caught:
            load_strict(self.model(), state, "test.pt")
        message = str(caught.exception)
        for fragment in ("test.pt does not match Sequential", "missing: 0.bias", "unexpected: 2.weight", "shape mismatch: 0.weight (5, 3) (model (4, 3))"):
            self.assertIn(fragment, message)

    def test_only_the_named_stale_keys_are_tolerated(self):
        state = dict(self.model().state_dict(), stale=torch.zeros(1))
        load_strict(self.model(), state, "test.pt", ignore_unexpected=("stale",))
        with self.assertRaisesRegex(CheckpointError, "unexpected: stale"):
            load_strict(self.model(), state, "test.pt")


class RedrawTests(unittest.TestCase):
    def test_all_zero_tensors_are_redrawn_and_batchnorm_statistics_kept(self):
        model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
        nn.init.zeros_(model[0].weight)
        nn.init.zeros_(model[0].bias)
        redrawn = redraw_zero_tensors(model, seed=1)
        self.assertTrue(model[0].weight.any() and model[0].bias.any())
        self.assertFalse(model[1].running_mean.any())  # statistics keep their meaning
        self.assertEqual(3, redrawn)  # weight, bias and BatchNorm's zero bias

    def test_redrawing_is_deterministic(self):
        a, b = nn.Linear(3, 4), nn.Linear(3, 4)
        for m in (a, b):
            nn.init.zeros_(m.weight)
            redraw_zero_tensors(m, seed=7)
        self.assertTrue(torch.equal(a.weight, b.weight))


class ContractShapeTests(unittest.TestCase):
    def test_symbols_bind_across_tensors(self):
        bindings = {}
        contracts.bind_shape("N,8,T,16", (3, 8, 24, 16), bindings)
        contracts.bind_shape("N,1,4T,64", (3, 1, 96, 64), bindings)
        self.assertEqual({"N": 3, "T": 24}, bindings)
        with self.assertRaisesRegex(ValueError, "T = 25"):
            contracts.bind_shape("N,640T", (3, 16000), bindings)
        with self.assertRaisesRegex(ValueError, "fixes 16"):
            contracts.bind_shape("N,8,T,16", (3, 8, 24, 15), {})


if __name__ == "__main__":
    unittest.main()
