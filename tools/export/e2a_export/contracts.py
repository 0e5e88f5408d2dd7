"""The engine's network contracts (models/README.md), as the export needs them: tensor names in
order and shapes, where a symbol (N, T, 4T, ...) is a dynamic axis and a number a fixed size."""

CONTRACTS = {
    "sam2_encoder": {
        "inputs": [("image", "1,3,1024,1024")],
        "outputs": [("image_embed", "1,256,64,64"), ("high_res_feats_0", "1,32,256,256"), ("high_res_feats_1", "1,64,128,128")],
    },
    "sam2_decoder": {
        "inputs": [("image_embed", "1,256,64,64"), ("high_res_feats_0", "1,32,256,256"), ("high_res_feats_1", "1,64,128,128"),
                   ("point_coords", "L,P,2"), ("point_labels", "L,P"), ("mask_input", "L,1,256,256"), ("has_mask_input", "L")],
        "outputs": [("masks", "L,M,256,256"), ("iou_predictions", "L,M")],
    },
    "clip_tokens": {"inputs": [("pixel_values", "B,3,224,224")], "outputs": [("tokens", "B,257,768")]},
    "ssv2a_manifold": {"inputs": [("clip", "N,768")], "outputs": [("mu", "N,768"), ("log_sigma", "N,768")]},
    "ssv2a_generator": {"inputs": [("x", "N,768")], "outputs": [("mu", "N,512"), ("log_sigma", "N,512")]},
    "unet": {"inputs": [("sample", "N,8,T,16"), ("timestep", "N"), ("y", "N,512")], "outputs": [("eps", "N,8,T,16")]},
    "vae_decoder": {"inputs": [("latent", "N,8,T,16")], "outputs": [("mel", "N,1,4T,64")]},
    "vocoder": {"inputs": [("mel", "N,64,4T")], "outputs": [("wave", "N,640T")]},
    "clap_audio": {"inputs": [("wave", "N,S")], "outputs": [("embedding", "N,512")]},
}

# Pipeline order, as models.json lists them.
KEYS = tuple(CONTRACTS)


def dims(spec):
    """'N,8,4T' -> ['N', 8, '4T']."""
    return [int(d) if d.isdigit() else d for d in spec.split(",")]


def input_names(key):
    return [name for name, _ in CONTRACTS[key]["inputs"]]


def output_names(key):
    return [name for name, _ in CONTRACTS[key]["outputs"]]


def bind_shape(spec, shape, bindings):
    """Checks a concrete shape against a contract shape, binding symbols in `bindings` (shared by
    the tensors of one network, so N or T must agree across them). Raises ValueError naming the
    mismatch."""
    wanted = dims(spec)
    if len(wanted) != len(shape):
        raise ValueError(f"rank {len(shape)}, contract [{spec}] has rank {len(wanted)}")
    for axis, (want, got) in enumerate(zip(wanted, shape)):
        if isinstance(want, int):
            if want != got:
                raise ValueError(f"axis {axis} is {got}, contract [{spec}] fixes {want}")
            continue
        multiplier = int(want[:-1]) if len(want) > 1 and want[:-1].isdigit() else 1
        symbol = want[-1] if multiplier != 1 else want
        if got % multiplier:
            raise ValueError(f"axis {axis} is {got}, not a multiple of {multiplier} ({want})")
        if bindings.setdefault(symbol, got // multiplier) != got // multiplier:
            raise ValueError(f"axis {axis} gives {symbol} = {got // multiplier}, elsewhere {bindings[symbol]}")
