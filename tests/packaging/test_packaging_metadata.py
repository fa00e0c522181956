"""The packaging files: icons at every size, file-type metadata that parses, a portable spec."""

from __future__ import annotations

import configparser
import plistlib
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

PACKAGING = Path(__file__).resolve().parents[2] / "packaging"
SIZES = (16, 32, 48, 64, 128, 256, 512)
MIME_NS = "{http://www.freedesktop.org/standards/shared-mime-info}"


@pytest.mark.parametrize("size", SIZES)
def test_icon_png_at_each_standard_size(size: int) -> None:
    from PIL import Image

    with Image.open(PACKAGING / "icons" / f"cutsim-{size}.png") as image:
        assert image.size == (size, size)
        assert image.mode == "RGBA"
        assert image.getextrema()[3][0] == 0  # transparent corners


def test_windows_and_macos_icons() -> None:
    from PIL import Image

    with Image.open(PACKAGING / "icons" / "cutsim.ico") as ico:
        assert (256, 256) in ico.info["sizes"] and (16, 16) in ico.info["sizes"]
    assert (PACKAGING / "icons" / "cutsim.icns").read_bytes()[:4] == b"icns"


def test_mime_type_globs_cutsim_files() -> None:
    root = ET.parse(PACKAGING / "linux" / "cutsim-mime.xml").getroot()
    mime = root.find(f"{MIME_NS}mime-type")
    assert mime is not None and mime.get("type") == "application/x-cutsim"
    assert [g.get("pattern") for g in mime.findall(f"{MIME_NS}glob")] == ["*.cutsim"]


def test_desktop_entry_opens_cutsim_files() -> None:
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str  # keys are case-sensitive
    entry.read(PACKAGING / "linux" / "cutsim.desktop", encoding="utf-8")
    section = entry["Desktop Entry"]
    assert section["Type"] == "Application"
    assert "application/x-cutsim;" in section["MimeType"]
    assert "%f" in section["Exec"] and section["Icon"] == "cutsim"


def test_macos_document_type_matches_exported_uti() -> None:
    with open(PACKAGING / "macos" / "Info.plist", "rb") as fh:
        info = plistlib.load(fh)
    uti = info["UTExportedTypeDeclarations"][0]
    assert uti["UTTypeTagSpecification"]["public.filename-extension"] == ["cutsim"]
    assert info["CFBundleDocumentTypes"][0]["LSItemContentTypes"] == [uti["UTTypeIdentifier"]]


@pytest.mark.parametrize("name", ["cutsim.spec", "build"])
def test_build_files_have_no_fixed_paths(name: str) -> None:
    """The spec and the build script must run on Windows and macOS too: no path written out."""
    text = (PACKAGING / name).read_text(encoding="utf-8")
    code = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    assert not re.search(r"""["'](/|[A-Za-z]:\\)""", code), "an absolute path in " + name
    assert "os.sep" not in code and "\\\\" not in code
