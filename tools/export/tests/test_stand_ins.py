import unittest

import torch

from tests import support
from e2a_export import environment


@unittest.skipUnless(environment.torch_major() < 2, "the stand-ins load only with torch < 2")
class StandInTests(unittest.TestCase):
    def test_an_inert_module_imports_but_refuses_use(self):
        from debian_torch113.inert import StandInUsed, is_stand_in
        import kneed
        if not is_stand_in(kneed):
            self.skipTest("kneed is installed")
        with self.assertRaisesRegex(StandInUsed, "kneed.KneeLocator is an inert stand-in"):
            kneed.KneeLocator([1, 2], [1, 2])

    def test_einops_rearrange_and_repeat_match_reshape_and_permute(self):
        import einops
        x = torch.randn(2, 3, 4, 5)
        torch.testing.assert_close(einops.rearrange(x, "b c h w -> b (h w) c"), x.permute(0, 2, 3, 1).reshape(2, 20, 3))
        y = x.permute(0, 2, 3, 1).reshape(2, 20, 3)
        torch.testing.assert_close(einops.rearrange(y, "b (h w) c -> b c h w", h=4, w=5), x)
        torch.testing.assert_close(einops.rearrange(x, "b c h w -> b c (h w)"), x.reshape(2, 3, 20))
        t = torch.arange(3.0)
        torch.testing.assert_close(einops.repeat(t, "b -> b d", d=4), t[:, None].expand(3, 4))

    def test_scaled_dot_product_attention_polyfill(self):
        import torch.nn.functional as F
        q, k, v = torch.randn(2, 3, 5, 8), torch.randn(2, 3, 7, 8), torch.randn(2, 3, 7, 8)
        expected = torch.softmax(q @ k.transpose(-2, -1) / 8 ** 0.5, dim=-1) @ v
        torch.testing.assert_close(F.scaled_dot_product_attention(q, k, v), expected)

    def test_tile_is_repeat(self):
        x = torch.randn(2, 3)
        torch.testing.assert_close(x.tile((2, 1, 2)), x.repeat(2, 1, 2))

    @unittest.skipUnless(support.upstream_available("audioldm"), "needs the AudioLDM sources on PYTHONPATH")
    def test_the_text_branch_is_reported_unavailable_without_transformers(self):
        from e2a_export.networks import audioldm
        with self.assertRaisesRegex(audioldm.TextBranchUnavailable, "transformers package is not installed"):
            audioldm.text_embedder(checkpoint=None)


if __name__ == "__main__":
    unittest.main()
