"""Stand-in for hydra.core.global_hydra: remembers the config package of initialize_config_module."""


class GlobalHydra:
    _instance = None

    def __init__(self):
        self.config_dir = None

    @classmethod
    def instance(cls):
        if cls._instance is None:
            cls._instance = cls()
        return cls._instance

    def is_initialized(self):
        return self.config_dir is not None

    def clear(self):
        self.config_dir = None
