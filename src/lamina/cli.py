"""The ``lamina`` command line: ``serve``, ``accounts``, ``audit``, ``logs``, ``functions link|unlink`` and
``policy validate|simulate``."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from lamina import __version__
from lamina.commands import accounts, audit, functions, logs, serve

_POLICY_COMMANDS = ("lamina.commands.policy_validate", "lamina.commands.policy_simulate")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lamina", description="A self-hosted AWS Lambda with IAM and STS.")
    parser.add_argument("--version", action="version", version=f"lamina {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    serve.add_parser(commands)
    accounts.add_parser(commands)
    audit.add_parser(commands)
    functions.add_parser(commands)
    logs.add_parser(commands)
    policy = commands.add_parser("policy", help="validate and simulate IAM policies offline")
    policy_commands = policy.add_subparsers(dest="policy_command", required=True)
    for name in _POLICY_COMMANDS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError:
            continue
        module.add_parser(policy_commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.run(args))


if __name__ == "__main__":
    sys.exit(main())
