"""Tested NumPy snippets of the Deep Learning Field Guide: one self-contained module per
technique.

Each module imports NumPy and the standard library only, so a reader can copy a single
file.
"""
