"""Goods and service categories and problem natures: replaceable reference data (CCA statistics).

The city office may publish its own lists (`city-server set-reference categories FILE`, the
bundled file's format). How they meet the bundled ones: the city's names come first, in its
order, and the bundled names it does not list are kept after them, so a city list can add and
reorder categories while a case recorded under a bundled name stays valid."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from station_app.assets import asset_path

LISTS = ("goods", "services", "natures")


@lru_cache(maxsize=1)
def bundled_classification() -> dict[str, list[str]]:
    """{"goods": [...], "services": [...], "natures": [...]} from resources/reference."""
    with asset_path("reference", "classification.json").open(encoding="utf-8") as f:
        data = json.load(f)
    return {key: list(data[key]) for key in ("goods", "services", "natures")}


def merged_classification(city: Any) -> dict[str, list[str]]:
    """The lists in force: the city's document (when it is a valid one) first, then the bundled
    names it lacks; the bundled lists alone when the city published none."""
    from station_app.city_reference import categories_problems

    bundled = bundled_classification()
    if city is None or categories_problems(city):
        return {key: list(names) for key, names in bundled.items()}
    merged = {}
    for key in LISTS:
        theirs = [name.strip() for name in city[key]]
        merged[key] = theirs + [name for name in bundled[key] if name not in theirs]
    return merged
