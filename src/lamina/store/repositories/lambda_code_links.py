"""Linked code directories: a function whose $LATEST runs a local directory instead of its zip.

Lamina's own, for the edit-and-run loop: ``lamina functions link FUNCTION DIR`` records the
directory here, and every invocation of $LATEST runs the directory's current files. The stored
zip stays the function's code as the API reports it (GetFunction, CodeSha256); published
versions are immutable and never run a link.
"""

from __future__ import annotations

from sqlalchemy import Connection, delete, insert, select

from ..schema import lambda_code_links as links
from ._common import now
from ._lambda import find_function

__all__ = ["get_link", "link", "unlink"]


def link(conn: Connection, account_id: str, region: str, function_name: str, directory: str) -> None:
    """Run ``directory`` for the function's $LATEST from now on (replacing an earlier link).

    NotFound(``function``) when there is no such function."""
    function = find_function(conn, account_id, region, function_name, lock=True)
    conn.execute(delete(links).where(links.c.function_id == function.function_id))
    conn.execute(insert(links).values(function_id=function.function_id, account_id=account_id, directory=directory,
                                      created_at=now()))


def unlink(conn: Connection, account_id: str, region: str, function_name: str) -> bool:
    """Back to the stored zip; False when the function had no link. NotFound(``function``)."""
    function = find_function(conn, account_id, region, function_name, lock=True)
    return conn.execute(delete(links).where(links.c.function_id == function.function_id)).rowcount > 0


def get_link(conn: Connection, function_id: str) -> str | None:
    """The directory the function's $LATEST runs, or None."""
    return conn.execute(select(links.c.directory).where(links.c.function_id == function_id)).scalar()
