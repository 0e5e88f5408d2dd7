"""Stand-in for hydra.utils.instantiate: builds `_target_` objects from an OmegaConf config, recursively."""
import importlib

from omegaconf import DictConfig, ListConfig


def _locate(path):
    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)


def instantiate(config, *args, _recursive_=True, **kwargs):
    if isinstance(config, DictConfig):
        values = {k: (instantiate(v) if _recursive_ else v) for k, v in config.items() if k != "_target_"}
        values.update(kwargs)
        return _locate(config["_target_"])(*args, **values) if "_target_" in config else values
    if isinstance(config, ListConfig):
        return [instantiate(v) for v in config]
    return config
