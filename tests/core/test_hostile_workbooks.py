"""A corpus of hostile and broken workbooks, each refused cleanly.

Each file is built here. Reading it through the CLI must give exit code 1, a message
naming the file, no traceback, and nothing written (``init --from`` creates no workspace).
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest

from cutsim.cli import main
from cutsim.files import exchange
from cutsim.files.workbook import write_workbook
from cutsim.files.xlsx_safety import MAX_FILE_BYTES, MAX_ROWS, MAX_UNPACKED_BYTES
from cutsim.model.errors import InputError

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def good(tmp_path_factory) -> dict[str, bytes]:
    """The parts of a valid model workbook (the example), to damage one at a time."""
    path = tmp_path_factory.mktemp("good") / "good.xlsx"
    write_workbook(path, exchange.read_file(ROOT / "models" / "example-place.cutsim"))
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _zip(parts: dict[str, bytes], encrypted: bool = False) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    data = buffer.getvalue()
    if encrypted:  # set the "encrypted" flag bit of every central directory record
        out = bytearray(data)
        at = out.find(b"PK\x01\x02")
        while at != -1:
            out[at + 8] |= 0x1
            at = out.find(b"PK\x01\x02", at + 4)
        data = bytes(out)
    return data


def _services_part(parts: dict[str, bytes]) -> str:
    # Sheet order: How to fill this (1), Place (2), Agencies (3), Services (4)...
    return "xl/worksheets/sheet4.xml"


def _with(parts: dict[str, bytes], **changes: bytes) -> dict[str, bytes]:
    out = dict(parts)
    for key, value in changes.items():
        out[key.replace("__", "/").replace("_DOT_", ".")] = value
    return out


def _cell(parts, name: str, ref: str) -> bytes:
    """The XML of one cell (``<c r="D3" …>…</c>``) of a part, whatever its style."""
    match = re.search(rb'<c r="' + ref.encode() + rb'"[^>]*?(?:/>|>.*?</c>)', parts[name], re.DOTALL)
    assert match, (name, ref)
    return match.group()


def _set_cell(parts, name: str, ref: str, new: bytes) -> dict[str, bytes]:
    """``parts`` with one cell replaced by ``new`` (``{s}`` in it: the cell's style)."""
    old = _cell(parts, name, ref)
    style = re.search(rb' s="\d+"', old)
    return _replace(parts, name, old, new.replace(b"{s}", style.group() if style else b""))


def _replace(parts, name, old: bytes, new: bytes) -> dict[str, bytes]:
    assert old in parts[name], (name, old)
    out = dict(parts)
    out[name] = parts[name].replace(old, new, 1)
    return out


def _corpus(good: dict[str, bytes]) -> dict[str, tuple[bytes, str]]:
    """name -> (file bytes, words the message must contain)."""
    sheet = _services_part(good)
    valid = _zip(good)
    # the Services sheet as written today: its dimension claim and its width in columns
    dimension = re.search(rb'<dimension ref="[^"]*"/>', good[sheet]).group()
    last_column = re.search(rb':([A-Z]+)\d+"', dimension).group(1).decode()
    width = sum((ord(ch) - 64) * 26 ** i for i, ch in enumerate(reversed(last_column)))
    far_row = 5_000_000 // width  # the cell limit: a sheet this many rows deep still fits
    rows = b"".join(b'<row r="%d"><c r="A%d"><v>1</v></c></row>' % (i, i) for i in range(1, MAX_ROWS + 2))
    huge_rows = good[sheet].split(b"<sheetData>")[0] + b"<sheetData>" + rows + b"</sheetData></worksheet>"
    bomb = dict(good)
    bomb["xl/media/padding.bin"] = bytes(MAX_UNPACKED_BYTES + 1)
    many = dict(good)
    many.update({f"xl/extra/part{i}.txt": b"x" for i in range(1001)})
    entity = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 '
              b'"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>')
    body = good[sheet].split(b"?>", 1)[1]
    external = _with(good, **{"xl__externalLinks__externalLink1_DOT_xml":
                              b'<?xml version="1.0"?><externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"/>'})
    external = _set_cell(external, sheet, "D3", b'<c r="D3"{s}><f>[1]Budget!A1</f></c>')
    types = good["[Content_Types].xml"]
    return {
        "text renamed to .xlsx": (b"service,spend\nyouth,1000\n", "not an .xlsx workbook"),
        "empty file": (b"", "empty"),
        "truncated zip": (valid[: len(valid) // 2], "damaged zip"),
        "encrypted workbook (OLE)": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4096), "encrypted"),
        "zip bomb": (_zip(bomb), "zip bomb"),
        "macro workbook (vbaProject.bin)": (_zip(_with(good, xl__vbaProject_DOT_bin=b"\x00" * 64)),
                                            "macro workbook"),
        "macro content type (.xlsm)": (_zip(_with(good, **{"[Content_Types]_DOT_xml": types.replace(
            b"sheet.main+xml", b"sheet.macroEnabled.main+xml")})), "macro-enabled"),
        "encrypted zip entry": (_zip(good, encrypted=True), "encrypted parts"),
        "entity expansion": (_zip(_with(good, **{sheet.replace("/", "__").replace(".", "_DOT_"):
                                                 entity + body})), "document type"),
        "too many rows": (_zip(_with(good, **{sheet.replace("/", "__").replace(".", "_DOT_"): huge_rows})),
                          "rows; the limit"),
        "too many parts": (_zip(many), "parts in the archive"),
        "larger than the file cap": (b"PK\x03\x04" + bytes(MAX_FILE_BYTES + 10), "the limit is"),
        "a zip that is not a workbook": (_zip({"readme.txt": b"hello"}), "not an .xlsx workbook"),
        "broken sheet XML": (_zip(_with(good, **{sheet.replace("/", "__").replace(".", "_DOT_"):
                                                 good[sheet][:-40]})), "damaged part"),
        "shared string out of range": (_zip(_set_cell(good, sheet, "A3",
                                                      b'<c r="A3"{s} t="s"><v>99999</v></c>')),
                                       "damaged part"),
        "external link with no saved value": (_zip(external), "no saved result"),
        "number out of range": (_zip(_set_cell(good, sheet, "D3", b'<c r="D3"{s}><v>1e300</v></c>')),
                                "10^15"),
        "very hidden sheet": (_zip(_replace(good, "xl/workbook.xml", b'name="Targets"',
                                            b'name="Targets" state="veryHidden"')), "veryHidden"),
        "cells far apart (a sparse grid bomb)": (_zip(_replace(
            good, sheet, _cell(good, sheet, "A3"),
            _cell(good, sheet, "A3").replace(b'r="A3"', b'r="A1048576"'))), "cells"),
        "a column past the limit": (_zip(_replace(
            good, sheet, _cell(good, sheet, "C3"),
            _cell(good, sheet, "C3").replace(b'r="C3"', b'r="ALM3"'))), "column 1,001"),
        "a far cell in single quotes": (_zip(_replace(
            good, sheet, _cell(good, sheet, "A3"),
            _cell(good, sheet, "A3").replace(b'r="A3"', b"r='ALL1048576'"))), "cells"),
        "cells with no reference past the column limit": (_zip(_replace(
            good, sheet, b"</sheetData>",
            b"<row>" + b"<c><v>1</v></c>" * 1001 + b"</row></sheetData>")), "column 1,001"),
        "a far row in single quotes holding cells with no reference": (_zip(_replace(
            good, sheet, b"</sheetData>",
            b"<row r='1048576'><c><v>1</v></c><c><v>2</v></c></row></sheetData>")), "cells"),
        "rows with no reference after a far row": (_zip(_replace(
            good, sheet, b"</sheetData>",
            b'<row r="%d"><c r="A%d"><v>1</v></c></row>' % (far_row, far_row)  # still fits
            # refused at the first row past the cell limit, whatever the sheet's width
            + b"<row><c><v>1</v></c></row>" * 2 + b"</sheetData>")),
            f"spans {5_000_000 // width + 1:,} rows"),
        "a dimension claim past the limit": (_zip(_replace(
            good, sheet, dimension, b'<dimension ref="A1:XFD1048576"/>')),
            "column 16,384"),
        "references hidden in another attribute's value": (_zip(_replace(
            good, sheet, b"</sheetData>",
            b"<row r='60'>" + b"<c foo=' r=\"A60\"'><v>1</v></c>" * 1001 + b"</row></sheetData>")),
            "column 1,001"),
        "a cell with two references": (_zip(_replace(
            good, sheet, _cell(good, sheet, "A3"),
            _cell(good, sheet, "A3").replace(b'r="A3"', b'r="A3" x:r="ALL1048576"')
            .replace(b"<c ", b'<c xmlns:x="urn:x" '))), "two references"),
        "cells with no reference beside cells with two": (_zip(_replace(
            good, sheet, b"</sheetData>",
            b'<row r="60">' + b'<c r="A60" r="A60"><v>1</v></c><c><v>1</v></c>' * 501
            + b"</row></sheetData>")), "duplicate attribute"),
        "a cell reference that is not one": (_zip(_replace(
            good, sheet, _cell(good, sheet, "A3"),
            _cell(good, sheet, "A3").replace(b'r="A3"', b'r="A99999999999"'))),
            "not a cell reference"),
        "text longer than the limit": (_zip(_set_cell(good, sheet, "C3",
                                                      b'<c r="C3"{s} t="inlineStr"><is><t>' + b"a" * 10_001
                                                      + b"</t></is></c>")), "limit is 10,000"),
    }


