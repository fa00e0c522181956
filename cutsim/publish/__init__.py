"""Accountability publication of a scenario: a page for residents, a cabinet report
(PDF) and open data, all computed once from the engine's result (:mod:`.figures`) with
confidential items redacted there, so that every output shows the same numbers.

    from cutsim.publish import publish
    publish("place.cutsim", "youth-cut", "out/", draws=500, seed=1)
"""

from __future__ import annotations

from cutsim.publish.build import publish, publish_file

__all__ = ["publish", "publish_file"]
