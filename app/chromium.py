"""Headless Chromium command line shared by the PNG maps and the PDF tasking packs."""

from __future__ import annotations

from pathlib import Path

# as root, with no network: no sandbox, no GPU, and none of Chromium's own background
# traffic (which a closed network refuses many times a second)
BASE_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
)


def command(exe: str, profile: Path, *extra: str) -> list[str]:
    """The Chromium command: base flags, a throw-away profile, then ``extra``."""
    return [exe, *BASE_FLAGS, f"--user-data-dir={profile}", *extra]
