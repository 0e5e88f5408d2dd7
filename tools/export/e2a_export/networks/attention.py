"""A drop-in for AudioLDM's CrossAttention.normal_attention that exports as one Softmax and two MatMuls.

Upstream computes the scores with einsum and applies softmax in place to each half of the batch
(`attn[half:] = attn[half:].softmax(-1)`, to save memory in training). Softmax over the last axis
is row-wise, so softmaxing both halves equals one softmax of the whole tensor; traced, though, the
in-place halves become Slice/Expand/ScatterND copies of the whole score tensor, and ONNX
Runtime's Einsum runs well below its MatMul. This forward computes the same arithmetic as
q·kᵀ·scale, softmax, ·v with heads moved to the batch axes."""
import types


def plain_softmax_attention(self, q, k, v):
    """CrossAttention.normal_attention with one softmax; q [b,i,h·d], k and v [b,j,h·d]."""
    heads = self.n_heads
    q = q.reshape(q.shape[0], q.shape[1], heads, -1).transpose(1, 2)       # b h i d
    k = k.reshape(k.shape[0], k.shape[1], heads, -1).permute(0, 2, 3, 1)   # b h d j
    v = v.reshape(v.shape[0], v.shape[1], heads, -1).transpose(1, 2)       # b h j d
    attn = (q @ k) * self.scale
    attn = attn.softmax(dim=-1)
    out = (attn @ v).transpose(1, 2)                                       # b i h d
    return self.to_out(out.reshape(out.shape[0], out.shape[1], -1))


def use_plain_softmax(module):
    """Binds the drop-in to every CrossAttention inside `module` (the class itself is untouched).
    Returns how many attention layers now use it."""
    from audioldm.latent_diffusion.attention import CrossAttention
    count = 0
    for layer in module.modules():
        if isinstance(layer, CrossAttention):
            layer.normal_attention = types.MethodType(plain_softmax_attention, layer)
            count += 1
    return count
