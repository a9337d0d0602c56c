"""Work measured as function calls, Python and built-in: unlike seconds, it does not depend on the
machine or its load, so tests can assert how work grows with the input."""

from __future__ import annotations

import sys
from collections.abc import Callable
from types import FrameType
from typing import Any


def calls(run: Callable[[], object]) -> int:
    """How many functions (Python and built-in) ``run()`` calls, counted by a profile hook."""
    count = 0

    def hook(_frame: FrameType, event: str, _arg: Any) -> None:
        nonlocal count
        if event in ("call", "c_call"):
            count += 1

    sys.setprofile(hook)
    try:
        run()
    finally:
        sys.setprofile(None)
    return count


Work = Callable[[int, int], Callable[[], object]]
"""``work(size, seed)``: a job of that size; different seeds give different inputs, so that no
cache filled by one job answers for another."""


def growth(work: Work, n: int) -> float:
    """``calls`` for size ``2n`` over ``calls`` for size ``n``: about 2 when linear, 4 when quadratic."""
    work(n, 1)()  # warm what does not depend on the input (catalog files, imports)
    return calls(work(2 * n, 3)) / calls(work(n, 2))
