"""Residents try the choices: a consultation page with the knock-on effects, and its
responses read strictly and summarised (``cutsim consult``; docs/consultation.md)."""
