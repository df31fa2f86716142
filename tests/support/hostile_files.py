"""Files made to hurt: deep JSON, zip bombs dressed as .xlsx, programs dressed as photos."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

from openpyxl import Workbook

from tests.support.shell import open_shell

# A program as Windows starts it (the "MZ" header of every .exe).
EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200
JPEG_BYTES = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 200
RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE: "photo\u202egpj.exe" is shown as "photoexe.jpg"


def deep_json(path: Path, depth: int = 100_000) -> Path:
    path.write_text("[" * depth + "]" * depth, encoding="utf-8")
    return path


def xlsx_bomb(path: Path, unpacked_mb: int = 60) -> Path:
    """A real workbook whose sheet is padded with `unpacked_mb` MB of blanks: a few hundred KB
    on disk, like the 226 KB file that took 1.9 GB of memory."""
    plain = path.with_suffix(".plain.xlsx")
    workbook = Workbook()
    workbook.active.append(["姓名", "电话", "身份证号", "金额"])
    workbook.save(plain)
    with (
        zipfile.ZipFile(plain) as source,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as bomb,
    ):
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                with bomb.open(info.filename, "w", force_zip64=True) as out:
                    head, tail = data.split(b"<sheetData>", 1)
                    out.write(head + b"<sheetData>")
                    block = b" " * (1024 * 1024)
                    for _mb in range(unpacked_mb):
                        out.write(block)
                    out.write(tail)
                continue
            bomb.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
    plain.unlink()
    return path


def database_fingerprint(data_dir: Path) -> tuple[str, list[str]]:
    """Every row of every table of the station database hashed, and the files of the data
    folder besides the log and SQLite's own side files: equal before and after means nothing
    changed."""
    connection = open_shell(data_dir / "station.db")
    try:
        tables = [
            name
            for (name,) in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
        ]
        rows = {t: sorted(map(repr, connection.execute(f'SELECT * FROM "{t}"'))) for t in tables}
        dump = repr(rows)
    finally:
        connection.close()
    files = sorted(
        str(p.relative_to(data_dir))
        for p in data_dir.rglob("*")
        if p.is_file()
        and "logs" not in p.relative_to(data_dir).parts
        and not p.name.endswith(("-wal", "-shm", ".lock"))
    )
    return hashlib.sha256(dump.encode("utf-8")).hexdigest(), files
