"""Exports the research pipeline's networks (SAM2.1, CLIP ViT-L/14, SSV2A, AudioLDM with its CLAP and
HiFi-GAN) from the upstream packages to an edit2audio model set: ONNX files satisfying the
engine's contracts, models.json with provenance, and verification cases."""
