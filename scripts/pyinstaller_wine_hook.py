"""PyInstaller runtime hook (build.spec): the built program under wine (scripts/windows-check.sh).

CPython 3.13's platform module asks WMI for the Windows version; wine 8 lacks the
propsys.VariantToString that WMI needs and aborts the process. Under wine only (ntdll exports
wine_get_version there, on no real Windows), platform falls back to GetVersionEx and `ver`.
"""

import sys

if sys.platform == "win32":
    import ctypes

    try:
        under_wine = hasattr(ctypes.WinDLL("ntdll"), "wine_get_version")
    except OSError:
        under_wine = False
    if under_wine:
        import platform

        platform._wmi = None
