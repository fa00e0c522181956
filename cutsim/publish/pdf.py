"""The cabinet report as an A4 PDF, rendered by WeasyPrint from the publication's HTML.

The HTML is self-contained, so WeasyPrint is given a URL fetcher that refuses every
fetch: a publication never reaches the network or the file system while rendering.
"""

from __future__ import annotations

import logging
import os

log = logging.getLogger(__name__)


def _no_fetch(url: str, *args, **kwargs):
    raise ValueError(f"publication rendering fetches nothing (asked for {url[:80]!r})")


def _quiet_weasyprint() -> None:
    """WeasyPrint and fontTools log every font subset at INFO/WARNING; keep them quiet
    unless cutsim is run with --verbose (the root logger at INFO or below)."""
    quiet = logging.getLogger().getEffectiveLevel() > logging.INFO
    for name in ("weasyprint", "fontTools"):
        logging.getLogger(name).setLevel(logging.ERROR if quiet else logging.INFO)


def write_pdf(html: str, path: str | os.PathLike[str]) -> None:
    """Render the cabinet report's HTML (``print_version``) to an A4 PDF at ``path``."""
    from weasyprint import HTML

    _quiet_weasyprint()
    document = HTML(string=html, url_fetcher=_no_fetch, base_url=None)
    from cutsim.files.safewrite import atomic_write_bytes

    atomic_write_bytes(path, document.write_pdf())  # whole or not at all, never via a link
