"""Checks on a received .xlsx file before any spreadsheet library parses it (docs/file-format.md).

A workbook is untrusted input, like a ``.cutsim`` file. An .xlsx file is a zip of XML
parts; these checks look only at the zip's directory and the raw bytes of its parts,
so that nothing hostile reaches the XML parser:

- not a zip (an old ``.xls``, a renamed text file) and encrypted workbooks (Excel
  stores a password-protected workbook as an OLE compound file, not a zip) are refused;
- the file may be at most :data:`MAX_FILE_BYTES`, the parts together at most
  :data:`MAX_UNPACKED_BYTES` unpacked (a "zip bomb" is refused by its directory, before
  it is inflated), and there may be at most :data:`MAX_PARTS` parts;
- macro workbooks (a ``vbaProject.bin`` part, or a macro-enabled content type) are
  refused, as are encrypted zip entries;
- XML with a document type declaration (the carrier of entity-expansion attacks) is
  refused; Office never writes one;
- every sheet is read as a stream (:func:`cutsim.files.xlsx_parts.scan_sheet`), each
  row and cell placed as a spreadsheet places it (quoted either way, or with no ``r``
  attribute) and the ``<dimension>`` claim checked: a sheet past :data:`MAX_ROWS` rows,
  :data:`MAX_COLUMNS` columns or :data:`MAX_CELLS` cells is refused at the first cell
  past the limit, in bounded memory, before the value reader builds any grid.

External links are never followed: the reader only ever reads cell values stored in
this file (a formula's cached value), and never opens another file or address.
"""

from __future__ import annotations

import os
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from cutsim.files.regular import refuse_special
from cutsim.files.xlsx_parts import (
    CHUNK_BYTES,
    MAX_CELLS,
    MAX_COLUMNS,
    MAX_ROWS,
    Parts,
    SheetFacts,
)
from cutsim.model.errors import InputError

__all__ = ["MAX_CELLS", "MAX_COLUMNS", "MAX_FILE_BYTES", "MAX_PARTS", "MAX_ROWS",
           "MAX_UNPACKED_BYTES", "CheckedWorkbook", "check_bytes", "is_workbook_path",
           "looks_like_workbook", "read_checked"]


def is_workbook_path(path: str | os.PathLike[str]) -> bool:
    """True if ``path`` names a workbook by its extension (.xlsx, .xlsm, .xls): a test of
    the name alone, light enough for the app to ask before any workbook code loads."""
    return Path(path).suffix.lower() in {".xlsx", ".xlsm", ".xls", ".xltx", ".xltm"}


MAX_FILE_BYTES = 20 * 1024 * 1024  # as for a .cutsim file
MAX_UNPACKED_BYTES = 100 * 1024 * 1024  # a 5,000-service model is about 2 MB unpacked
MAX_PARTS = 1_000
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
_MACRO_TYPES = (b"macroEnabled", b"vbaProject", b"ms-office.vbaProject")
_OVERLAP = 32  # bytes kept from one chunk to the next, longer than any word looked for


@dataclass
class CheckedWorkbook:
    """The raw bytes of a workbook that passed the checks, and what the checks saw."""

    data: bytes
    name: str
    has_formulas: bool = False
    sheets: dict[str, SheetFacts] = field(default_factory=dict)  # worksheet part -> facts
    external_links: list[str] = field(default_factory=list)


def looks_like_workbook(path: str | os.PathLike[str]) -> bool:
    """True for a name ending .xlsx/.xlsm/.xls or a file starting like a zip or OLE file."""
    path = Path(path)
    refuse_special(path)
    if path.suffix.lower() in {".xlsx", ".xlsm", ".xls", ".xltx", ".xltm"}:
        return True
    try:
        with path.open("rb") as handle:
            head = handle.read(8)
    except OSError:
        return False
    return head.startswith(ZIP_MAGIC) or head == OLE_MAGIC


