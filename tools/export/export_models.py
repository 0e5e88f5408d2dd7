#!/usr/bin/env python3
"""Export the research pipeline's checkpoints to an edit2audio model set. See tools/export/README.md."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from e2a_export.driver import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
