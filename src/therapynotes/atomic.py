"""Durable file writes: temp file in the same folder, fsync, rename, fsync the folder.

A reader sees either the old file or the new one, never a mix, even after a crash or
power cut. Must not import PySide6.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from therapynotes.errors import StorageError
from therapynotes.paths import PRIVATE_FILE_MODE

TEMP_SUFFIX = ".partial"
# A file's bytes, whole or as the parts to write one after another (an attachment's
# chunks: joining them would copy the whole file; issue 18).
FileBytes = bytes | memoryview | tuple[bytes, ...]


def fsync_dir(folder: Path) -> None:
    """Make a rename or create inside `folder` durable (no-op where unsupported)."""
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def temp_name_for(target: Path) -> Path:
    """A hidden, unique temp name beside `target`; never looks like a finished file."""
    # os.urandom, not the secrets module: 3 ms less before the lock screen (issue 18)
    return target.with_name(f".{target.name}.{os.urandom(4).hex()}{TEMP_SUFFIX}")


@contextlib.contextmanager
def atomic_writer(
    target: Path,
    *,
    mode: int = PRIVATE_FILE_MODE,
    check: Callable[[Path], None] | None = None,
) -> Iterator[BinaryIO]:
    """Yield a binary file; on clean exit it replaces `target` durably.

    `check`, if given, reads the written and fsynced temp file back before the rename;
    if it raises, nothing is replaced. On any exception the temp file is removed and
    `target` is untouched.
    """
    tmp = temp_name_for(target)
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    except OSError as exc:
        raise StorageError(type(exc).__name__) from exc
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        if check is not None:
            check(tmp)
        os.replace(tmp, target)
        fsync_dir(target.parent)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        if isinstance(exc, OSError):
            raise StorageError(type(exc).__name__) from exc
        raise


def atomic_write_bytes(
    target: Path,
    data: bytes,
    *,
    mode: int = PRIVATE_FILE_MODE,
    check: Callable[[Path], None] | None = None,
) -> None:
    with atomic_writer(target, mode=mode, check=check) as fh:
        fh.write(data)


# --- files written on the user's request (exports, PDFs, attachment copies) ----------
#
# They hold plaintext, so: written privately (0600, folders 0700) under a hidden temp
# name, fsynced, renamed into place only when complete; a symbolic link is never
# followed (not at the name itself, not inside an export folder); and on any failure
# everything written so far is removed before the error is raised.

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_DIR_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | _NOFOLLOW
_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW
PRIVATE_DIR_MODE = 0o700
STAGING_SUFFIX = ".partial"


class WriteRefused(StorageError):
    """The file could not be saved there, and nothing of it was left behind. Choose a
    folder you can write to and try again."""

    reason = "the folder could not be written to"


class TargetNotAFile(WriteRefused):
    """A folder, link or special file already has that name, so nothing was saved and
    nothing was left behind. Choose another name or place."""

    reason = "a folder or link already has that name"


class DiskFull(WriteRefused):
    """The disk is full, so nothing was saved and nothing partial was left behind. Free
    some space or choose another place, then try again."""

    reason = "the disk is full"


def refusal(exc: OSError) -> WriteRefused:
    """The error to raise for an OSError while writing a requested file."""
    if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return DiskFull()
    if exc.errno in (errno.ELOOP, errno.EISDIR, errno.ENOTEMPTY, errno.EEXIST):
        return TargetNotAFile()
    return WriteRefused(type(exc).__name__)


def _check_replaceable(folder_fd: int, name: str) -> bool:
    """True when `name` exists in the folder as a regular file (it will be replaced);
    False when it does not exist; TargetNotAFile for a link, folder or anything else."""
    try:
        info = os.stat(name, dir_fd=folder_fd, follow_symlinks=False)
    except FileNotFoundError:
        return False
    if not stat.S_ISREG(info.st_mode):
        raise TargetNotAFile
    return True


def _write_new(folder_fd: int, name: str, data: FileBytes) -> None:
    """A new private file in the folder, fsynced; never through a link. On failure the
    file is removed again."""
    fd = os.open(name, _NEW_FILE, PRIVATE_FILE_MODE, dir_fd=folder_fd)
    try:
        os.fchmod(fd, PRIVATE_FILE_MODE)
        for part in data if isinstance(data, tuple) else (data,):
            view = memoryview(part)
            while view:
                view = view[os.write(fd, view) :]
        os.fsync(fd)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(name, dir_fd=folder_fd)
        raise
    finally:
        os.close(fd)


def write_private_file(target: Path, data: FileBytes) -> None:
    """The one way a user-requested single file (a PDF, an attachment copy) reaches the
    disk: a hidden temp file beside `target`, 0600, fsync, rename over `target`, fsync
    the folder. A link, folder or special file at `target` is refused, never followed;
    on any failure the temp file is removed. Raises a WriteRefused."""
    tmp = temp_name_for(target).name
    try:
        folder_fd = os.open(target.parent, _DIR_FLAGS & ~_NOFOLLOW)
    except OSError as exc:
        raise refusal(exc) from None
    written = False
    try:
        _check_replaceable(folder_fd, target.name)
        _write_new(folder_fd, tmp, data)
        written = True
        os.rename(tmp, target.name, src_dir_fd=folder_fd, dst_dir_fd=folder_fd)
        written = False
        os.fsync(folder_fd)
    except OSError as exc:
        raise refusal(exc) from None
    finally:
        if written:
            with contextlib.suppress(OSError):
                os.unlink(tmp, dir_fd=folder_fd)
        os.close(folder_fd)


class StagedFolder:
    """Files for an export folder, written into a private hidden staging folder inside
    it and moved into place by `staged_folder` only once all are complete."""

    def __init__(self, target_fd: int, name: str) -> None:
        self.name = name
        self.fd = os.open(name, _DIR_FLAGS, dir_fd=target_fd)
        self._subdirs: dict[str, int] = {}
        self.folders: set[str] = set()
        self.entries: list[str] = []  # top-level names, in the order first written
        self._closed = False

    def _folder(self, sub: str) -> int:
        if sub not in self._subdirs:
            os.mkdir(sub, PRIVATE_DIR_MODE, dir_fd=self.fd)
            self._subdirs[sub] = os.open(sub, _DIR_FLAGS, dir_fd=self.fd)
            self.folders.add(sub)
            self.entries.append(sub)
        return self._subdirs[sub]

    def write(self, relative: str, data: FileBytes) -> None:
        """Write `relative` ("name" or "folder/name", names we chose) privately."""
        sub, _, name = relative.rpartition("/")
        if sub:
            _write_new(self._folder(sub), name, data)
        else:
            _write_new(self.fd, name, data)
            self.entries.append(name)

    def sync(self) -> None:
        """Make everything written durable (the files are fsynced as written)."""
        for fd in self._subdirs.values():
            os.fsync(fd)
        os.fsync(self.fd)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        for fd in (*self._subdirs.values(), self.fd):
            with contextlib.suppress(OSError):
                os.close(fd)


def _remove_tree(folder_fd: int, name: str) -> None:
    """Remove `name` and all under it without following any link."""
    info = os.stat(name, dir_fd=folder_fd, follow_symlinks=False)
    if not stat.S_ISDIR(info.st_mode):
        os.unlink(name, dir_fd=folder_fd)
        return
    fd = os.open(name, _DIR_FLAGS, dir_fd=folder_fd)
    try:
        for child in os.listdir(fd):
            _remove_tree(fd, child)
    finally:
        os.close(fd)
    os.rmdir(name, dir_fd=folder_fd)


class _Mover:
    """Moves the staged entries into the target, remembering what it added so that a
    failure can take it back out."""

    def __init__(self, target_fd: int, staging: StagedFolder) -> None:
        self.target_fd = target_fd
        self.staging = staging
        self.added: list[tuple[int, str]] = []  # (folder fd, name) of what we moved in
        self._fds: list[int] = []

    def _open(self, folder_fd: int, name: str) -> int:
        fd = os.open(name, _DIR_FLAGS, dir_fd=folder_fd)
        self._fds.append(fd)
        return fd

    def check(self) -> None:
        """Refuse, before anything moves, a link, folder or special file at any name a
        staged file needs (or anything but a real folder where a folder goes)."""
        for name in self.staging.entries:
            info = _lstat(self.target_fd, name)
            if info is None:
                continue
            if name not in self.staging.folders:
                if not stat.S_ISREG(info.st_mode):
                    raise TargetNotAFile
                continue
            if not stat.S_ISDIR(info.st_mode):
                raise TargetNotAFile
            into = self._open(self.target_fd, name)
            for child in os.listdir(self._open(self.staging.fd, name)):
                _check_replaceable(into, child)

    def move_all(self) -> None:
        for name in self.staging.entries:
            self._move(self.staging.fd, self.target_fd, name)
        os.fsync(self.target_fd)

    def _move(self, src_fd: int, dst_fd: int, name: str) -> None:
        existed = _lstat(dst_fd, name) is not None
        if existed and name in self.staging.folders and src_fd == self.staging.fd:
            # A folder of that name is already there (an earlier export, --force): move
            # the files in one by one (attachments are named by their hash, so a file of
            # the same name has the same content).
            into = self._open(dst_fd, name)
            src = self._open(src_fd, name)
            for child in os.listdir(src):
                self._move(src, into, child)
            os.fsync(into)
            return
        os.rename(name, name, src_dir_fd=src_fd, dst_dir_fd=dst_fd)
        if not existed:
            self.added.append((dst_fd, name))

    def undo(self) -> None:
        for folder_fd, name in reversed(self.added):
            with contextlib.suppress(OSError):
                _remove_tree(folder_fd, name)

    def close(self) -> None:
        for fd in self._fds:
            with contextlib.suppress(OSError):
                os.close(fd)


def _lstat(folder_fd: int, name: str) -> os.stat_result | None:
    try:
        return os.stat(name, dir_fd=folder_fd, follow_symlinks=False)
    except FileNotFoundError:
        return None


@contextlib.contextmanager
def staged_folder(target: Path) -> Iterator[StagedFolder]:
    """Yield a StagedFolder inside the existing folder `target` (itself no link); on
    clean exit move every staged entry into `target` (a file replaces a file of that
    name; a folder is moved, or its files moved into a folder of that name), then remove
    the staging folder. On any failure, the staging folder and everything already moved
    in are removed before the error (a WriteRefused for an OSError) is raised."""
    try:
        target_fd = os.open(target, _DIR_FLAGS)
    except OSError as exc:
        bad = exc.errno in (errno.ELOOP, errno.ENOTDIR)
        raise (TargetNotAFile() if bad else refusal(exc)) from None
    name = f".{os.urandom(8).hex()}{STAGING_SUFFIX}"
    staging: StagedFolder | None = None
    mover: _Mover | None = None
    try:
        os.mkdir(name, PRIVATE_DIR_MODE, dir_fd=target_fd)
        staging = StagedFolder(target_fd, name)
        yield staging
        staging.sync()
        mover = _Mover(target_fd, staging)
        mover.check()
        mover.move_all()
        _remove_tree(target_fd, name)
        os.fsync(target_fd)
    except BaseException as exc:
        if mover is not None:
            mover.undo()
        with contextlib.suppress(OSError):
            _remove_tree(target_fd, name)
        with contextlib.suppress(OSError):
            os.fsync(target_fd)
        if isinstance(exc, OSError):
            raise refusal(exc) from None
        raise
    finally:
        if mover is not None:
            mover.close()
        if staging is not None:
            staging.close()
        os.close(target_fd)