CASES = ["text renamed to .xlsx", "empty file", "truncated zip", "encrypted workbook (OLE)",
         "zip bomb", "macro workbook (vbaProject.bin)", "macro content type (.xlsm)",
         "encrypted zip entry", "entity expansion", "too many rows", "too many parts",
         "larger than the file cap", "a zip that is not a workbook", "broken sheet XML",
         "shared string out of range", "external link with no saved value",
         "number out of range", "very hidden sheet", "text longer than the limit",
         "cells far apart (a sparse grid bomb)", "a column past the limit",
         "a far cell in single quotes", "cells with no reference past the column limit",
         "a far row in single quotes holding cells with no reference",
         "rows with no reference after a far row", "a dimension claim past the limit",
         "a cell reference that is not one", "references hidden in another attribute's value",
         "a cell with two references", "cells with no reference beside cells with two"]


@pytest.fixture(scope="module")
def corpus(good) -> dict[str, tuple[bytes, str]]:
    return _corpus(good)


def test_the_corpus_is_large_enough(corpus) -> None:
    assert sorted(corpus) == sorted(CASES)
    assert len(CASES) >= 15


@pytest.mark.parametrize("case", CASES)
def test_each_hostile_workbook_is_refused_cleanly(corpus, case: str, tmp_path: Path, capsys) -> None:
    data, words = corpus[case]
    path = tmp_path / "received.xlsx"
    path.write_bytes(data)
    workspace = tmp_path / "ws.sqlite"
    assert main(["init", str(workspace), "--from", str(path)]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert not workspace.exists()
    assert err.startswith("cutsim: received.xlsx") or err.startswith(f"cutsim: {path}")
    assert words in err
    assert main(["validate", str(path)]) == 1
    assert words in capsys.readouterr().err


def _far_rows(count: int, column: str = "ALL", quote: bytes = b"'") -> bytes:
    """A Services sheet of ``count`` rows, each one cell in ``column`` (the second round's
    memory attack: 200,000 rows each reaching column 1,000)."""
    rows = b"".join(b"<row r=%s%d%s><c r=%s%s%d%s><v>1</v></c></row>"
                    % (quote, i, quote, quote, column.encode(), i, quote)
                    for i in range(1, count + 1))
    return (b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/'
            b'spreadsheetml/2006/main"><sheetData>' + rows + b"</sheetData></worksheet>")


@pytest.mark.parametrize("quote", [b"'", b'"'], ids=["single quotes", "double quotes"])
def test_a_sheet_built_to_exhaust_memory_is_refused_in_bounded_memory(good, quote) -> None:
    """200,000 rows reaching column ALL (1,000 × 200,000 cells as a grid) are refused at
    the first row past the limit, without holding the sheet: the peak of Python's own
    memory stays a small multiple of the 1 MiB chunk, not the gigabytes of a grid."""
    import tracemalloc

    from cutsim.files.xlsx_parts import MAX_CELLS
    from cutsim.files.xlsx_safety import check_bytes

    data = _zip(_with(good, **{"xl__worksheets__sheet4_DOT_xml": _far_rows(200_000, quote=quote)}))
    tracemalloc.start()
    try:
        base, _ = tracemalloc.get_traced_memory()
        with pytest.raises(InputError) as refused:
            check_bytes(data, "received.xlsx")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert f"the limit is {MAX_CELLS:,} cells" in str(refused.value)
    assert "sheet Services" in str(refused.value)
    assert peak - base < 48 * 1024 * 1024, peak - base


def test_cells_without_references_are_placed_as_a_spreadsheet_places_them(good) -> None:
    """A row or cell with no ``r`` follows the one before it; quotes of either kind read
    the same; the facts found match the grid the value reader builds."""
    import io as _io

    from cutsim.files.xlsx_parts import scan_sheet

    sheet = (b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
             b"<sheetData><row r='2'><c><v>1</v></c><c r='D2'><v>2</v></c><c><f>A1</f></c></row>"
             b'<row><c s="1"><v>3</v></c></row></sheetData></worksheet>')
    facts = scan_sheet(_io.BytesIO(sheet), "book.xlsx", "Services", {1})
    assert (facts.height, facts.width, facts.rows, facts.cells) == (3, 5, 2, 4)
    assert facts.formulas == {(2, 5)}
    assert facts.percent == {(3, 1)}


def test_the_quick_reading_of_a_plain_sheet_finds_what_the_parser_finds(good) -> None:
    """Every sheet of a workbook cutsim writes takes the quick path (a few scans of the
    bytes) and gives exactly the facts of the streaming parser; a sheet written any other
    way is left to the parser."""
    import io as _io

    from cutsim.files.xlsx_parts import quick_scan, scan_sheet

    styles = {1, 2, 3}
    sheets = [name for name in good if name.startswith("xl/worksheets/")]
    assert len(sheets) >= 10
    for name in sheets:
        quick = quick_scan(good[name], "book.xlsx", name, styles)
        assert quick is not None, name
        assert quick == scan_sheet(_io.BytesIO(good[name]), "book.xlsx", name, styles), name
    plain = good[_services_part(good)]
    for other in (plain.replace(b'r="A3"', b"r='A3'"), plain.replace(b'<c r="A3"', b"<c"),
                  plain.replace(b'<row r="3"', b"<row"), plain.replace(b'r="A3"', b'r = "A3"'),
                  plain.replace(b'encoding="UTF-8"', b'encoding="UTF-16"')):
        assert other != plain
        assert quick_scan(other, "book.xlsx", "Services", styles) is None
