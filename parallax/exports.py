"""Data files of the site: JSON exports of stories, events, claims and points, and an Atom feed.

Pure: a `Lookup` in, `RenderedPage`s under data/ out (publish writes them, MkDocs copies them
into site/ unchanged). Output is deterministic: sorted keys, sorted lists, no clock.
"""

from __future__ import annotations

from parallax.lookup import Lookup
from parallax.model import RenderedPage


def export_files(lookup: Lookup, site_name: str) -> list[RenderedPage]:
    """Every data file of the site."""
    return []
