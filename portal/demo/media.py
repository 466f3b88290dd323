"""Small generated files for the demo: page scans (PDF), photos (JPEG), audio and video.

Every file's bytes differ (its title is drawn or written into its metadata), so the
duplicate-file check stays quiet. Audio and video need ffmpeg; without it `FFMPEG` is
None and callers leave media out.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from judging.text import search_key

FFMPEG = shutil.which("ffmpeg")
_FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu",
              "/usr/share/fonts/TTF", "/Library/Fonts", "C:/Windows/Fonts")


def _font_file(bold: bool) -> str | None:
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    for folder in _FONT_DIRS:
        path = Path(folder) / name
        if path.is_file():
            return str(path)
    return None


class _Fonts:
    """DejaVu when installed (it has every Vietnamese letter); else Pillow's own font, with
    the text written without diacritics so no letter is lost."""

    def __init__(self):
        self.regular_file, self.bold_file = _font_file(False), _font_file(True)
        self.vietnamese = self.regular_file is not None
        self._cache: dict[tuple[bool, int], ImageFont.ImageFont] = {}

    def get(self, size: int, bold: bool = False):
        key = (bold, size)
        if key not in self._cache:
            path = self.bold_file if bold else self.regular_file
            self._cache[key] = (ImageFont.truetype(path, size) if path
                                else ImageFont.load_default(size))
        return self._cache[key]

    def text(self, value: str) -> str:
        return value if self.vietnamese else search_key(value)


_fonts: _Fonts | None = None


def fonts() -> _Fonts:
    global _fonts
    if _fonts is None:
        _fonts = _Fonts()
    return _fonts


def _wrap(draw: ImageDraw.ImageDraw, text: str, font, width: int) -> list[str]:
    lines, line = [], ""
    for word in text.split():
        candidate = f"{line} {word}".strip()
        if draw.textlength(candidate, font=font) <= width or not line:
            line = candidate
        else:
            lines.append(line)
            line = word
    if line:
        lines.append(line)
    return lines


def page_pdf(*, masthead: str, title: str, byline: str, dateline: str, pages: int = 1) -> bytes:
    """A newspaper page 'scan': masthead, headline, byline and grey text columns."""
    f = fonts()
    images = []
    for number in range(1, pages + 1):
        img = Image.new("L", (595, 842), 250)
        draw = ImageDraw.Draw(img)
        draw.text((40, 30), f.text(masthead.upper()), font=f.get(30, True), fill=20)
        draw.line((40, 75, 555, 75), fill=40, width=2)
        draw.text((40, 82), f.text(dateline), font=f.get(12), fill=60)
        y = 120
        for line in _wrap(draw, f.text(title), f.get(24, True), 515):
            draw.text((40, y), line, font=f.get(24, True), fill=10)
            y += 32
        draw.text((40, y + 6), f.text(byline), font=f.get(13), fill=50)
        y += 44
        for col in (40, 305):
            for row in range(y, 800, 14):
                length = 250 - ((row * 7 + col) % 5) * 18
                draw.rectangle((col, row, col + length, row + 6), fill=175)
        if pages > 1:
            draw.text((500, 810), f"{number}/{pages}", font=f.get(11), fill=80)
        images.append(img)
    out = io.BytesIO()
    images[0].save(out, format="PDF", save_all=True, append_images=images[1:], resolution=72,
                   title=search_key(title))
    return out.getvalue()


def script_pdf(*, title: str, outlet: str, lines: list[str]) -> bytes:
    """A one-page broadcast script."""
    f = fonts()
    img = Image.new("L", (595, 842), 255)
    draw = ImageDraw.Draw(img)
    draw.text((40, 30), f.text("KỊCH BẢN — " + outlet), font=f.get(16, True), fill=20)
    y = 70
    for line in _wrap(draw, f.text(title), f.get(20, True), 515):
        draw.text((40, y), line, font=f.get(20, True), fill=10)
        y += 28
    y += 16
    for text in lines:
        for line in _wrap(draw, f.text(text), f.get(13), 515):
            draw.text((40, y), line, font=f.get(13), fill=30)
            y += 20
        y += 10
    out = io.BytesIO()
    img.save(out, format="PDF", resolution=72, title=search_key(title))
    return out.getvalue()


def photo_jpeg(*, caption: str, seed: int) -> bytes:
    """A 640x427 'photo': a sky-to-field gradient, a few shapes and the caption."""
    f = fonts()
    top = (90 + seed * 37 % 80, 140 + seed * 53 % 60, 200)
    bottom = (60 + seed * 29 % 70, 120 + seed * 17 % 80, 50 + seed * 11 % 60)
    img = Image.new("RGB", (640, 427))
    draw = ImageDraw.Draw(img)
    for y in range(427):
        t = y / 426
        colour = tuple(int(a + (b - a) * t) for a, b in zip(top, bottom, strict=True))
        draw.line((0, y, 640, y), fill=colour)
    for i in range(4):
        x = 60 + (seed * 97 + i * 151) % 520
        h = 60 + (seed * 31 + i * 43) % 120
        draw.rectangle((x, 300 - h, x + 40, 300), fill=(200, 30 + i * 20, 30))
    draw.rectangle((0, 387, 640, 427), fill=(0, 0, 0))
    draw.text((12, 396), f.text(caption)[:80], font=f.get(14), fill=(255, 255, 255))
    out = io.BytesIO()
    img.save(out, format="JPEG", quality=70)
    return out.getvalue()


def media_files(kind: str, titles: list[str]) -> list[bytes]:
    """Two-second clips, one per title, from one ffmpeg run: kind "mp4" (video with a
    tone) or "mp3" (a tone). Raises RuntimeError when ffmpeg is missing or fails."""
    if not FFMPEG:
        raise RuntimeError("ffmpeg is not installed")
    if not titles:
        return []
    with tempfile.TemporaryDirectory(prefix="demo-media-") as tmp:
        if kind == "mp4":
            args = ["-f", "lavfi", "-i", "testsrc=duration=2:size=160x90:rate=10",
                    "-f", "lavfi", "-i", "sine=frequency=440:duration=2"]
            codec = ["-map", "0:v", "-map", "1:a", "-c:v", "libx264", "-preset", "ultrafast",
                     "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "32k", "-shortest"]
        elif kind == "mp3":
            args = ["-f", "lavfi", "-i", "sine=frequency=523:duration=2"]
            codec = ["-c:a", "libmp3lame", "-b:a", "32k"]
        else:
            raise ValueError(kind)
        outputs = []
        for i, title in enumerate(titles):
            path = Path(tmp) / f"{i}.{kind}"
            outputs += [*codec, "-metadata", f"title={search_key(title)} #{i}", str(path)]
        subprocess.run([FFMPEG, "-hide_banner", "-loglevel", "error", "-y", *args, *outputs],
                       check=True, capture_output=True, timeout=120)
        return [(Path(tmp) / f"{i}.{kind}").read_bytes() for i in range(len(titles))]
