"""Lambda's operations (none registered yet) and its errors, one class per modelled error (``errors``)."""

from . import errors

__all__ = ["errors"]
