"""Find every translatable message (the literal argument of `_()` or `N_()`) and check a catalogue.

`python -m station_app.i18n_extract` lists messages missing from the Chinese catalogue;
`--write-missing FILE` writes them as a JSON object to be translated and merged.
"""

from __future__ import annotations

import argparse
import ast
import json
import string
from pathlib import Path

from station_app.assets import asset_path

PACKAGE_DIR = Path(__file__).resolve().parent


def extract_messages(root: Path = PACKAGE_DIR) -> dict[str, list[str]]:
    """Each message and where it is used ("path:line")."""
    found: dict[str, list[str]] = {}
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ("_", "N_")
                and len(node.args) == 1
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                location = f"{path.relative_to(root.parent)}:{node.lineno}"
                found.setdefault(node.args[0].value, []).append(location)
    return found


def format_fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def load(language: str) -> dict[str, str]:
    with asset_path("i18n", f"{language}.json").open(encoding="utf-8") as f:
        return json.load(f)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--language", default="zh_CN")
    parser.add_argument("--write-missing", type=Path)
    args = parser.parse_args()
    catalogue = load(args.language)
    missing = {text: where for text, where in extract_messages().items() if text not in catalogue}
    for text, where in missing.items():
        print(f"{where[0]}: {text}")
    if args.write_missing:
        args.write_missing.write_text(
            json.dumps({text: "" for text in missing}, ensure_ascii=False, indent=2),
            encoding="utf-8",
        )
    print(f"{len(missing)} missing")
    return 1 if missing else 0


if __name__ == "__main__":
    raise SystemExit(main())
