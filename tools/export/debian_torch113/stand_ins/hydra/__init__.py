"""Stand-in for hydra (not in Debian): what sam2.build_sam.build_sam2 uses.

initialize_config_module remembers the package whose configs `compose` reads; compose loads the
YAML with OmegaConf and applies `++dotted.key=value` / `dotted.key=value` overrides.
"""
import importlib
import os

import yaml
from omegaconf import OmegaConf

from hydra.core.global_hydra import GlobalHydra


def initialize_config_module(config_module, version_base=None, **_):
    module = importlib.import_module(config_module)
    GlobalHydra.instance().config_dir = os.path.dirname(os.path.abspath(module.__file__))


def compose(config_name, overrides=(), **_):
    config_dir = GlobalHydra.instance().config_dir
    if config_dir is None:
        raise RuntimeError("hydra stand-in: initialize_config_module was not called")
    path = config_name if os.path.isabs(config_name) else os.path.join(config_dir, config_name)
    if not path.endswith(".yaml"):
        path += ".yaml"
    cfg = OmegaConf.load(path)
    for override in overrides:
        key, _, value = override.lstrip("+").partition("=")
        OmegaConf.update(cfg, key, yaml.safe_load(value), merge=True, force_add=True)
    return cfg
