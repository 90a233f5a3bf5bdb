"""Command-line verbs of this part of the dashboard, added to the CLI by lib.cli.build_parser."""

from __future__ import annotations


def register(sub) -> None:
    """Add this module's subcommands to the CLI's subparsers."""
