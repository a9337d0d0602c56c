"""The one error type a bad policy document raises, carrying AWS's code and wording."""

from __future__ import annotations


class MalformedPolicyDocument(ValueError):
    """A document IAM would refuse with ``MalformedPolicyDocument`` (HTTP 400).

    ``message`` is AWS's own sentence (for example ``Policy statement must contain actions.``);
    ``location`` points into the document (``Statement[0].Action``) for tools, never for the wire.
    """

    code = "MalformedPolicyDocument"

    def __init__(self, message: str, location: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.location = location
