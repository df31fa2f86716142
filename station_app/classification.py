"""Goods and service categories and problem natures: replaceable reference data (CCA statistics)."""

from __future__ import annotations

import json
from functools import lru_cache

from station_app.assets import asset_path


@lru_cache(maxsize=1)
def bundled_classification() -> dict[str, list[str]]:
    """{"goods": [...], "services": [...], "natures": [...]} from resources/reference."""
    with asset_path("reference", "classification.json").open(encoding="utf-8") as f:
        data = json.load(f)
    return {key: list(data[key]) for key in ("goods", "services", "natures")}
