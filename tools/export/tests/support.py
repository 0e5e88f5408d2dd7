"""Shared set-up: the export package on sys.path, the environment prepared once."""
import importlib.util
import os
import sys

TOOLS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if TOOLS not in sys.path:
    sys.path.insert(0, TOOLS)

from e2a_export import environment  # noqa: E402

environment.prepare(threads=2)


def upstream_available(package):
    try:
        return importlib.util.find_spec(package) is not None
    except (ImportError, ValueError):
        return False
