"""Headless Chromium command line shared by the PNG maps and the PDF tasking packs."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
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


class ChromiumTimeout(Exception):
    """Chromium did not finish within the time limit (it has been killed)."""


def run(cmd: list[str], *, timeout: float) -> tuple[int, bytes]:
    """Run Chromium in its own process group; return (exit code, stderr).

    Whatever is left of the group (Chromium's helper processes) is killed afterwards,
    and on a timeout :class:`ChromiumTimeout` is raised.
    """
    proc = subprocess.Popen(
        cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True
    )
    try:
        _, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        proc.communicate()
        raise ChromiumTimeout from None
    finally:
        _kill_group(proc)
    return proc.returncode, err


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
