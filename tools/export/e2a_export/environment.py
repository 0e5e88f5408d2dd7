"""The Python environment the export runs in, and the one place that loads the torch 1.13 compatibility layer."""
import importlib
import os
import sys

import torch

UPSTREAM_PACKAGES = ("sam2", "clip", "ssv2a", "audioldm")


def torch_major():
    return int(torch.__version__.split(".")[0])


def prepare(threads=None):
    """Sets up torch for a deterministic CPU export; on torch < 2 installs debian_torch113 (polyfills and stand-ins)."""
    if torch_major() < 2:
        tools_dir = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        if tools_dir not in sys.path:
            sys.path.insert(0, tools_dir)
        import debian_torch113
        debian_torch113.install()
    if threads:
        torch.set_num_threads(threads)
    torch.set_grad_enabled(False)


def describe():
    """Versions of torch, onnx and the upstream packages, for the manifest's provenance."""
    import onnx
    info = {
        "python": sys.version.split()[0],
        "torch": torch.__version__,
        "onnx": onnx.__version__,
        "environment": "debian-torch-1.13 (debian_torch113 stand-ins)" if torch_major() < 2 else "standard",
        "upstream": {},
    }
    for name in UPSTREAM_PACKAGES:
        info["upstream"][name] = package_version(name)
    return info


def package_version(name):
    """The installed distribution's version, else the git commit of the source tree it is imported from."""
    try:
        module = importlib.import_module(name)
    except Exception as e:  # noqa: BLE001 - reported, not fatal: provenance only
        return {"error": f"{type(e).__name__}: {e}"}
    path = os.path.dirname(os.path.abspath(module.__file__))
    result = {"path_name": os.path.basename(os.path.dirname(path))}
    try:
        from importlib.metadata import version, PackageNotFoundError
        try:
            result["version"] = version({"clip": "clip", "sam2": "SAM-2"}.get(name, name))
        except PackageNotFoundError:
            pass
    except ImportError:
        pass
    commit = _git_commit(path)
    if commit:
        result["commit"] = commit
    return result


def _git_commit(path):
    """Reads HEAD of the git checkout containing `path` without running git."""
    directory = path
    while True:
        git = os.path.join(directory, ".git")
        if os.path.isdir(git):
            head = open(os.path.join(git, "HEAD")).read().strip()
            if head.startswith("ref: "):
                ref = os.path.join(git, head[5:])
                return open(ref).read().strip() if os.path.exists(ref) else None
            return head
        parent = os.path.dirname(directory)
        if parent == directory:
            return None
        directory = parent
