"""Writing files so that nothing is lost: every file cutsim writes lands whole or not at all.

The rules, for every file and folder cutsim writes (a workspace made by ``init``, an
exported or merged ``.cutsim`` file, a publication, workshop minutes, recovery files):

- the content is written to a temporary file (or folder) *beside* the target, synced to
  disk, then renamed over it, so a crash, a kill or a full disk leaves the old target or
  the new one, never a mix;
- the target is never written *through* a symbolic link, and never onto something that
  is not a regular file (a FIFO, a device, a folder): such a target is refused with a
  message (:class:`UnsafeTarget`);
- the temporary names start with ``.`` and end in ``.tmp``: no reader of cutsim ever
  opens them, and leftovers of a killed write older than :data:`STALE_AFTER_S` are
  removed the next time the same target is written.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import hashlib
import json
import logging
import os
import shutil
import stat
import tempfile
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from cutsim.model.errors import InputError

log = logging.getLogger(__name__)

STALE_AFTER_S = 3600.0  # a temporary file this old is a killed write's, not a live one's
TMP_SUFFIX = ".tmp"


class UnsafeTarget(InputError):
    """The target is a symbolic link or not a regular file (or folder): not written."""


def check_target(path: str | os.PathLike[str], folder: bool = False) -> Path:
    """``path``, after refusing a symbolic link or a target of the wrong kind.

    A missing target is fine (it will be created). ``folder`` asks for a folder target.
    """
    path = Path(path)
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return path
    if stat.S_ISLNK(info.st_mode):
        raise UnsafeTarget(f"{path}: is a symbolic link; cutsim does not write through links "
                           "(write to the real path instead)")
    wanted, kind = (stat.S_ISDIR, "folder") if folder else (stat.S_ISREG, "regular file")
    if not wanted(info.st_mode):
        raise UnsafeTarget(f"{path}: exists and is not a {kind} ({_kind_of(info.st_mode)}); "
                           "nothing was written")
    return path


def _kind_of(mode: int) -> str:
    for test, name in ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a named pipe"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISSOCK, "a socket"), (stat.S_ISREG, "a regular file")):
        if test(mode):
            return name
    return "a special file"


def temp_prefix(path: Path) -> str:
    """The prefix of every temporary name used while writing ``path``."""
    return f".{path.name}."


def clean_leftovers(path: Path, older_than_s: float = STALE_AFTER_S) -> list[Path]:
    """Remove temporary files and folders left beside ``path`` by killed writes; those
    removed. Younger ones may belong to a write still under way and are left alone (no
    reader opens them)."""
    removed: list[Path] = []
    folder = path.parent
    prefix = temp_prefix(path)
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    now = time.time()
    for entry in entries:
        name = entry.name
        if not (name.startswith(prefix) and TMP_SUFFIX in name[len(prefix):]):
            continue
        try:
            info = entry.stat(follow_symlinks=False)
            if now - info.st_mtime < older_than_s:
                continue
            if stat.S_ISDIR(info.st_mode):
                shutil.rmtree(entry.path)
            else:
                os.unlink(entry.path)
        except OSError as exc:
            log.debug("could not remove leftover %s: %s", entry.path, exc)
            continue
        removed.append(Path(entry.path))
        log.info("removed %s, left by an interrupted write", name)
    return removed


def new_file_mode(path: Path, private: bool = False) -> int:
    """The mode to give the new content: the old file's, or what a plain write would give
    under the umask; 0600 when ``private``."""
    if private:
        return 0o600
    try:
        return os.lstat(path).st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes, private: bool = False) -> None:
    """Write ``data`` so that ``path`` holds either the old or the new content, never half.

    Refuses a symbolic link or a non-regular target (:class:`UnsafeTarget`); ``private``
    makes the file readable by its owner only (0600). An ``OSError`` (full disk, no
    permission) leaves the old file as it was and no temporary file behind.
    """
    path = check_target(path)
    clean_leftovers(path)
    fd, tmp = make_temp_file(path)
    try:
        # mkstemp makes the file private (0600); give it the mode a plain write would.
        os.chmod(tmp, new_file_mode(path, private))
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        check_target(path)  # nothing planted at the target while we wrote
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise _naming(exc, path) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


def _naming(exc: OSError, path: Path) -> OSError:
    """The error with the user's target as its file name (not a temporary name)."""
    if exc.filename is not None and temp_prefix(path) not in str(exc.filename):
        return exc
    return OSError(exc.errno, exc.strerror or str(exc), str(path))


def make_temp_file(path: Path) -> tuple[int, str]:
    """(descriptor, name) of a new private temporary file beside ``path``; an error names
    ``path`` (the user's target), not the temporary name."""
    try:
        return tempfile.mkstemp(prefix=temp_prefix(path), suffix=TMP_SUFFIX,
                                dir=path.parent or ".")
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror, str(path)) from None


def fsync_dir(folder: Path) -> None:
    """Make a rename in ``folder`` durable (where the system allows syncing a folder)."""
    try:
        fd = os.open(folder or ".", os.O_RDONLY)
    except OSError:  # Windows cannot open folders; its rename is already durable enough
        return
    try:
        os.fsync(fd)
    except OSError:
        log.debug("fsync of folder %s not supported", folder)
    finally:
        os.close(fd)


