"""The runtime's own failures, raised before any function code runs (so not function errors)."""

from __future__ import annotations

__all__ = ["InvalidCode", "RuntimeUnavailable"]


class RuntimeUnavailable(Exception):
    """No interpreter on this machine fits the function's runtime.

    ``str()`` names the runtime, what was looked for, what was found and how to configure one;
    Invoke answers it as ``InvalidRuntimeException`` (502).
    """


class InvalidCode(Exception):
    """A code or layer zip cannot be used: not a zip, an entry escaping its directory, or too big
    unzipped. ``str()`` is AWS's wording where AWS has one."""
