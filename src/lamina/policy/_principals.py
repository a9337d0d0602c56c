"""Who a ``Principal`` element names, and with which *grant kind* (see docs/evaluation-semantics.md).

The grant kind decides how far a same-account resource-policy Allow reaches on its own
(reference_policies_evaluation-logic_policy-eval-denyallow.html, the table by principal type).
"""

from __future__ import annotations

import re

from ._model import PrincipalBlock
from ._request import Principal, PrincipalType

PUBLIC, USER, SESSION, SERVICE, FEDERATED, CANONICAL = "public", "user", "session", "service", "federated", "canonical"
ROLE, ACCOUNT = "role", "account"
RANK = {PUBLIC: 2, USER: 2, SESSION: 2, SERVICE: 2, FEDERATED: 2, CANONICAL: 2, ROLE: 1, ACCOUNT: 0}
"""Most permissive first: rank 2 grants on its own, a role grant needs boundary and session."""

_ACCOUNT_ID = re.compile(r"\d{12}")
_ROOT = re.compile(r"arn:aws[a-z-]*:iam::(\d{12}):root")
_SESSION = re.compile(r"arn:aws[a-z-]*:sts::\d{12}:(assumed-role|federated-user)/.+")
_ROLE = re.compile(r"arn:aws[a-z-]*:iam::\d{12}:role/.+")
_USER = re.compile(r"arn:aws[a-z-]*:iam::\d{12}:user/.+")


class PrincipalMatcher:
    """A compiled Principal element: sets per kind, so matching a caller is a few lookups."""

    __slots__ = ("accounts", "canonical", "federated", "public", "roles", "services", "sessions", "users")

    def __init__(self, block: PrincipalBlock) -> None:
        aws = block.values("AWS")
        self.public = "*" in aws
        self.accounts: set[str] = set()
        self.users: set[str] = set()
        self.roles: set[str] = set()
        self.sessions: set[str] = set()
        for value in aws:
            root = _ROOT.fullmatch(value)
            if _ACCOUNT_ID.fullmatch(value):
                self.accounts.add(value)
            elif root:
                self.accounts.add(root.group(1))
            elif _USER.fullmatch(value):
                self.users.add(value)
            elif _ROLE.fullmatch(value):
                self.roles.add(value)
            elif _SESSION.fullmatch(value):
                self.sessions.add(value)
        self.services = set(block.values("Service"))
        self.federated = set(block.values("Federated"))
        self.canonical = set(block.values("CanonicalUser"))

    def names_every_part_of(self, who: Principal) -> bool:
        """For ``NotPrincipal``: whether each identity of the caller is named exactly.

        AWS checks a caller's account, then its user or role, then its session, each on its own
        (reference_policies_elements_notprincipal.html): listing the account ARN excludes the
        account's root, not the account's users.
        """
        if self.public:
            return True
        kind = who.type
        if kind is PrincipalType.SERVICE:
            return who.arn in self.services
        if kind is PrincipalType.WEB_IDENTITY:
            return who.federated in self.federated
        if kind is PrincipalType.ANONYMOUS:
            return False
        if who.account is None or who.account not in self.accounts:
            return False
        if kind is PrincipalType.USER:
            return who.arn in self.users
        if kind is PrincipalType.ASSUMED_ROLE:
            return who.role_arn in self.roles and who.arn in self.sessions
        if kind is PrincipalType.FEDERATED_USER:
            return who.arn in self.sessions
        return True  # the root user: its one identity is the account

    def grant(self, who: Principal) -> str | None:
        """The most permissive grant kind this element gives ``who``, or None."""
        if self.public:
            return PUBLIC
        kind = who.type
        if kind is PrincipalType.SERVICE:
            return SERVICE if who.arn in self.services else None
        if kind is PrincipalType.WEB_IDENTITY:
            return FEDERATED if who.federated in self.federated else None
        if kind is PrincipalType.ANONYMOUS:
            return CANONICAL if who.canonical_user and who.canonical_user in self.canonical else None
        if who.canonical_user and who.canonical_user in self.canonical:
            return CANONICAL
        if kind is PrincipalType.USER and who.arn in self.users:
            return USER
        if who.is_session:
            if who.arn in self.sessions:
                return SESSION
            if who.role_arn is not None and who.role_arn in self.roles:
                return ROLE
        if who.account is not None and who.account in self.accounts:
            return ACCOUNT
        return None
