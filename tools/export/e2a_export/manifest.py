"""models.json: the engine's manifest (models/README.md) plus the export's provenance."""
import json

from . import contracts

FORMAT_VERSION = 1
BETA_SCHEDULE = {"kind": "scaled_linear", "steps": 1000, "beta_start": 0.0015, "beta_end": 0.0195}
CLIP_NORMALIZATION = {"mean": [0.48145466, 0.4578275, 0.40821073], "std": [0.26862954, 0.26130258, 0.27577711], "image_size": 224}
SAM2_NORMALIZATION = {"mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225], "image_size": 1024}
TOKEN_LAYOUT = {"tokens": 257, "grid": 16, "patch_size": 14, "width": 768, "cls_index": 0}


def build(name, description, random_weights, files, vae_scale_factor, unconditional_embedding, precision, provenance, labels=None):
    manifest = {
        "format_version": FORMAT_VERSION,
        "name": name,
        "description": description,
        # The engine marks every output of a set that is not real weights; random weights are not.
        "synthetic": bool(random_weights),
        "precision": precision,
        "networks": {key: files[key] for key in contracts.KEYS if key in files},
        "constants": {
            "sample_rate": 16000,
            "hop_length": 160,
            "vae_scale_factor": float(vae_scale_factor),
            "beta_schedule": BETA_SCHEDULE,
            "clip_normalization": CLIP_NORMALIZATION,
            "sam2_normalization": SAM2_NORMALIZATION,
            "token_layout": TOKEN_LAYOUT,
            "unconditional_embedding": [float(v) for v in unconditional_embedding],
        },
        "provenance": provenance,
    }
    if labels is not None:
        manifest["labels"] = labels
    return manifest


def write(path, manifest):
    with open(path, "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
