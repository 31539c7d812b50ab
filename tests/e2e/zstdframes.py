#!/usr/bin/env python3
"""Where the zstd frames of a file begin and end (no zstd library needed: only headers are read).

    zstdframes.py list FILE         prints "start end" per frame
    zstdframes.py cut FILE OUT      writes FILE cut inside a frame at or past half its size, but
                                    never inside the first frame (which holds the trace header),
                                    and prints the cut offset; exits 1 if there is no second frame
"""
import struct
import sys


def frames(data):
    out, pos = [], 0
    while pos < len(data):
        start = pos
        magic = struct.unpack_from("<I", data, pos)[0]
        pos += 4
        if 0x184D2A50 <= magic <= 0x184D2A5F:  # skippable frame
            size = struct.unpack_from("<I", data, pos)[0]
            pos += 4 + size
        elif magic == 0xFD2FB528:
            fhd = data[pos]
            pos += 1
            fcs_flag, single, checksum, dict_flag = fhd >> 6, (fhd >> 5) & 1, (fhd >> 2) & 1, fhd & 3
            if not single:
                pos += 1  # window descriptor
            pos += (0, 1, 2, 4)[dict_flag]
            pos += (1 if single else 0, 2, 4, 8)[fcs_flag]
            while True:
                hdr = int.from_bytes(data[pos:pos + 3], "little")
                pos += 3
                last, btype, bsize = hdr & 1, (hdr >> 1) & 3, hdr >> 3
                pos += 1 if btype == 1 else bsize
                if last:
                    break
            if checksum:
                pos += 4
        else:
            raise ValueError("no zstd frame at offset %d" % start)
        if pos > len(data):
            raise ValueError("frame at offset %d runs past the end" % start)
        out.append((start, pos))
    return out


def main():
    cmd, path = sys.argv[1], sys.argv[2]
    data = open(path, "rb").read()
    fr = frames(data)
    if cmd == "list":
        for s, e in fr:
            print(s, e)
        return 0
    if len(fr) < 2:
        sys.stderr.write("%s: %d zstd frame(s): nothing to cut after the first\n" % (path, len(fr)))
        return 1
    half = len(data) // 2
    pick = next(i for i, (s, e) in enumerate(fr) if s <= half < e)
    if pick == 0:
        pick = 1
    s, e = fr[pick]
    cut = max(half, s + 1) if pick > 0 and s <= half < e else (s + e) // 2
    if cut <= s or cut >= e:
        cut = s + max(1, (e - s) // 2)
    open(sys.argv[3], "wb").write(data[:cut])
    print(cut)
    return 0


if __name__ == "__main__":
    sys.exit(main())
