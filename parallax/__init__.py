"""Parallax: a static site generator for a source-comparison news digest."""

__version__ = "0.1.0"
