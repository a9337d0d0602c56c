"""``lamina policy validate``: check a policy document against AWS's catalog, like Access Analyzer.

Output is one line per finding, ``FILE:LOCATION: TYPE CODE: message``, so editors and grep can use it,
then a summary line; ``--json`` prints ``{"file": ..., "findings": [...]}`` instead. The exit code is 1
when any finding is an ERROR (the policy cannot work as written), 2 when the file cannot be read, else 0.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any, TextIO

from lamina.catalog import default_catalog
from lamina.policy import Finding, FindingType, validate_policy

_ORDER = (FindingType.ERROR, FindingType.SECURITY_WARNING, FindingType.WARNING, FindingType.SUGGESTION)
_NAMES = {FindingType.ERROR: "error", FindingType.SECURITY_WARNING: "security warning",
          FindingType.WARNING: "warning", FindingType.SUGGESTION: "suggestion"}


def add_parser(policy_commands: Any) -> None:
    """Register ``validate`` under the ``lamina policy`` subcommands."""
    parser = policy_commands.add_parser(
        "validate", help="find errors, risky grants and mistakes in a policy document",
        description="Check a policy document beyond its syntax, as IAM Access Analyzer does: unknown "
                    "actions and condition keys, operators that do not fit the key, ARNs no action of the "
                    "statement acts on, over-broad grants, redundancy. Works offline from the AWS catalog "
                    "installed with Lamina. Exit code: 1 if any ERROR, 2 if the file cannot be read.")
    parser.add_argument("file", help="the policy JSON file, or - to read standard input")
    parser.add_argument("--kind", choices=("identity", "resource", "trust"), default="identity",
                        help="identity-based (default), resource-based (a function policy) or a role trust policy")
    parser.add_argument("--json", action="store_true", help="print the findings as JSON")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, stdin: TextIO | None = None, stdout: TextIO | None = None) -> int:
    """Validate ``args.file`` and print the findings; the streams are parameters for tests."""
    stdin, stdout = stdin or sys.stdin, stdout or sys.stdout
    name = "<stdin>" if args.file == "-" else args.file
    try:
        text = stdin.read() if args.file == "-" else Path(args.file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        print(f"lamina policy validate: cannot read {name}: {error}", file=sys.stderr)
        return 2
    findings = validate_policy(text, args.kind, default_catalog())
    stdout.write(render_json(name, findings) if args.json else render_text(name, findings))
    return 1 if any(f.type is FindingType.ERROR for f in findings) else 0


def render_text(name: str, findings: list[Finding]) -> str:
    """``name:location: TYPE CODE: message`` lines, then a count by type."""
    lines = [f"{name}:{f.location or '-'}: {f.type.value} {f.code}: {f.message}" for f in findings]
    counts = Counter(f.type for f in findings)
    if findings:
        summary = ", ".join(f"{counts[t]} {_NAMES[t]}{'' if counts[t] == 1 else 's'}" for t in _ORDER if counts[t])
    else:
        summary = "no findings"
    return "\n".join([*lines, f"{name}: {summary}"]) + "\n"


def render_json(name: str, findings: list[Finding]) -> str:
    return json.dumps({"file": name, "findings": [f.as_dict() for f in findings]}, indent=2) + "\n"
