"""What a running Lamina node was started with; the CLI builds it, the server reads it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = ["Settings"]


@dataclass(frozen=True, slots=True)
class Settings:
    """A node's settings (``lamina serve`` options)."""

    host: str = "127.0.0.1"
    """The interface to listen on; loopback by default, so nothing is exposed by accident."""
    port: int = 4599
    """The one port for every API."""
    data_dir: Path = Path(".lamina")
    """The store's directory (``lamina.db``, ``secret.key``, ``root-credentials.csv``)."""
    account_id: str = "123456789012"
    """The account created on first start; its root user owns the root access key."""
    region: str = "us-east-1"
    """The region Lamina reports and puts in ARNs that carry one."""

    sandbox: str = "auto"
    """How functions are isolated: ``bwrap`` (bubblewrap), ``none`` (plain processes), or ``auto``
    (bubblewrap when it is installed and works here)."""
    event_retry_delays: tuple[float, ...] = (60.0, 120.0)
    """Seconds before the second and third attempt of a failed Event invocation (AWS's waits)."""
    oidc_jwks: tuple[tuple[str, str], ...] = ()
    """(issuer URL, JWKS file) pairs: the signing keys of OIDC providers Lamina should not (or cannot)
    discover over the network (``--oidc-jwks ISSUER=FILE``); see ``lamina.services.sts.jwks``."""

    @property
    def endpoint(self) -> str:
        """The URL clients pass as ``endpoint_url`` / ``AWS_ENDPOINT_URL``."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"
