"""``LAMBDA_RUNTIME_DIR`` (``/var/runtime``): the bootstraps and the AWS SDK for Python.

On AWS a Python function can ``import boto3`` without packaging it. Lamina offers the boto3 and
botocore it runs on itself: ``<work_dir>/runtime/sdk`` holds symbolic links to those packages in
Lamina's own environment, and ``PYTHONPATH`` names it after the code and the layers, so a
function's or a layer's own boto3 wins, as on AWS. The sandbox binds each package itself
(read-only) under ``/var/lang/sdk`` and names that instead. boto3 needs Python 3.10 or later; a
``python3.9`` function gets no SDK (and says so with ``ModuleNotFoundError``).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from pathlib import Path

__all__ = ["BOOTSTRAPS", "SDK_PACKAGES", "prepare_runtime_dir", "sdk_paths"]

BOOTSTRAPS = Path(__file__).parent / "bootstraps"
PYTHON_BOOTSTRAP = "python_bootstrap.py"
NODE_BOOTSTRAP = "node_bootstrap.cjs"
RELAY = "relay.py"
"""The sandbox's network relay (``lamina.runtime.sandbox.Relay``)."""
SDK_PACKAGES = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3", "six")
"""boto3 and what it imports, as AWS's Python runtimes ship them."""


def sdk_paths() -> dict[str, Path]:
    """Name -> path of each SDK package (a directory, or ``six.py``) installed beside Lamina."""
    found: dict[str, Path] = {}
    for name in SDK_PACKAGES:
        spec = importlib.util.find_spec(name)
        if spec is None or spec.origin is None:
            continue
        origin = Path(spec.origin).resolve()
        found[name] = origin.parent if origin.name == "__init__.py" else origin
    return found


def prepare_runtime_dir(work_dir: Path) -> Path:
    """Lay out ``<work_dir>/runtime`` (bootstraps copied, SDK linked); returns it. Blocking."""
    root = work_dir / "runtime"
    sdk = root / "sdk"
    sdk.mkdir(parents=True, exist_ok=True)
    for name in (PYTHON_BOOTSTRAP, NODE_BOOTSTRAP, RELAY):
        staged = root / f".{name}.new"
        shutil.copyfile(BOOTSTRAPS / name, staged)
        os.replace(staged, root / name)
    for path in sdk_paths().values():
        link = sdk / path.name
        if link.is_symlink() and Path(os.readlink(link)) == path:
            continue
        staged_link = sdk / f".{path.name}.new"
        staged_link.unlink(missing_ok=True)
        staged_link.symlink_to(path)
        os.replace(staged_link, link)
    return root
