"""IAM operations, one module per group (users, groups, roles, policies, ...).

Importing this package imports every module in it, so each module's ``@operation`` handlers and
``declare`` calls register themselves; adding a module needs no edit here.
"""

import importlib
import pkgutil

for _module in pkgutil.iter_modules(__path__):
    if not _module.name.startswith("_"):
        importlib.import_module(f"{__name__}.{_module.name}")
