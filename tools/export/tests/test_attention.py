import unittest

import torch

from tests import support


@unittest.skipUnless(support.upstream_available("audioldm"), "needs the AudioLDM sources on PYTHONPATH")
class PlainSoftmaxAttentionTests(unittest.TestCase):
    """The drop-in computes what CrossAttention.normal_attention computes, for self- and cross-attention,
    even and odd batches (upstream softmaxes each half of the batch separately)."""

    def check(self, batch, queries, keys, context_dim=None):
        from audioldm.latent_diffusion.attention import CrossAttention
        from e2a_export.networks.attention import use_plain_softmax
        torch.manual_seed(batch * 100 + queries)
        layer = CrossAttention(query_dim=64, context_dim=context_dim, heads=4, dim_head=16).eval()
        x = torch.randn(batch, queries, 64)
        context = torch.randn(batch, keys, context_dim) if context_dim else None
        upstream = layer(x, context)
        self.assertEqual(1, use_plain_softmax(layer))
        ours = layer(x, context)
        torch.testing.assert_close(ours, upstream, rtol=1e-6, atol=1e-6)

    def test_self_attention(self):
        for batch in (1, 2, 3, 6):
            self.check(batch, queries=37, keys=37)

    def test_cross_attention_with_another_length(self):
        for batch in (1, 4, 5):
            self.check(batch, queries=20, keys=7, context_dim=32)

    def test_the_class_itself_is_untouched(self):
        from audioldm.latent_diffusion.attention import CrossAttention
        from e2a_export.networks.attention import plain_softmax_attention
        self.assertIsNot(CrossAttention.normal_attention, plain_softmax_attention)


if __name__ == "__main__":
    unittest.main()
