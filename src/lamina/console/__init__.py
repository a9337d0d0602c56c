"""Lamina's web console: server-rendered pages under ``/console`` on the API's port (docs/console.md)."""

from .app import Console

__all__ = ["Console"]
