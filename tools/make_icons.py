"""Draw the app icons (static/appIcon*.png) with the standard library: a rounded tile with a
rising metric line and a drift marker. Run once when the design changes; the PNGs are committed."""

import math
import os
import struct
import zlib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def png(path, pixels, size):
    raw = b"".join(b"\x00" + bytes(c for px in row for c in px) for row in pixels)

    def chunk(tag, data):
        crc = zlib.crc32(tag + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", crc)

    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def segment_distance(px, py, ax, ay, bx, by):
    dx, dy = bx - ax, by - ay
    t = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)))
    return math.hypot(px - (ax + t * dx), py - (ay + t * dy))


def draw(size, background, line, marker):
    s = size / 36.0
    radius = 6 * s
    points = [(6, 27), (12, 21), (17, 23), (23, 14), (30, 9)]
    points = [(x * s, y * s) for x, y in points]
    pixels = []
    for y in range(size):
        row = []
        for x in range(size):
            cx, cy = x + 0.5, y + 0.5
            # rounded square mask
            qx = max(radius - cx, 0, cx - (size - radius))
            qy = max(radius - cy, 0, cy - (size - radius))
            if math.hypot(qx, qy) > radius:
                row.append((0, 0, 0, 0))
                continue
            colour = background
            d = min(segment_distance(cx, cy, *points[i], *points[i + 1]) for i in range(len(points) - 1))
            if d < 1.6 * s:
                colour = line
            if math.hypot(cx - points[-1][0], cy - points[-1][1]) < 3.0 * s:
                colour = marker
            row.append(colour + (255,))
        pixels.append(row)
    return pixels


def main():
    os.makedirs(os.path.join(ROOT, "static"), exist_ok=True)
    themes = {"": ((27, 94, 32), (255, 255, 255), (255, 193, 7)),
              "Alt": ((255, 255, 255), (27, 94, 32), (230, 81, 0))}
    for suffix, colours in themes.items():
        for size, tag in ((36, ""), (72, "_2x")):
            png(os.path.join(ROOT, "static", "appIcon%s%s.png" % (tag, suffix)), draw(size, *colours), size)


if __name__ == "__main__":
    main()
