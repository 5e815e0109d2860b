"""The Streamlit page's parts: its words, its state and choices, the import wizard, tables and errors.

``app.py`` stays the storyboard (what is drawn, in which order); the logic it needs lives here so
that it can be read and tested on its own. Nothing in this package computes a figure: roll-ups,
quality checks and exports come from :mod:`geo`, the map from :mod:`layers`.
"""