def publish_new_file(tmp: Path, path: Path) -> None:
    """Move the finished ``tmp`` to ``path``, refusing if ``path`` appeared meanwhile
    (a hard link cannot replace, so two writers cannot both win)."""
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise InputError(f"{path}: already exists; choose a new file name") from None
    except OSError:  # no hard links here (some network or FAT file systems)
        if os.path.lexists(path):
            raise InputError(f"{path}: already exists; choose a new file name") from None
        os.rename(tmp, path)
        fsync_dir(path.parent)
        return
    os.unlink(tmp)
    fsync_dir(path.parent)


# --- a folder written as one set -----------------------------------------------------

_RENAME_EXCHANGE = 2  # linux/fs.h


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one atomic step (Linux renameat2); False where not available."""
    name = ctypes.util.find_library("c")
    if not name:
        return False
    try:
        libc = ctypes.CDLL(name, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd = -100
    result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), _RENAME_EXCHANGE)
    if result != 0:
        errno = ctypes.get_errno()
        if errno in (22, 38, 95):  # EINVAL, ENOSYS, EOPNOTSUPP: the file system cannot
            return False
        raise OSError(errno, os.strerror(errno), str(b))
    return True


#: In every folder cutsim writes as a set: each file's name and the SHA-256 it was written
#: with, so that a later write replaces only what cutsim wrote and nobody changed since.
FOLDER_MANIFEST = ".cutsim-files.json"


def _sha256_file(path: Path) -> str | None:
    try:
        with open(path, "rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest()
    except OSError:
        return None


def _manifest(folder: Path) -> dict[str, str]:
    """The folder's record of what cutsim wrote into it ({} when missing or unreadable)."""
    try:
        data = json.loads((folder / FOLDER_MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or not isinstance(data.get("files"), dict):
        return {}
    return {str(k): str(v) for k, v in data["files"].items()}


def not_written_by_cutsim(folder: Path, names: Iterable[str]) -> list[str]:
    """Those of ``names`` present in ``folder`` that cutsim did not write there, or that
    were changed since (their content is not the one its manifest records)."""
    record = _manifest(folder)
    return [name for name in sorted(names)
            if os.path.lexists(folder / name)
            and (name not in record or _sha256_file(folder / name) != record[name])]


def _write_manifest(folder: Path) -> None:
    files = {p.name: _sha256_file(p) for p in sorted(folder.iterdir())
             if p.is_file() and p.name != FOLDER_MANIFEST}
    text = json.dumps({"written_by": "cutsim", "files": files}, indent=1) + "\n"
    with open(folder / FOLDER_MANIFEST, "x", encoding="utf-8") as handle:
        handle.write(text)


@contextmanager
def atomic_folder(out: str | os.PathLike[str], owned_names: Iterable[str],
                  force: bool = False) -> Iterator[Path]:
    """A temporary folder beside ``out`` to write a set of files into; on a clean exit it
    replaces ``out`` as a whole, so ``out`` holds the old set or the new one, never a mix.

    ``out`` may be missing, empty, or hold only files named in ``owned_names`` (an
    earlier set); a folder holding anything else is refused, never replaced. A file of
    the set is replaced only if cutsim wrote it there and it is unchanged since (the
    folder's :data:`FOLDER_MANIFEST` says so): a user's own ``index.html`` is refused,
    unless ``force``. ``out`` itself is never a symbolic link.
    """
    out = check_target(out, folder=True)
    owned = set(owned_names) | {FOLDER_MANIFEST}
    if out.is_dir():
        foreign = sorted(name for name in os.listdir(out) if name not in owned)
        if foreign:
            shown = ", ".join(foreign[:5]) + (", …" if len(foreign) > 5 else "")
            raise InputError(f"{out}: holds files that are not part of a publication ({shown}); "
                             "choose an empty or new folder")
        theirs = [] if force else not_written_by_cutsim(out, owned - {FOLDER_MANIFEST})
        if theirs:
            shown = ", ".join(theirs[:5]) + (", …" if len(theirs) > 5 else "")
            raise InputError(f"{out}: {shown} were not written by cutsim, or were changed "
                             "since; nothing was replaced (move them, choose another folder, "
                             "or give --force to replace them)")
    parent = out.parent
    parent.mkdir(parents=True, exist_ok=True)
    clean_leftovers(out)
    tmp = Path(tempfile.mkdtemp(prefix=temp_prefix(out), suffix=TMP_SUFFIX, dir=parent))
    try:
        yield tmp
        _write_manifest(tmp)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o777 & ~umask)
        fsync_dir(tmp)
        if not out.exists():
            os.rename(tmp, out)
        elif _exchange(tmp, out):
            shutil.rmtree(tmp)  # now the old set
        else:  # two renames: a crash between them leaves the old set under a .tmp name
            old = Path(tempfile.mkdtemp(prefix=temp_prefix(out), suffix=".old" + TMP_SUFFIX,
                                        dir=parent))
            os.rmdir(old)
            os.rename(out, old)
            os.rename(tmp, out)
            shutil.rmtree(old)
        fsync_dir(parent)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise _naming(exc, out) from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
