"""How a backup's bytes reach the drive: written straight to it past the page cache
(Linux O_DIRECT) where the system allows, else through the page cache with the drive's
write-back started early. Either way `close_durably` returns only once every byte and
the file's size are on the drive (fsync), and a failed write is raised by the next
`write` or by `close_durably`.

Why O_DIRECT (docs/backup-format.md, "Speed"): a backup is written once and read back
once, from the drive (direct_read.py), so keeping its pages in memory helps nothing,
and filling memory with them costs twice:
- every new page-cache page is memory the system must find; on the build machine (a
  virtual machine whose host takes back memory the guest left free for a few seconds)
  160 MiB of fresh page cache cost 0.03 s right after a delete and up to 0.96 s ten
  seconds later, which made the encrypt + write phase 0.7 to 9 times a plain copy from
  run to run;
- on a slow USB drive, hundreds of MiB of dirty pages make Linux throttle every program
  that writes, the app included, until the drive catches up.
Direct writes go from three fixed 4 MiB buffers (page-aligned anonymous memory, as
O_DIRECT requires) to the drive on a helper thread (`os.pwrite` releases the GIL), so
the drive writes one block while the next is sealed. The last, partial block is written
through the page cache after O_DIRECT is turned off again (O_DIRECT lengths must be
whole blocks), and the closing fsync makes all of it and the size durable.

Where O_DIRECT is missing (macOS, Windows) or refused (some network and FUSE file
systems), `EarlySync` writes through the page cache and has a helper thread call
`fdatasync` about ten times per backup, so the closing fsync has little left to do. A
device that refuses a direct write after accepting the flag gets the same from the
DirectSink itself: the rest through the cache, with the early syncs.

Must not import PySide6, services or store.
"""

from __future__ import annotations

import contextlib
import errno
import mmap
import os
import queue
import threading
from typing import BinaryIO, Protocol

BLOCK = 4 * 1024 * 1024  # one direct write: a multiple of any logical block size
BUFFERS = 3  # one being filled, one being written, one spare
SYNC_EVERY = 8 * 1024 * 1024  # EarlySync's smallest interval between fdatasyncs
EARLY_SYNCS = 10  # EarlySync: about this many per backup (each is a journal commit)
_REFUSED = frozenset({errno.EINVAL, errno.EOPNOTSUPP, errno.ENOTSUP})
# A test switch: False writes every backup through the page cache (EarlySync).
DIRECT_WRITES = True


class Sink(Protocol):
    def write(self, data: bytes | memoryview) -> int: ...

    def close_durably(self) -> None: ...

    def abandon(self) -> None: ...


