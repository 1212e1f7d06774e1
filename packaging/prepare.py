"""Build inputs made from one source each: app icons from ``app.svg``, platform files from ``__version__``.

Run before PyInstaller (the spec runs it itself)::

    .venv/bin/python packaging/prepare.py [--out build/packaging]

What it writes:

* ``resources/icons/app/backorder-desktop-<N>.png`` for N in 16…512, rendered from
  ``resources/icons/app.svg`` (rewritten only when the pixels changed, so an unchanged SVG leaves
  the committed PNGs alone); the bundle ships them and the Linux install copies them into the
  hicolor icon theme;
* ``<out>/backorder-desktop.ico`` (Windows) and ``<out>/backorder-desktop.icns`` (macOS), both made
  of PNG images, which Windows Vista+ and macOS 10.7+ read;
* ``<out>/Info.plist`` and ``<out>/version_info.txt`` from the ``.in`` templates next to this file,
  with the name, display name and version of ``backorder_desktop/__init__.py``.

The version is read from the source text, never by importing the package, so this script needs
only PySide6 (for the SVG renderer) besides the standard library.
"""

from __future__ import annotations

import argparse
import os
import re
import struct
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGING = ROOT / "packaging"
APP_SVG = ROOT / "resources" / "icons" / "app.svg"
ICON_DIR = ROOT / "resources" / "icons" / "app"
ICON_NAME = "backorder-desktop"
PNG_SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
# ICNS element types holding PNG data, by pixel size (Apple's "icp4"…"ic10"); retina variants
# (ic11-ic14) reuse the same sizes.
ICNS_TYPES = (
    ("icp4", 16),
    ("icp5", 32),
    ("icp6", 64),
    ("ic07", 128),
    ("ic08", 256),
    ("ic09", 512),
    ("ic10", 1024),
    ("ic11", 32),
    ("ic12", 64),
    ("ic13", 256),
    ("ic14", 512),
)
BUNDLE_ID = "com.backorderdesktop.BackOrderDesktop"
COPYRIGHT = "Copyright © BackOrder Desktop contributors"
DESCRIPTION = "Desktop companion for BigCommerce merchants who sell on backorder"
_PLACEHOLDER = re.compile(r"@([A-Z_]+)@")


@dataclass(frozen=True)
class Identity:
    """The app's name and version, as written in ``backorder_desktop/__init__.py``."""

    name: str
    display_name: str
    version: str

    @property
    def version_tuple(self) -> tuple[int, int, int, int]:
        """Four numbers for Windows (``1.2.3rc1`` → ``(1, 2, 3, 0)``)."""
        numbers = [int(part) for part in re.findall(r"\d+", self.version.split("+")[0])[:3]]
        while len(numbers) < 4:
            numbers.append(0)
        return (numbers[0], numbers[1], numbers[2], numbers[3])

    @property
    def short_version(self) -> str:
        """``major.minor.patch`` for macOS's CFBundleShortVersionString."""
        return ".".join(str(n) for n in self.version_tuple[:3])


def read_identity(root: Path = ROOT) -> Identity:
    """Name, display name and version from the package's ``__init__.py`` (the one place they live)."""
    text = (root / "backorder_desktop" / "__init__.py").read_text(encoding="utf-8")
    values = dict(re.findall(r'^(__version__|APP_NAME|APP_DISPLAY_NAME)\s*=\s*"([^"]+)"', text, re.M))
    missing = {"__version__", "APP_NAME", "APP_DISPLAY_NAME"} - values.keys()
    if missing:
        raise SystemExit(f"prepare: backorder_desktop/__init__.py lacks {', '.join(sorted(missing))}")
    return Identity(values["APP_NAME"], values["APP_DISPLAY_NAME"], values["__version__"])


def template_values(identity: Identity) -> dict[str, str]:
    numbers = identity.version_tuple
    return {
        "NAME": identity.name,
        "DISPLAY_NAME": identity.display_name,
        "VERSION": identity.version,
        "SHORT_VERSION": identity.short_version,
        "VERSION_TUPLE": ", ".join(str(n) for n in numbers),
        "VERSION_DOTTED": ".".join(str(n) for n in numbers),
        "BUNDLE_ID": BUNDLE_ID,
        "COPYRIGHT": COPYRIGHT,
        "DESCRIPTION": DESCRIPTION,
        "ICON_FILE": f"{ICON_NAME}.icns",
    }


