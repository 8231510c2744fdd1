"""The command line."""

from posture.cli.commands import main

__all__ = ["main"]
