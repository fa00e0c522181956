"""The version of cutsim, written into every file it saves (``provenance.cutsim_version``)."""

__version__ = "0.1.0"
