#!/usr/bin/env python3
"""Render the app icons (PNG) from webapp/static/icons/icon.svg with Debian's Chromium.

    .venv/bin/python scripts/make-icons.py

Writes into webapp/static/icons/ (the PNGs are committed; run this again only when
icon.svg changes):

    icon-192.png, icon-512.png                the icon as drawn (rounded square, transparent
                                              corners): manifest purpose "any"
    icon-maskable-192.png, -512.png           full-bleed background with the artwork scaled
                                              into the central 80 % safe zone: purpose "maskable"
    apple-touch-icon.png (180)                full bleed as well (iOS rounds the corners
                                              itself and shows transparency as black)

The maskable artwork is derived from icon.svg: its first element (the rounded background
square) becomes a full square, the rest is scaled by MASKABLE_SCALE around the centre.
Chromium: CHROMIUM_PATH, default /usr/lib/chromium/chromium (as the e2e tests).
"""
from __future__ import annotations

import os
import re
import struct
import sys
from pathlib import Path
from xml.etree import ElementTree

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
ICONS = ROOT / "webapp" / "static" / "icons"
SOURCE = ICONS / "icon.svg"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/lib/chromium/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
SVG_NS = "http://www.w3.org/2000/svg"
# The maskable safe zone is a circle of radius 40 % of the size; 0.8 keeps the pillars'
# corners well inside it (the farthest corner lands at ~31 % of the size from the centre).
MASKABLE_SCALE = 0.8
# Apple crops less than the maskable mask does, so the artwork may stay a little larger.
APPLE_SCALE = 0.88


def full_bleed_svg(source: str, scale: float) -> str:
    """icon.svg with a square (unrounded) background and the artwork scaled around the centre."""
    ElementTree.register_namespace("", SVG_NS)
    root = ElementTree.fromstring(source)
    width, height = (float(v) for v in root.get("viewBox", "0 0 512 512").split()[2:])
    background, *artwork = list(root)
    for child in list(root):
        root.remove(child)
    background.attrib.pop("rx", None)
    background.attrib.pop("ry", None)
    background.set("width", f"{width:g}")
    background.set("height", f"{height:g}")
    root.append(background)
    cx, cy = width / 2, height / 2
    group = ElementTree.SubElement(root, f"{{{SVG_NS}}}g", {
        "transform": f"translate({cx:g} {cy:g}) scale({scale:g}) translate({-cx:g} {-cy:g})"})
    group.extend(artwork)
    return ElementTree.tostring(root, encoding="unicode")


def page_html(svg: str, size: int) -> str:
    svg = re.sub(r"<svg\b", f'<svg width="{size}" height="{size}"', svg, count=1)
    return ("<!doctype html><html><head><style>html,body{margin:0;padding:0;background:"
            f"transparent}}svg{{display:block}}</style></head><body>{svg}</body></html>")


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()[:24]
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        raise ValueError(f"{path} is not a PNG")
    return struct.unpack(">II", data[16:24])


def main() -> int:
    if not Path(CHROMIUM).exists():
        print(f"make-icons: Chromium not found at {CHROMIUM} (set CHROMIUM_PATH)", file=sys.stderr)
        return 1
    source = SOURCE.read_text(encoding="utf-8")
    maskable = full_bleed_svg(source, MASKABLE_SCALE)
    apple = full_bleed_svg(source, APPLE_SCALE)
    outputs = [
        ("icon-192.png", source, 192),
        ("icon-512.png", source, 512),
        ("icon-maskable-192.png", maskable, 192),
        ("icon-maskable-512.png", maskable, 512),
        ("apple-touch-icon.png", apple, 180),
    ]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(device_scale_factor=1)
        for name, svg, size in outputs:
            page.set_viewport_size({"width": size, "height": size})
            page.set_content(page_html(svg, size))
            target = ICONS / name
            page.locator("svg").screenshot(path=str(target), omit_background=True)
            assert png_size(target) == (size, size), f"{name}: {png_size(target)}"
            print(f"make-icons: {target.relative_to(ROOT)} {size}x{size} "
                  f"{target.stat().st_size} bytes")
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
