"""Placeholder replaced by the command module of the same name."""

from __future__ import annotations

import click


def register(group: click.Group) -> None:
    """Nothing to add yet."""
