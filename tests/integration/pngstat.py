#!/usr/bin/env python3
# pngstat.py FILE: "WIDTH HEIGHT COLOURS" of a PNG (8-bit RGB or RGBA, not
# interlaced, as Chromium's --screenshot writes it), COLOURS being how many
# distinct pixel values it has, counted up to 1000. For t1030: a screenshot
# that is not empty and not one blank colour. The standard library only:
# zlib for the data, the five PNG row filters undone here.
import struct
import sys
import zlib


def fail(msg):
    print("pngstat: %s" % msg, file=sys.stderr)
    sys.exit(1)


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def main(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        fail("%s: not a PNG" % path)
    pos, idat, ihdr = 8, [], None
    while pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
        pos += 12 + length
    if not ihdr:
        fail("%s: no IHDR" % path)
    width, height, depth, ctype, _, _, interlace = ihdr
    if depth != 8 or ctype not in (2, 6) or interlace:
        fail("%s: depth %d colour type %d interlace %d: not handled" % (path, depth, ctype, interlace))
    bpp = 3 if ctype == 2 else 4
    raw = zlib.decompress(b"".join(idat))
    stride = width * bpp
    if len(raw) != height * (stride + 1):
        fail("%s: %d bytes of image data for %dx%d" % (path, len(raw), width, height))
    prev = bytearray(stride)
    colours = set()
    for y in range(height):
        ftype = raw[y * (stride + 1)]
        row = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = row[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if ftype == 1:
                row[i] = (row[i] + a) & 0xFF
            elif ftype == 2:
                row[i] = (row[i] + b) & 0xFF
            elif ftype == 3:
                row[i] = (row[i] + (a + b) // 2) & 0xFF
            elif ftype == 4:
                row[i] = (row[i] + paeth(a, b, c)) & 0xFF
            elif ftype != 0:
                fail("%s: row %d: filter %d" % (path, y, ftype))
        for x in range(0, stride, bpp):
            colours.add(bytes(row[x:x + bpp]))
        if len(colours) >= 1000:
            break  # enough: the rows below need not be undone
        prev = row
    print(width, height, min(len(colours), 1000))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        fail("usage: pngstat.py FILE")
    main(sys.argv[1])
