"""Inert stand-ins: modules that upstream packages import at top level but the export never uses.

Importing one succeeds (so `import audioldm` works without transformers, for example); using
anything from it raises StandInUsed naming the module, so nothing silently computes with a fake.
Only names in INERT_MODULES are served, and only when the real module is not installed: the
finder is appended to the end of sys.meta_path, after the finders of installed packages.
"""
import importlib.abc
import importlib.machinery
import importlib.util
import sys
import types

# Top-level imports of the upstream packages' import chains that Debian does not provide.
INERT_MODULES = (
    "transformers",    # CLAP's text branch (the audio export never runs it)
    "timm", "sklearn",  # open_clip's image towers and evaluation helpers
    "librosa",         # AudioLDM's and SSV2A's audio file helpers
    "ftfy",            # CLIP's text tokenizer
    "skvideo", "kneed", "textblob", "dalle2_pytorch",  # ssv2a.data.utils (video, detection, text prompts)
)


class StandInUsed(RuntimeError):
    """Raised when code uses an inert stand-in as if it were the real package."""


class _Placeholder:
    def __init__(self, name):
        self._name = name

    def _fail(self, *args, **kwargs):
        raise StandInUsed(
            f"{self._name} is an inert stand-in (the package is not installed in this environment); "
            "install the real package to use it")

    __call__ = _fail

    def __getattr__(self, attr):
        if attr.startswith("__") and attr.endswith("__"):
            raise AttributeError(attr)
        return _Placeholder(f"{self._name}.{attr}")

    def __mro_entries__(self, bases):
        # `class X(transformers.PreTrainedModel)` at import time: give the class a base that fails on use.
        name = self._name

        class _StandInBase:
            def __init__(self, *args, **kwargs):
                raise StandInUsed(f"{name} is an inert stand-in; install the real package to use it")

        return (_StandInBase,)


class _InertModule(types.ModuleType):
    __stand_in__ = True

    def __getattr__(self, attr):
        if attr.startswith("__") and attr.endswith("__"):
            raise AttributeError(attr)
        return _Placeholder(f"{self.__name__}.{attr}")


class _InertLoader(importlib.abc.Loader):
    def create_module(self, spec):
        module = _InertModule(spec.name)
        module.__path__ = []  # a package, so `import transformers.tokenization_utils_base` works too
        return module

    def exec_module(self, module):
        pass


class _InertFinder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path=None, target=None):
        root = fullname.split(".")[0]
        if root not in INERT_MODULES:
            return None
        if fullname != root and not isinstance(sys.modules.get(root), _InertModule):
            return None
        return importlib.machinery.ModuleSpec(fullname, _InertLoader(), is_package=True)



def is_stand_in(module):
    """True when `module` is an inert stand-in rather than the real package."""
    return isinstance(module, _InertModule)


def register():
    if not any(isinstance(f, _InertFinder) for f in sys.meta_path):
        sys.meta_path.append(_InertFinder())
