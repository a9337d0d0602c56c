"""The fuzz suite reuses the server fixtures' helpers (``lamina_server``)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1] / "server"))
