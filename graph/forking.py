"""Work in a forked child process: the second core of a two-core machine, used safely.

The loader parses half of a large dataset's YAML in a child and writes its cache in another;
the RDF writer generates half of the N-Triples, and the Turtle export serialises half, in one.
Each falls back to doing the work itself when forking is not safe or the child fails.
"""

from __future__ import annotations

import gc
import os
import pickle
import signal
import sys
import threading
from collections.abc import Callable
from contextlib import suppress
from typing import Any

__all__ = ["FAILED", "Forked", "can_fork"]


def can_fork() -> bool:
    """Whether a forked child can take work here, safely and on a core of its own.

    Only on Linux (fork is the cheap way to start a process with everything imported; macOS and
    Windows do not fork safely), with two cores or more, and in a process with no other thread:
    a thread holding a lock at the fork would leave the child stuck on it.
    """
    return sys.platform == "linux" and len(os.sched_getaffinity(0)) >= 2 and threading.active_count() == 1


class Forked:
    """``work()`` run in a forked child process, its result sent back pickled through a pipe.

    The child starts with everything this process has (modules, data), so there is nothing to
    import or send; it leaves with ``os._exit``, never running this process's exit handlers.
    """

    def __init__(self, work: Callable[[], Any]) -> None:
        """Start the child; :class:`OSError` when no process can be started."""
        reader, writer = os.pipe()
        try:
            self.pid = os.fork()
        except OSError:
            os.close(reader)
            os.close(writer)
            raise
        if self.pid == 0:
            status = 1
            try:
                # Ctrl-C reaches the whole process group: the parent decides (stop() ends the child),
                # so that a cache file being written is finished rather than left half-done.
                signal.signal(signal.SIGINT, signal.SIG_IGN)
                gc.disable()  # a short life that builds few objects: no garbage worth collecting
                os.close(reader)
                data = pickle.dumps(work(), protocol=pickle.HIGHEST_PROTOCOL)
                with os.fdopen(writer, "wb") as pipe:
                    pipe.write(data)
                status = 0
            finally:
                os._exit(status)
        os.close(writer)
        self.pipe = os.fdopen(reader, "rb")

    def result(self) -> Any:
        """What ``work()`` returned, once the child is done; :data:`FAILED` if it sent nothing whole."""
        try:
            # Our own child through our own pipe: as trusted as this process.
            return pickle.load(self.pipe)
        except Exception:
            return FAILED
        finally:
            self.stop()

    def stop(self) -> None:
        """End the child if it still runs (the caller stopped early), and collect it."""
        if self.pid:
            with suppress(OSError):  # after result() the child has sent everything: it has nothing left to do
                os.kill(self.pid, signal.SIGKILL)
            self.pipe.close()
            with suppress(OSError):
                os.waitpid(self.pid, 0)
            self.pid = 0


FAILED = object()
"""What :meth:`Forked.result` gives when the child failed (out of memory, killed)."""
