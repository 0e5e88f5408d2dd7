"""Checkpoint formats round-trip through the builders: a state saved the way each project saves it
loads strictly into the same architecture (tiny configurations), and AudioLDM's UNet gets the EMA
weights, not the training weights."""
import os
import tempfile
import unittest

import torch

from tests import support

SSV2A_CONFIG = os.environ.get("SSV2A_CONFIG")


def needs(*packages):
    missing = [p for p in packages if not support.upstream_available(p)]
    return unittest.skipIf(missing, f"needs {', '.join(missing)} on PYTHONPATH")


class CheckpointRoundTripTests(unittest.TestCase):
    def setUp(self):
        self.folder = tempfile.TemporaryDirectory()
        self.addCleanup(self.folder.cleanup)

    def path(self, name):
        return os.path.join(self.folder.name, name)

    @needs("audioldm")
    def test_audioldm_unet_takes_the_ema_weights_and_names_missing_ones(self):
        from audioldm.latent_diffusion.ema import LitEma
        from e2a_export import tiny
        from e2a_export.networks import audioldm
        from e2a_export.weights import CheckpointError
        config = audioldm.model_config()
        trained = audioldm.build_unet(config, unet_params=tiny.UNET_TINY, seed=1)
        averaged = audioldm.build_unet(config, unet_params=tiny.UNET_TINY, seed=2)
        state = {"model." + k: v for k, v in trained.state_dict().items()}
        state.update({"model_ema." + k: v for k, v in LitEma(averaged).state_dict().items()})
        state["scale_factor"] = torch.tensor(0.75)
        torch.save({"state_dict": state}, self.path("a.ckpt"))
        checkpoint = audioldm.Checkpoint(self.path("a.ckpt"))
        loaded = audioldm.build_unet(config, checkpoint, unet_params=tiny.UNET_TINY, seed=3)
        for (name, ours), theirs in zip(loaded.named_parameters(), averaged.parameters()):
            self.assertTrue(torch.equal(ours, theirs), name)
        self.assertEqual(0.75, checkpoint.scale_factor())

        del state[next(k for k in state if k.startswith("model_ema.diffusion_model"))]
        torch.save({"state_dict": state}, self.path("b.ckpt"))
        with self.assertRaisesRegex(CheckpointError, r"model_ema\.\*.*missing: diffusion_model"):
            audioldm.build_unet(config, audioldm.Checkpoint(self.path("b.ckpt")), unet_params=tiny.UNET_TINY)

    @needs("audioldm")
    def test_a_file_that_is_not_an_audioldm_checkpoint_is_named(self):
        from e2a_export.networks import audioldm
        from e2a_export.weights import CheckpointError
        torch.save({"model": {}}, self.path("sam.pt"))
        with self.assertRaisesRegex(CheckpointError, "sam.pt: expected a 'state_dict' entry, found model"):
            audioldm.Checkpoint(self.path("sam.pt"))
        with open(self.path("text.ckpt"), "w") as f:
            f.write("not a checkpoint")
        with self.assertRaisesRegex(CheckpointError, "text.ckpt: cannot be read by torch.load"):
            audioldm.Checkpoint(self.path("text.ckpt"))

    @needs("ssv2a")
    @unittest.skipUnless(SSV2A_CONFIG, "set SSV2A_CONFIG to SSV2A's ssv2a.json")
    def test_ssv2a_pipeline_save_format_loads(self):
        from e2a_export import tiny
        from e2a_export.networks import ssv2a
        config = tiny.tiny_ssv2a_config(ssv2a.read_config(SSV2A_CONFIG))
        manifold, generator = ssv2a.build(config, seed=4)
        torch.save({"timestamp": "t", "manifold_state": manifold.state_dict(), "generator_state": generator.state_dict(), "remixer_state": {}},
                   self.path("ssv2a.pth"))
        loaded_manifold, loaded_generator = ssv2a.build(config, self.path("ssv2a.pth"), seed=5)
        x = torch.randn(3, 768)
        torch.testing.assert_close(loaded_manifold.clip_encoder(x)[0], manifold.clip_encoder(x)[0])
        torch.testing.assert_close(loaded_generator(x)[0], generator(x)[0])

    @needs("sam2")
    def test_sam2_model_format_loads_and_mismatches_are_named(self):
        from e2a_export import tiny
        from e2a_export.networks import sam2
        from e2a_export.weights import CheckpointError
        model = tiny.tiny_sam2(seed=6)
        state = model.state_dict()
        torch.save({"model": state}, self.path("sam2.pt"))
        loaded = sam2.build(self.path("sam2.pt"), model=tiny.tiny_sam2(seed=7))
        self.assertTrue(torch.equal(loaded.no_mem_embed, model.no_mem_embed))
        state = dict(state, extra=torch.zeros(1))
        torch.save({"model": state}, self.path("sam2b.pt"))
        with self.assertRaisesRegex(CheckpointError, "unexpected: extra"):
            sam2.build(self.path("sam2b.pt"), model=tiny.tiny_sam2(seed=7))


if __name__ == "__main__":
    unittest.main()
