"""Pick an application font that shows Chinese well: a system CJK font, else the bundled one."""

from __future__ import annotations

import logging
import sys

from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

from station_app.assets import asset_path

log = logging.getLogger(__name__)

WINDOWS_FAMILIES = ("Microsoft YaHei UI", "Microsoft YaHei", "SimSun", "NSimSun")
OTHER_FAMILIES = ("WenQuanYi Micro Hei", "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC")
BUNDLED_FONT = ("fonts", "wqy-microhei.ttc")
POINT_SIZE = 10


def _bundled_families() -> list[str]:
    path = asset_path(*BUNDLED_FONT)
    if not path.exists():
        return []
    font_id = QFontDatabase.addApplicationFont(str(path))
    if font_id < 0:
        log.warning("the bundled font %s could not be loaded", path)
        return []
    return list(QFontDatabase.applicationFontFamilies(font_id))


def choose_cjk_family() -> str | None:
    """The first preferred family installed on this PC, else the bundled font's family."""
    installed = set(QFontDatabase.families())
    preferred = WINDOWS_FAMILIES if sys.platform == "win32" else OTHER_FAMILIES
    for family in preferred:
        if family in installed:
            return family
    bundled = _bundled_families()
    if bundled:
        return bundled[0]
    chinese = QFontDatabase.families(QFontDatabase.WritingSystem.SimplifiedChinese)
    return chinese[0] if chinese else None


def apply_cjk_font(app: QApplication) -> str | None:
    """Set the application font to a CJK-capable family; returns the family used."""
    family = choose_cjk_family()
    if family is None:
        log.warning("no font with Chinese characters found; text may show as boxes")
        return None
    font = QFont(family)
    font.setPointSize(max(app.font().pointSize(), POINT_SIZE))
    app.setFont(font)
    return family
