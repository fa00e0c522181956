"""The model editor: the place, its agencies, services, outcomes and links as editable tables."""
