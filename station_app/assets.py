"""Locate bundled resources both in a source checkout and in a PyInstaller build."""

from __future__ import annotations

import sys
from pathlib import Path


def resources_dir() -> Path:
    """The `resources/` folder: inside the frozen bundle, or beside the package in a checkout."""
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root:
        return Path(frozen_root) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


def asset_path(*parts: str) -> Path:
    """Path of one bundled resource, e.g. asset_path("reference", "classification.json")."""
    return resources_dir().joinpath(*parts)