def fill_template(source: Path, target: Path, values: dict[str, str]) -> None:
    """Replace ``@NAME@`` placeholders; an unknown placeholder is an error, not a silent blank."""
    text = source.read_text(encoding="utf-8")
    unknown = sorted(set(_PLACEHOLDER.findall(text)) - values.keys())
    if unknown:
        raise SystemExit(f"prepare: {source} has unknown placeholders: {', '.join(unknown)}")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(_PLACEHOLDER.sub(lambda m: values[m.group(1)], text), encoding="utf-8")


def _qt() -> None:
    """Start a headless QGuiApplication once (the SVG renderer needs one for text and fonts)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication

    if QGuiApplication.instance() is None:
        _qt.app = QGuiApplication(sys.argv[:1])  # type: ignore[attr-defined]


def render_png(svg: Path, size: int) -> bytes:
    """The SVG drawn on a transparent square of ``size`` pixels, as PNG bytes."""
    _qt()
    from PySide6.QtCore import QBuffer
    from PySide6.QtCore import QByteArray
    from PySide6.QtCore import QIODevice
    from PySide6.QtGui import QImage
    from PySide6.QtGui import QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"prepare: {svg} is not a valid SVG")
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(0)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter)
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    buffer.close()
    return bytes(data.data())


def _same_pixels(path: Path, png: bytes) -> bool:
    from PySide6.QtGui import QImage

    if not path.is_file():
        return False
    old = QImage(str(path)).convertToFormat(QImage.Format.Format_ARGB32)
    new = QImage.fromData(png).convertToFormat(QImage.Format.Format_ARGB32)
    return old == new


def write_pngs(svg: Path, folder: Path, sizes: tuple[int, ...] = PNG_SIZES) -> list[Path]:
    """Render the app icon in every size; only files whose pixels changed are rewritten."""
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for size in sizes:
        png = render_png(svg, size)
        path = folder / f"{ICON_NAME}-{size}.png"
        if not _same_pixels(path, png):
            path.write_bytes(png)
            written.append(path)
    return written


def ico_bytes(pngs: dict[int, bytes]) -> bytes:
    """A Windows .ico holding PNG images (sizes up to 256; 256 is written as 0 in the directory)."""
    sizes = sorted(pngs)
    header = struct.pack("<HHH", 0, 1, len(sizes))
    offset = len(header) + 16 * len(sizes)
    directory = b""
    for size in sizes:
        side = 0 if size >= 256 else size
        directory += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(pngs[size]), offset)
        offset += len(pngs[size])
    return header + directory + b"".join(pngs[size] for size in sizes)


def icns_bytes(pngs: dict[int, bytes]) -> bytes:
    """A macOS .icns whose elements are PNG images."""
    body = b"".join(
        kind.encode("ascii") + struct.pack(">I", 8 + len(pngs[size])) + pngs[size]
        for kind, size in ICNS_TYPES
    )
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def prepare(out: Path) -> list[Path]:
    """Write every generated input; returns the paths written."""
    identity = read_identity()
    values = template_values(identity)
    written = write_pngs(APP_SVG, ICON_DIR)
    out.mkdir(parents=True, exist_ok=True)
    pngs = {size: render_png(APP_SVG, size) for size in {*ICO_SIZES, *(size for _, size in ICNS_TYPES)}}
    targets = {
        out / f"{ICON_NAME}.ico": ico_bytes({size: pngs[size] for size in ICO_SIZES}),
        out / f"{ICON_NAME}.icns": icns_bytes(pngs),
    }
    for path, data in targets.items():
        path.write_bytes(data)
        written.append(path)
    for template, name in (
        (PACKAGING / "macos" / "Info.plist.in", "Info.plist"),
        (PACKAGING / "windows" / "version_info.txt.in", "version_info.txt"),
    ):
        fill_template(template, out / name, values)
        written.append(out / name)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "packaging", help="Generated files.")
    args = parser.parse_args(argv)
    identity = read_identity()
    written = prepare(args.out)
    print(f"prepare: {identity.display_name} {identity.version}: {len(written)} files written")
    for path in written:
        print(f"  {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
