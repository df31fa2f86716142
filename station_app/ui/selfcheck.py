"""Qt checks for `station-app selftest`, run in a child process because a broken Qt aborts."""

from __future__ import annotations

import json
import sys

from station_app.assets import asset_path

CJK_SAMPLE = "消费者投诉调解𠮷"


def check_qt() -> dict:
    from PySide6.QtGui import QFont, QFontDatabase, QFontMetrics
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    result = {"qt_ok": True, "platform": app.platformName()}
    families = list(QFontDatabase.families(QFontDatabase.WritingSystem.SimplifiedChinese))
    bundled = asset_path("fonts", "wqy-microhei.ttc")
    if bundled.exists():
        font_id = QFontDatabase.addApplicationFont(str(bundled))
        if font_id >= 0:
            families += QFontDatabase.applicationFontFamilies(font_id)
    covering = []
    for family in dict.fromkeys(families):
        metrics = QFontMetrics(QFont(family))
        if all(metrics.inFontUcs4(ord(ch)) for ch in CJK_SAMPLE[:-1]):
            covering.append(family)
    result["cjk_fonts"] = covering
    return result


def main() -> None:
    try:
        result = check_qt()
    except Exception as error:  # reported to the parent process, which explains it
        result = {"qt_ok": False, "error": f"{type(error).__name__}: {error}"}
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
