"""Writes that follow a catalogue change."""

from fitsperfect import pagecache

from .selectors import CATALOGUE_VERSION_KEY


def catalogue_changed() -> None:
    """Every page showing products is made again from the database on its next request (called
    once a product or option change commits: orders.catalogue.receivers)."""
    pagecache.new_version(CATALOGUE_VERSION_KEY)
