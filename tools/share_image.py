"""Draw the share image (static/img/share.png) that every public page names
in og:image: 1200 × 630 (the size Open Graph and Twitter's large card show
uncropped), the site's name and promise in large type on its accent colour.

A designed default, committed as a static file: WhiteNoise serves it under a
hashed name with a year's caching, no database and no third-party service.
Run again after changing the design (needs Pillow, requirements-dev.txt):

    .venv/bin/python -m tools.share_image
"""

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "static" / "img" / "share.png"
WIDTH, HEIGHT = 1200, 630
# Debian's fonts-dejavu-core (on every machine that has Chromium).
FONTS = Path("/usr/share/fonts/truetype/dejavu")
ACCENT = (31, 95, 139)  # --dm-accent in static/css/site.css
SOFT = (238, 244, 249)  # --dm-accent-soft
WHITE = (255, 255, 255)
LINES = ["Plain answers about", "rare conditions"]
FOOT = "Each one checked by a named clinician"


def draw() -> Image.Image:
    image = Image.new("RGB", (WIDTH, HEIGHT), ACCENT)
    pen = ImageDraw.Draw(image)
    bold = ImageFont.truetype(str(FONTS / "DejaVuSans-Bold.ttf"), 84)
    brand = ImageFont.truetype(str(FONTS / "DejaVuSans-Bold.ttf"), 52)
    plain = ImageFont.truetype(str(FONTS / "DejaVuSans.ttf"), 40)
    # The favicon's mark, large: a rounded square with a "D".
    pen.rounded_rectangle((80, 70, 180, 170), radius=22, fill=WHITE)
    pen.arc((95, 95, 165, 145), start=-90, end=90, fill=ACCENT, width=10)
    pen.line((110, 95, 130, 95), fill=ACCENT, width=10)
    pen.line((110, 145, 130, 145), fill=ACCENT, width=10)
    pen.line((110, 90, 110, 150), fill=ACCENT, width=10)
    pen.text((210, 88), "DiseaseMaps", font=brand, fill=WHITE)
    y = 250
    for line in LINES:
        pen.text((80, y), line, font=bold, fill=WHITE)
        y += 104
    pen.rectangle((80, 500, 200, 506), fill=SOFT)
    pen.text((80, 530), FOOT, font=plain, fill=SOFT)
    return image


if __name__ == "__main__":
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    draw().save(OUTPUT, optimize=True)
    print(
        f"{OUTPUT.relative_to(ROOT)}: {WIDTH}x{HEIGHT}, {OUTPUT.stat().st_size} bytes"
    )
