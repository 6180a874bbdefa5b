"""Headless Chromium command line shared by the PNG maps and the PDF tasking packs.

Renders are bounded: at most ``max_renders`` Chromium processes run at once in a process
(:func:`configure`, from ``HOTSPOTS_MAX_RENDERS``); a render that finds every slot taken
waits up to ``render_wait_s`` seconds, then :class:`RenderBusy` is raised (HTTP 429 with
``Retry-After``, see :mod:`app.errors`). Chromium's own messages (stderr) go to the
server log only: :func:`run` never hands them back, and a failed run raises
:class:`ChromiumFailed` (HTTP 503 "rendering failed").
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import signal
import subprocess
import threading
from pathlib import Path

log = logging.getLogger("hotspots.chromium")

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
MAX_LOGGED_CHARS = 4_000


def command(exe: str, profile: Path, *extra: str) -> list[str]:
    """The Chromium command: base flags, a throw-away profile, then ``extra``."""
    return [exe, *BASE_FLAGS, f"--user-data-dir={profile}", *extra]


class ChromiumTimeout(Exception):
    """Chromium did not finish within the time limit (it has been killed)."""


class ChromiumFailed(Exception):
    """Chromium exited with an error (its messages are in the server log, not here)."""

    def __init__(self, returncode: int) -> None:
        super().__init__(f"headless Chromium exited with status {returncode}")
        self.returncode = returncode


class RenderBusy(Exception):
    """Every render slot stayed taken for the whole wait; ``retry_after`` in seconds."""

    def __init__(self, limit: int, retry_after: int) -> None:
        super().__init__(f"{limit} renders are already running; retry in {retry_after} s")
        self.limit, self.retry_after = limit, retry_after


class _Slots:
    """The process-wide render slots (a semaphore that can be resized when idle)."""

    def __init__(self, limit: int, wait_s: float) -> None:
        self.limit, self.wait_s = max(1, limit), max(0.0, wait_s)
        self.sem = threading.BoundedSemaphore(self.limit)


_slots = _Slots(2, 5.0)
_slots_lock = threading.Lock()


def configure(max_renders: int, wait_s: float) -> None:
    """Set the number of concurrent renders and the wait for a slot (settings
    ``max_renders``, ``render_wait_s``); renders already running keep their slot."""
    global _slots
    with _slots_lock:
        if (_slots.limit, _slots.wait_s) != (max(1, max_renders), max(0.0, wait_s)):
            _slots = _Slots(max_renders, wait_s)


def run(cmd: list[str], *, timeout: float) -> tuple[int, bytes]:
    """Run Chromium in its own process group, within a render slot.

    Returns ``(0, b"")`` on success: stderr is logged, never returned. Whatever is left
    of the group (Chromium's helper processes) is killed afterwards. Raises
    :class:`RenderBusy` when no slot frees up in time, :class:`ChromiumTimeout` when
    Chromium runs past ``timeout`` and :class:`ChromiumFailed` when it exits non-zero.
    """
    slots = _slots
    if not slots.sem.acquire(timeout=slots.wait_s):
        raise RenderBusy(slots.limit, max(1, math.ceil(slots.wait_s)))
    try:
        code, err = _run(cmd, timeout=timeout)
    finally:
        slots.sem.release()
    text = err.decode("utf-8", "replace").strip()
    if code != 0:
        log.error("headless Chromium failed (exit %s): %s", code, text[-MAX_LOGGED_CHARS:])
        raise ChromiumFailed(code)
    if text:
        log.info("headless Chromium said: %s", text[-MAX_LOGGED_CHARS:])
    return code, b""


def _run(cmd: list[str], *, timeout: float) -> tuple[int, bytes]:
    proc = subprocess.Popen(
        cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
    )
    try:
        _, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        proc.communicate()
        log.error("headless Chromium killed after %g s", timeout)
        raise ChromiumTimeout from None
    finally:
        _kill_group(proc)
    return proc.returncode, err


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
