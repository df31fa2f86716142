"""Draw the application icon: resources/icons/station-app.ico (Windows, 16–256 px) and .png.

    python scripts/make_icon.py

A red rounded square with the character 诉 (complaint) in white, drawn with the bundled
WenQuanYi Micro Hei font, so the icon is made the same way on every machine.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parent.parent
ICONS = ROOT / "resources" / "icons"
FONT = ROOT / "resources" / "fonts" / "wqy-microhei.ttc"
SIZES = [16, 24, 32, 48, 64, 128, 256]
RED = (183, 28, 28, 255)
WHITE = (255, 255, 255, 255)


def draw(size: int = 256) -> Image.Image:
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    margin = max(1, size // 32)
    pen.rounded_rectangle(
        (margin, margin, size - margin - 1, size - margin - 1), radius=size // 6, fill=RED
    )
    font = ImageFont.truetype(str(FONT), int(size * 0.68))
    pen.text((size / 2, size / 2), "诉", font=font, fill=WHITE, anchor="mm")
    return image


def main() -> None:
    ICONS.mkdir(parents=True, exist_ok=True)
    big = draw(256)
    big.save(ICONS / "station-app.png")
    # Each size drawn on its own (sharper than scaling the 256 px picture down).
    frames = [draw(size) for size in SIZES]
    frames[-1].save(
        ICONS / "station-app.ico",
        format="ICO",
        sizes=[(s, s) for s in SIZES],
        append_images=frames[:-1],
    )
    print(f"wrote {ICONS / 'station-app.ico'} and station-app.png")


if __name__ == "__main__":
    main()
