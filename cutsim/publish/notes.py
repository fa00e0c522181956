"""The levers' notes in the publication: only for levers that touch no confidential service.

A lever's note may say why a service changes; a confidential service is never named in
the publication, so a note on a lever touching one (its service, a pooled service or a
reinvestment service) is left out. The block is its own small piece of HTML, placed
before the end of the page's main content.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup, escape

from cutsim.model import lever_kinds
from cutsim.model.schema import Model, Scenario


def lever_services(lever: Any) -> list[str]:
    """Every service id a lever touches (its service; a pool's services and reinvestment)."""
    return lever_kinds.of(lever).services(lever)


def public_notes(model: Model, scenario: Scenario) -> list[dict[str, str]]:
    """``[{"lever": id, "services": names, "note": text}]`` for levers on public services only."""
    services = {s.id: s for s in model.services}
    out = []
    for lever in scenario.levers:
        if not lever.note:
            continue
        touched = [services[sid] for sid in lever_services(lever) if sid in services]
        if any(s.confidential for s in touched):
            continue
        out.append({"lever": lever.id, "services": ", ".join(s.name for s in touched),
                    "note": lever.note})
    return out


def notes_html(notes: list[dict[str, str]]) -> str:
    """The notes block (escaped: notes come from a model file, which is untrusted)."""
    if not notes:
        return ""
    items = Markup("").join(
        Markup("<li><strong>{}</strong>: {}</li>").format(n["services"], n["note"]) for n in notes)
    return str(Markup('<section id="lever-notes"><h2>Notes on the changes</h2><ul>{}</ul>'
                      "</section>\n").format(items))


def with_notes(page: str, notes: list[dict[str, str]]) -> str:
    """``page`` with the notes block before the end of its main content (or of its body)."""
    block = notes_html(notes)
    if not block:
        return page
    for end in ("</main>", "</body>"):
        at = page.rfind(end)
        if at >= 0:
            return page[:at] + block + page[at:]
    return page + block


__all__ = ["escape", "lever_services", "notes_html", "public_notes", "with_notes"]
