"""What the cell values alone do not say, read from a checked workbook's XML parts.

The values come from python-calamine; three facts come from here, by scanning the raw
parts (after :mod:`cutsim.files.xlsx_safety` refused document type declarations):

- which sheet is which part (``xl/workbook.xml`` and its relationships);
- a sheet's extent (its highest row and column), so that a sheet whose few cells sit far
  apart cannot make the reader build a huge empty grid;
- which cells are shown as percentages (their style's number format), and which formula
  cells have no saved result.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from xml.etree import ElementTree

from cutsim.model.errors import InputError

MAX_COLUMNS = 1_000
MAX_CELLS = 5_000_000  # a sheet's extent, rows × columns (a 5,000-service sheet is 75,000)
_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_WIDE = re.compile(rb'\sr="([A-Z]{2,3})\d')  # a reference past column Z
_DEEP = re.compile(rb'\sr="[A-Z]{0,3}(\d{6,})"')  # a row or cell past row 99,999
_DIGITS = re.compile(rb'\sr="[A-Z]{0,3}(\d+)"')
_CELL = re.compile(rb'<(?:\w+:)?c\b([^>]*?)(/>|>(.*?)</(?:\w+:)?c>)', re.DOTALL)
_STYLE = re.compile(rb'\ss="(\d+)"')
_REF = re.compile(rb'\sr="([A-Z]{1,3})(\d+)"')
PERCENT_FORMAT_IDS = {9, 10}  # the built-in 0% and 0.00%


def column_number(letters: bytes | str) -> int:
    """A -> 1, AA -> 27."""
    if isinstance(letters, bytes):
        letters = letters.decode("ascii")
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


class Parts:
    """The XML parts of one checked workbook, read on demand."""

    def __init__(self, data: bytes, name: str, unpacked: dict[str, bytes] | None = None) -> None:
        self.name = name
        self.archive = zipfile.ZipFile(io.BytesIO(data))
        self.unpacked = unpacked or {}  # parts the safety checks already inflated

    def read(self, part: str) -> bytes:
        if part in self.unpacked:
            return self.unpacked[part]
        try:
            return self.archive.read(part)
        except KeyError:
            raise InputError(f"{self.name}: the workbook names a part {part[:100]} it does not hold") from None

    def _xml(self, part: str) -> ElementTree.Element:
        try:
            return ElementTree.fromstring(self.read(part))
        except ElementTree.ParseError as exc:
            raise InputError(f"{self.name}: part {part} is not well-formed XML ({exc})") from None

    def sheet_parts(self) -> dict[str, str]:
        """Sheet name -> its part's path in the zip."""
        book = self._xml("xl/workbook.xml")
        targets = {}
        if "xl/_rels/workbook.xml.rels" in self.archive.namelist():
            for rel in self._xml("xl/_rels/workbook.xml.rels").iter(f"{_PKG}Relationship"):
                target = rel.get("Target", "")
                path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(
                    posixpath.join("xl", target))
                targets[rel.get("Id")] = path
        out = {}
        for sheet in book.iter(f"{_MAIN}sheet"):
            part = targets.get(sheet.get(f"{_REL}id"))
            if part is not None:
                out[sheet.get("name", "")] = part
        return out

    def percent_styles(self) -> set[int]:
        """Indexes of the cell styles whose number format shows a percentage."""
        if "xl/styles.xml" not in self.archive.namelist():
            return set()
        styles = self._xml("xl/styles.xml")
        percent_ids = set(PERCENT_FORMAT_IDS)
        for fmt in styles.iter(f"{_MAIN}numFmt"):
            code = re.sub(r'"[^"]*"|\\.', "", fmt.get("formatCode", ""))  # quoted text is not a %
            if "%" in code:
                percent_ids.add(int(fmt.get("numFmtId", "-1")))
        xfs = styles.find(f"{_MAIN}cellXfs")
        if xfs is None:
            return set()
        return {i for i, xf in enumerate(xfs.findall(f"{_MAIN}xf"))
                if int(xf.get("numFmtId", "0")) in percent_ids}

    def extent(self, part: str, sheet: str) -> tuple[int, int]:
        """An upper bound on (highest row, highest column) of a sheet's cells; refuses a
        sheet too large to hold as a grid.

        Two quick scans find the references past column Z and past row 99,999 (a normal
        model has neither); only when that bound is too big is every reference read.
        """
        data = self.read(part)
        wide = {c for c in _WIDE.findall(data)}
        width = max((column_number(c) for c in wide), default=26)
        deep = _DEEP.findall(data)
        height = max((int(r) for r in deep), default=99_999)
        if width * height > MAX_CELLS:  # the bound is too rough: read every reference
            height = max((int(r) for r in _DIGITS.findall(data)), default=0)
        if width > MAX_COLUMNS:
            raise InputError(f"{self.name}: sheet {sheet} reaches column {width:,}; the limit "
                             f"is {MAX_COLUMNS:,}")
        if width * height > MAX_CELLS:
            raise InputError(f"{self.name}: sheet {sheet} spans {height:,} rows × {width:,} "
                             f"columns; the limit is {MAX_CELLS:,} cells")
        return height, width

    def styled_cells(self, part: str, styles: set[int]) -> set[tuple[int, int]]:
        """(row, column) of every cell of the part with one of ``styles``."""
        if not styles:
            return set()
        found = set()
        for attrs, _, _ in _CELL.findall(self.read(part)):
            style = _STYLE.search(attrs)
            if style and int(style.group(1)) in styles:
                ref = _REF.search(attrs)
                if ref:
                    found.add((int(ref.group(2)), column_number(ref.group(1))))
        return found

    def formulas_without_result(self, part: str) -> set[tuple[int, int]]:
        """(row, column) of every formula cell with no saved result."""
        found = set()
        for attrs, _, body in _CELL.findall(self.read(part)):
            if body and re.search(rb"<(?:\w+:)?f[\s>/]", body) and \
                    not re.search(rb"<(?:\w+:)?v>[^<]", body):
                ref = _REF.search(attrs)
                if ref:
                    found.add((int(ref.group(2)), column_number(ref.group(1))))
        return found
