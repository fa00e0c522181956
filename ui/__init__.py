"""The cutsim desktop application (PySide6): thin Qt adapters over the :mod:`cutsim` core."""