def open_sink(out: BinaryIO, expected: int) -> Sink:
    """A sink writing to `out` (a new, empty file opened for writing; nothing written
    through `out` itself), about `expected` bytes long."""
    every = max(SYNC_EVERY, expected // EARLY_SYNCS)
    if DIRECT_WRITES:
        direct = DirectSink.open(out.fileno(), every)
        if direct is not None:
            return direct
    return EarlySync(out, every)


class DirectSink:
    """Sequential writes gathered into aligned 4 MiB blocks and written with O_DIRECT
    by a helper thread, from offset 0 of an empty file."""

    @classmethod
    def open(cls, fd: int, every: int = SYNC_EVERY) -> DirectSink | None:
        """The sink, or None where this file system refuses O_DIRECT. `every`: how often
        to fdatasync if the device refuses a direct write after all (as EarlySync)."""
        direct = getattr(os, "O_DIRECT", 0)
        if not direct:
            return None
        try:
            import fcntl  # noqa: PLC0415 - POSIX only, and O_DIRECT means POSIX here

            flags = fcntl.fcntl(fd, fcntl.F_GETFL)
            fcntl.fcntl(fd, fcntl.F_SETFL, flags | direct)
        except OSError as exc:
            if exc.errno in _REFUSED:
                return None
            raise
        return cls(fd, flags, every)

    def __init__(self, fd: int, flags: int, every: int = SYNC_EVERY) -> None:
        self._fd, self._flags = fd, flags  # `flags`: the file's flags without O_DIRECT
        self._every, self._unsynced = every, 0
        self._cached = False  # a direct write was refused: the rest goes through the cache
        self._free: queue.SimpleQueue[mmap.mmap] = queue.SimpleQueue()
        for _ in range(BUFFERS):
            self._free.put(mmap.mmap(-1, BLOCK))
        self._todo: queue.SimpleQueue[tuple[mmap.mmap, int] | None] = queue.SimpleQueue()
        self._buf = self._free.get()
        self._fill = 0
        self._offset = 0  # where the block being filled goes
        self._error: BaseException | None = None
        self._stop = False
        self._thread = threading.Thread(target=self._loop, name="backup-write", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while (item := self._todo.get()) is not None:
            buf, offset = item
            try:
                if self._error is None and not self._stop:
                    self._pwrite_all(buf, BLOCK, offset)
                    self._early_sync()
            except BaseException as exc:  # noqa: BLE001 - handed to the writing thread
                self._error = exc
            finally:
                self._free.put(buf)

    def _pwrite_all(self, buf: mmap.mmap, length: int, offset: int) -> None:
        """Write `buf[:length]` at `offset`. The views are released even when a write
        fails: the error (kept for the writing thread) must not pin the buffer, which
        is unmapped at the end."""
        done = 0
        with memoryview(buf) as whole:
            while done < length:
                try:
                    with whole[done:length] as rest:
                        done += os.pwrite(self._fd, rest, offset + done)
                except OSError as exc:
                    # Accepted at open but refused at a write (an alignment this device
                    # needs and 4 KiB does not meet): the rest goes through the cache,
                    # with early syncs as EarlySync's, and the closing fsync.
                    if exc.errno != errno.EINVAL or not self._direct_off():
                        raise
                    self._cached = True

    def _early_sync(self) -> None:
        """Through the cache (after a refusal): start the drive's write-back every
        `every` bytes, so the closing fsync has little left and memory does not fill."""
        if self._cached:
            self._unsynced += BLOCK
            if self._unsynced >= self._every:
                self._unsynced = 0
                os.fdatasync(self._fd)

    def _direct_off(self) -> bool:
        """Turn O_DIRECT off; False if it already was (so EINVAL was not about it)."""
        import fcntl  # noqa: PLC0415 - see open()

        if fcntl.fcntl(self._fd, fcntl.F_GETFL) == self._flags:
            return False
        fcntl.fcntl(self._fd, fcntl.F_SETFL, self._flags)
        return True

    def write(self, data: bytes | memoryview) -> int:
        if self._error is not None:
            raise self._error
        src = memoryview(data).cast("B")
        pos = 0
        while pos < len(src):
            take = min(BLOCK - self._fill, len(src) - pos)
            self._buf[self._fill : self._fill + take] = src[pos : pos + take]
            self._fill += take
            pos += take
            if self._fill == BLOCK:
                self._todo.put((self._buf, self._offset))
                self._offset += BLOCK
                self._buf, self._fill = self._free.get(), 0
        return len(src)

    def _join(self) -> None:
        self._todo.put(None)
        self._thread.join()

    def _release(self) -> None:
        """Unmap the buffers (the helper thread has stopped). Best effort: a buffer still
        exported is left to the garbage collector, never an error of its own."""
        buffers = [self._buf]
        while not self._free.empty():
            buffers.append(self._free.get())
        for buf in buffers:
            with contextlib.suppress(BufferError):
                buf.close()

    def close_durably(self) -> None:
        self._join()
        try:
            if self._error is not None:
                raise self._error
            self._direct_off()
            self._pwrite_all(self._buf, self._fill, self._offset)
        finally:
            self._release()
        os.fsync(self._fd)

    def abandon(self) -> None:
        self._stop = True
        if self._thread.is_alive():
            self._join()
        self._release()


class EarlySync:
    """A file written through the page cache, with the drive's write-back started
    early: after every `every` bytes, a helper thread runs fdatasync (which releases the
    GIL) while the next chunks are sealed, so the closing fsync has little left to wait
    for. A failed early sync is raised at the next write or at `close_durably`."""

    def __init__(self, out: BinaryIO, every: int = SYNC_EVERY) -> None:
        self._out = out
        self._every = every
        self._fd = out.fileno()
        self._pending = 0
        self._wake = threading.Event()
        self._idle = threading.Event()
        self._idle.set()
        self._stop = False
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._loop, name="backup-sync", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while True:
            self._wake.wait()
            self._wake.clear()
            if self._stop:
                return
            try:
                os.fdatasync(self._fd)
            except BaseException as exc:  # noqa: BLE001 - handed to the writing thread
                self._error = exc
            finally:
                self._idle.set()

    def _raise_pending(self) -> None:
        if self._error is not None:
            raise self._error

    def write(self, data: bytes | memoryview) -> int:
        self._raise_pending()
        written = self._out.write(data)
        self._pending += len(data)
        if self._pending >= self._every and self._idle.is_set():
            self._pending = 0
            self._out.flush()
            self._idle.clear()
            self._wake.set()
        return written

    def _join(self) -> None:
        self._idle.wait()
        self._stop = True
        self._wake.set()
        self._thread.join()

    def close_durably(self) -> None:
        self._out.flush()
        self._join()
        self._raise_pending()
        os.fsync(self._fd)

    def abandon(self) -> None:
        self._join()
