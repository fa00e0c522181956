"""What the cell values alone do not say, read from a workbook's XML parts as a stream.

The values come from python-calamine; these facts come from here, read from the raw parts
(after :mod:`cutsim.files.xlsx_safety` refused document type declarations):

- which sheet is which part (``xl/workbook.xml`` and its relationships);
- each sheet's true extent: every row and cell is placed as a spreadsheet places it,
  whatever the file writes (a reference in double or single quotes, a row or cell with
  no ``r`` attribute, which follows the one before it, a ``<dimension>`` claim), and the
  sheet is refused as soon as it passes :data:`MAX_ROWS`, :data:`MAX_COLUMNS` or
  :data:`MAX_CELLS`, so that a sheet whose few cells sit far apart never makes the
  value reader build a huge grid;
- which cells are shown as percentages (their style's number format), and which formula
  cells have no saved result.

A sheet is read by :func:`scan_sheet` with an incremental XML parser fed a megabyte at a
time from the zip, each row dropped once read: memory stays bounded whatever the size of
the sheet, and a hostile sheet is refused at the first cell past a limit.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import IO, cast
from xml.etree import ElementTree

from cutsim.model.errors import InputError

MAX_ROWS = 200_000  # per sheet, as a .cutsim list holds at most 200,000 items
MAX_COLUMNS = 1_000
MAX_CELLS = 5_000_000  # a sheet's extent, rows × columns (a 5,000-service sheet is 75,000)
CHUNK_BYTES = 1 << 20  # bytes of a part fed to the parser at a time
_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_CELL_REF = re.compile(r"\$?([A-Za-z]{1,3})\$?([0-9]{1,7})")
_ROW_NUMBER = re.compile(r"[0-9]{1,7}")
_RANGE = re.compile(r"\$?([A-Za-z]{1,3})\$?([0-9]{1,7})(?::\$?([A-Za-z]{1,3})\$?([0-9]{1,7}))?")
PERCENT_FORMAT_IDS = {9, 10}  # the built-in 0% and 0.00%


def column_number(letters: bytes | str) -> int:
    """A -> 1, AA -> 27 (either case)."""
    if isinstance(letters, bytes):
        letters = letters.decode("ascii")
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


@dataclass
class SheetFacts:
    """What one streaming read of a sheet's part found.

    ``height`` and ``width`` are the highest row and column holding a cell (1-based;
    0 for an empty sheet); ``percent`` and ``formulas`` are (row, column) pairs.
    """

    rows: int = 0
    cells: int = 0
    height: int = 0
    width: int = 0
    has_formulas: bool = False
    percent: set[tuple[int, int]] = field(default_factory=set)
    formulas: set[tuple[int, int]] = field(default_factory=set)  # with no saved result


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


class _SheetScan:
    """The state of one streaming read: where the next row and cell fall."""

    def __init__(self, book: str, sheet: str, percent_styles: Collection[int]) -> None:
        self.book = book
        self.sheet = sheet
        self.percent_styles = percent_styles
        self.facts = SheetFacts()
        self.row = 0  # the current row's number
        self.column = 0  # the last cell's column in the current row

    def refuse(self, message: str) -> InputError:
        return InputError(f"{self.book}: sheet {self.sheet} {message}")

    def _bound(self, height: int, width: int) -> None:
        if width > MAX_COLUMNS:
            raise self.refuse(f"reaches column {width:,}; the limit is {MAX_COLUMNS:,}")
        if height * max(width, 1) > MAX_CELLS:
            raise self.refuse(f"spans {height:,} rows × {max(width, 1):,} columns; the limit "
                              f"is {MAX_CELLS:,} cells")

    def dimension(self, ref: str | None) -> None:
        """A ``<dimension ref="A1:X43"/>`` claim is held to the same limits."""
        match = _RANGE.fullmatch((ref or "").strip())
        if match is None:
            return  # a missing or odd claim is ignored: the cells themselves are counted
        columns = [column_number(match.group(1))] + ([column_number(match.group(3))]
                                                     if match.group(3) else [])
        rows = [int(match.group(2))] + ([int(match.group(4))] if match.group(4) else [])
        self._bound(max(rows), max(columns))

    def _reference(self, attrs: dict[str, str]) -> str | None:
        """The ``r`` attribute, whatever namespace it is written in (a reader that matches
        names without their namespace would take a prefixed one); refused when there are
        two."""
        found = [value for key, value in attrs.items() if _local(key) == "r"]
        if len(found) > 1:
            raise self.refuse("has a row or cell with two references (r attributes)")
        return found[0] if found else None

    def start_row(self, attrs: dict[str, str]) -> None:
        facts = self.facts
        facts.rows += 1
        if facts.rows > MAX_ROWS:
            raise self.refuse(f"has more than {MAX_ROWS:,} rows; the limit is {MAX_ROWS:,} per sheet")
        r = self._reference(attrs)
        if r is None:
            self.row += 1
        elif _ROW_NUMBER.fullmatch(r.strip()) and int(r) >= 1:
            self.row = int(r)
        else:
            raise self.refuse(f"has a row numbered {r[:20]!r}, which is not a row number")
        self.column = 0
        self._place(self.row, 0)

    def start_cell(self, attrs: dict[str, str]) -> tuple[int, int]:
        facts = self.facts
        facts.cells += 1
        if facts.cells > MAX_CELLS:
            raise self.refuse(f"holds more than {MAX_CELLS:,} cells")
        r = self._reference(attrs)
        if r is None:
            row, column = max(self.row, 1), self.column + 1
        else:
            match = _CELL_REF.fullmatch(r.strip())
            if match is None or int(match.group(2)) < 1:
                raise self.refuse(f"has a cell at {r[:20]!r}, which is not a cell reference")
            row, column = int(match.group(2)), column_number(match.group(1))
        self.column = column
        self._place(row, column)
        style = attrs.get("s")
        if style is not None and self.percent_styles and style.strip().isdigit() \
                and int(style) in self.percent_styles:
            facts.percent.add((row, column))
        return row, column

    def _place(self, row: int, column: int) -> None:
        facts = self.facts
        if row > facts.height or column > facts.width:
            facts.height = max(facts.height, row)
            facts.width = max(facts.width, column)
            self._bound(facts.height, facts.width)

    def end_cell(self, cell: ElementTree.Element, at: tuple[int, int]) -> None:
        formula = saved = False
        for child in cell:
            name = _local(child.tag)
            if name == "f":
                formula = True
            elif name == "v" and child.text:
                saved = True
        if formula:
            self.facts.has_formulas = True
            if not saved:
                self.facts.formulas.add(at)


def scan_sheet(stream: IO[bytes], book: str, sheet: str,
               percent_styles: Collection[int] = ()) -> SheetFacts:
    """Read one worksheet part from ``stream`` a chunk at a time; the facts above, or
    InputError (``book``: sheet ``sheet`` …) at the first row or cell past a limit or a
    part that is not well-formed XML."""
    scan = _SheetScan(book, sheet, set(percent_styles))
    parser: ElementTree.XMLPullParser = ElementTree.XMLPullParser(events=("start", "end"))
    stack: list[ElementTree.Element] = []
    cell_at: tuple[int, int] | None = None
    try:
        while True:
            chunk = stream.read(CHUNK_BYTES)
            if chunk:
                parser.feed(chunk)
            else:
                parser.close()
            for pair in parser.read_events():
                event, item = cast(tuple[str, ElementTree.Element], pair)  # start/end: elements
                elem = item
                name = _local(elem.tag)
                if event == "start":
                    stack.append(elem)
                    if name == "c":
                        cell_at = scan.start_cell(elem.attrib)
                    elif name == "row":
                        scan.start_row(elem.attrib)
                    elif name == "dimension":
                        scan.dimension(elem.get("ref"))
                    continue
                stack.pop()
                if name == "c" and cell_at is not None:
                    scan.end_cell(elem, cell_at)
                    cell_at = None
                if name in ("c", "row") and stack:
                    stack[-1].remove(elem)  # read: drop it, so memory stays bounded
            if not chunk:
                break
    except ElementTree.ParseError as exc:
        raise InputError(f"{book}: not a readable .xlsx workbook (a damaged part: sheet {sheet} "
                         f"is not well-formed XML: {exc})") from None
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise InputError(f"{book}: sheet {sheet} cannot be unpacked ({exc})") from None
    return scan.facts


QUICK_PART_BYTES = 16 * 1024 * 1024  # a part at most this size may take the quick path
_QUICK_HEAD = re.compile(
    rb'\A(?:\xef\xbb\xbf)?'  # an optional byte-order mark, then one of:
    rb'(?:<\?xml[^>]*?encoding=["\'](?:utf-8|UTF-8|us-ascii|US-ASCII)["\'][^>]*\?>'  # UTF-8 declared
    rb'|<\?xml(?:(?!encoding)[^>])*\?>'  # a declaration naming no encoding
    rb'|<[A-Za-z])')  # no declaration at all
_CELL_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c(?=[\s/>])([^>]*)>")
_ROW_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row(?=[\s/>])([^>]*)>")
_DIMENSION_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?dimension(?=[\s/>])([^>]*)>")
_PLAIN_CELL_REF = re.compile(rb'\sr="([A-Z]{1,3})([1-9][0-9]{0,6})"')
_TAG_WITH_REF = re.compile(rb"r=[^>]*")  # from a tag's first "r=" to its end: once a tag
_PLAIN_ROW_REF = re.compile(rb'\sr="([1-9][0-9]{0,6})"')
_PLAIN_RANGE = re.compile(rb'\sref="([A-Z]{1,3})([1-9][0-9]{0,6})(?::([A-Z]{1,3})([1-9][0-9]{0,6}))?"')
_CELL = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(/>|>(.*?)</(?:\w+:)?c>)", re.DOTALL)
_STYLE = re.compile(rb'\ss="(\d+)"')
_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")
_SAVED = re.compile(rb"<(?:\w+:)?v>[^<]")


def quick_scan(data: bytes, book: str, sheet: str,
               percent_styles: Collection[int] = ()) -> SheetFacts | None:
    """The facts of :func:`scan_sheet` for a part written the plain way every spreadsheet
    writes one (UTF-8; every row and cell with one reference, in double quotes,
    ``r="B7"``), found by whole-part scans of the bytes instead of an XML parser (a
    5,000-service model's sheets in a fraction of the time). None when the part is
    written in any other way (then :func:`scan_sheet` reads it); InputError at a limit,
    as there.

    A cell is found by the text of its start tag, so text that only looks like one (in a
    comment) counts too: the measure can only be larger than the true one, never smaller.
    """
    if not _QUICK_HEAD.match(data):
        return None  # another encoding, or not XML: the parser decides
    scan = _SheetScan(book, sheet, percent_styles)
    facts = scan.facts
    ids = b"|".join(str(i).encode() for i in sorted(set(percent_styles)))
    styled = re.compile(rb'(?:\A|(?<=>))[^>]*\ss="(?:' + ids + rb')"[^>]*') if ids else None
    # A window of about a megabyte at a time, cut just after a ">" (so never inside a
    # tag), keeps the lists below small whatever the part holds.
    start = 0
    while start < len(data):
        end = data.find(b">", start + CHUNK_BYTES)
        end = len(data) if end == -1 else end + 1
        window = data[start:end]
        start = end
        rows, cells = _ROW_TAG.findall(window), _CELL_TAG.findall(window)
        facts.rows += len(rows)
        facts.cells += len(cells)
        if facts.rows > MAX_ROWS:
            raise scan.refuse(f"has more than {MAX_ROWS:,} rows; the limit is {MAX_ROWS:,} per sheet")
        if facts.cells > MAX_CELLS:
            raise scan.refuse(f"holds more than {MAX_CELLS:,} cells")
        # Every row and cell has exactly one attribute named r (in any namespace), written
        # plainly, and no tag holds a single quote (which could hide an r="…" inside
        # another attribute's value); else the parser reads the part. The tags'
        # attributes are joined with ">", which none holds, so no match spans two tags.
        row_attrs, cell_attrs = b">".join(rows), b">".join(cells)
        row_refs = _PLAIN_ROW_REF.findall(row_attrs)
        cell_refs = _PLAIN_CELL_REF.findall(cell_attrs)
        for attrs, n, plain in ((row_attrs, len(rows), row_refs),
                                (cell_attrs, len(cells), cell_refs)):
            # n plain references, n "r=" in all and n tags holding one (so each tag holds
            # exactly one, and no other attribute named r in any namespace), and no blank
            # before an "=" (so none written "r =" either)
            if len(plain) != n or attrs.count(b"r=") != n or b"'" in attrs \
                    or any(blank + b"=" in attrs for blank in (b" ", b"\t", b"\n", b"\r")) \
                    or len(_TAG_WITH_REF.findall(attrs)) != n:
                return None
        for attrs in _DIMENSION_TAG.findall(window):
            match = _PLAIN_RANGE.search(attrs)
            if match is None:
                return None
            scan.dimension(match.group(0)[6:-1].decode("ascii"))
        width = max((column_number(c) for c in {letters for letters, _ in cell_refs}), default=0)
        numbers = {digits for _, digits in cell_refs} | set(row_refs)
        height = max((int(n) for n in numbers), default=0)
        facts.width, facts.height = max(facts.width, width), max(facts.height, height)
        scan._bound(facts.height, facts.width)
        if styled is not None:
            for tag in styled.findall(cell_attrs):
                ref = _PLAIN_CELL_REF.search(tag)
                if ref is not None:
                    facts.percent.add((int(ref.group(2)), column_number(ref.group(1))))
    if _FORMULA.search(data):
        for attrs, _, body in _CELL.findall(data):
            if body and _FORMULA.search(body):
                facts.has_formulas = True
                ref = _PLAIN_CELL_REF.search(attrs)
                if ref is not None and not _SAVED.search(body):
                    facts.formulas.add((int(ref.group(2)), column_number(ref.group(1))))
    return facts


class Parts:
    """The XML parts of one checked workbook, read on demand."""

    def __init__(self, data: bytes, name: str) -> None:
        self.name = name
        self.archive = zipfile.ZipFile(io.BytesIO(data))

    def read(self, part: str) -> bytes:
        try:
            return self.archive.read(part)
        except KeyError:
            raise InputError(f"{self.name}: the workbook names a part {part[:100]} it does not hold") from None

    def open(self, part: str) -> IO[bytes]:
        """A stream of one part's bytes, inflated as they are read."""
        try:
            return self.archive.open(part)
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
                try:
                    percent_ids.add(int(fmt.get("numFmtId", "-1")))
                except ValueError:
                    continue
        xfs = styles.find(f"{_MAIN}cellXfs")
        if xfs is None:
            return set()
        out = set()
        for i, xf in enumerate(xfs.findall(f"{_MAIN}xf")):
            try:
                if int(xf.get("numFmtId", "0")) in percent_ids:
                    out.add(i)
            except ValueError:
                continue
        return out

    def scan_sheets(self) -> dict[str, SheetFacts]:
        """Every worksheet part (those the workbook names and any other under
        ``xl/worksheets/``) read by :func:`scan_sheet`: part path -> its facts."""
        titles = {part: title for title, part in self.sheet_parts().items()}
        names = set(self.archive.namelist())
        for part in names:
            if part.startswith("xl/worksheets/") and part.endswith(".xml") and part not in titles:
                titles[part] = part.rsplit("/", 1)[-1]
        percent = self.percent_styles()
        out = {}
        for part, title in sorted(titles.items()):
            if part not in names:
                continue  # reported by the reader that asks for the sheet
            facts = None
            if self.archive.getinfo(part).file_size <= QUICK_PART_BYTES:
                facts = quick_scan(self.read(part), self.name, title, percent)
            if facts is None:  # large, or written in any other way than the plain one
                with self.open(part) as stream:
                    facts = scan_sheet(stream, self.name, title, percent)
            out[part] = facts
        return out