def read_checked(path: str | os.PathLike[str]) -> CheckedWorkbook:
    """The bytes of ``path`` after every check above; InputError naming the first failure."""
    path = Path(path)
    name = path.name
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise InputError(f"{name}: workbook is {size:,} bytes; the limit is "
                             f"{MAX_FILE_BYTES:,} (20 MiB)")
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a folder, not a workbook") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    return check_bytes(data, name)


def check_bytes(data: bytes, name: str = "workbook") -> CheckedWorkbook:
    """Run the checks on a workbook's bytes (see the module docstring)."""
    if len(data) > MAX_FILE_BYTES:
        raise InputError(f"{name}: workbook is larger than {MAX_FILE_BYTES:,} bytes (20 MiB)")
    if not data:
        raise InputError(f"{name}: the file is empty")
    if data.startswith(OLE_MAGIC):
        raise InputError(f"{name}: an encrypted (password-protected) workbook or an old .xls "
                         "file; cutsim reads only unencrypted .xlsx: in Excel remove the "
                         "password (File > Info > Protect Workbook) and save as .xlsx")
    if not data.startswith(ZIP_MAGIC):
        raise InputError(f"{name}: not an .xlsx workbook (an .xlsx file is a zip archive; "
                         "this file is not one)")
    import io

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as exc:
        raise InputError(f"{name}: not a readable .xlsx workbook (a damaged zip archive: "
                         f"{exc})") from None
    if len(infos) > MAX_PARTS:
        raise InputError(f"{name}: {len(infos):,} parts in the archive; the limit is {MAX_PARTS:,}")
    unpacked = sum(info.file_size for info in infos)
    if unpacked > MAX_UNPACKED_BYTES:
        raise InputError(f"{name}: unpacks to {unpacked:,} bytes; the limit is "
                         f"{MAX_UNPACKED_BYTES:,} (100 MiB). A model workbook is far smaller; "
                         "this may be a zip bomb")
    names = {info.filename for info in infos}
    if any(info.flag_bits & 0x1 for info in infos):
        raise InputError(f"{name}: holds encrypted parts; save the workbook without a password")
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        raise InputError(f"{name}: a macro workbook (it holds VBA code); cutsim never opens "
                         "macro workbooks: save a copy as .xlsx (Excel Workbook) and read that")
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise InputError(f"{name}: a zip archive but not an .xlsx workbook "
                         "(no [Content_Types].xml or xl/workbook.xml)")
    checked = CheckedWorkbook(data, name)
    for info in infos:
        if not info.filename.lower().endswith((".xml", ".rels", ".vml")):
            continue
        declares, macro = _scan_raw(archive, info, name)
        if declares:
            raise InputError(f"{name}: part {info.filename[:100]} declares a document type "
                             "(XML entities); Office never writes one, so the file is refused")
        if info.filename == "[Content_Types].xml" and macro:
            raise InputError(f"{name}: a macro-enabled workbook (.xlsm content type); cutsim "
                             "never opens macro workbooks: save a copy as .xlsx and read that")
        if info.filename.startswith("xl/externalLinks/") and info.filename.endswith(".xml"):
            checked.external_links.append(info.filename)
    # Every sheet read as a stream, its rows and cells placed and counted (xlsx_parts).
    checked.sheets = Parts(data, name).scan_sheets()
    checked.has_formulas = any(facts.has_formulas for facts in checked.sheets.values())
    return checked


def _scan_raw(archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str) -> tuple[bool, bool]:
    """(declares a document type or entity, names a macro content type) for one part,
    read a chunk at a time (with an overlap, so a word split between chunks is seen)."""
    declares = macro = False
    tail = b""
    try:
        with archive.open(info) as stream:
            while chunk := stream.read(CHUNK_BYTES):
                window = tail + chunk
                if b"<!DOCTYPE" in window or b"<!ENTITY" in window:
                    declares = True
                    break
                macro = macro or any(t in window for t in _MACRO_TYPES)
                tail = window[-_OVERLAP:]
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
        raise InputError(f"{name}: part {info.filename[:100]} cannot be unpacked ({exc})") from None
    return declares, macro
