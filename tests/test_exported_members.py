"""``lamina.policy``'s facade says what it exports: ``__all__`` lists exactly its public names.

Why: the engine is meant to be lifted out as a library (``from lamina.policy import evaluate``);
a name added to the facade but not to ``__all__``, or left in ``__all__`` after it moved, would
change that surface without anyone deciding to. The modules behind it are ``_private``.
"""

from __future__ import annotations

import lamina.policy


def test_all_lists_exactly_the_public_names() -> None:
    public = {name for name in vars(lamina.policy) if name.isidentifier() and not name.startswith("_")}
    assert set(lamina.policy.__all__) == public
    assert len(lamina.policy.__all__) == len(public), "a name listed twice in __all__"


def test_the_runtime_exports_exactly_the_invokers_interface() -> None:
    """``lamina.runtime`` is what the Lambda service codes against: its ``__all__`` is that contract."""
    import lamina.runtime

    modules = {name for name, value in vars(lamina.runtime).items() if type(value).__name__ == "module"}
    public = {name for name in vars(lamina.runtime) if not name.startswith("_")} - modules
    assert set(lamina.runtime.__all__) == public == {
        "CodeBundle", "Credentials", "FunctionSpec", "InvalidCode", "InvocationResult", "Invoker", "RuntimeUnavailable",
    }
