"""Authorization declarations for every modelled STS operation, read off the catalog.

The same derivation as IAM's (:func:`lamina.services.iam.declarations.declare_service`): the gate
decides operations Lamina does not implement yet, and registered handlers take precedence.
"""

from __future__ import annotations

from lamina.services.iam.declarations import declare_service

declare_service("sts")
