#!/usr/bin/env python3
"""Generate worker/digest/cs_cjk_tables.c: the CJK index tables behind the
x/text v0.33.0 multi-byte decoders (docs/charsets.md, "CJK decoders").

x/text builds its tables from the WHATWG encoding indexes.  Those files are
not on a build machine, so the indexes are reconstructed here from Python's
codecs and glibc's charmaps, with the corrections listed below, found by
comparing samples of x/text's generated tables (see docs/charsets.md for
what was and was not compared).

    jis0208   Python cp932 (windows-31j) by pointer.  x/text's index keeps
              Microsoft's choices (0x8160 -> U+FF5E, 0x8161 -> U+2225,
              0x817C -> U+FF0D) and the NEC and IBM rows, but not the user
              area F040-F9FC, which cp932 maps to the PUA: dropped.
    jis0212   Python euc_jp's 0x8F plane (unverified against x/text).
    gbk       Python gb18030's two-byte part (GB18030-2000) without the
              user-defined areas (U+E000-U+E765 there), with A8BC set
              to U+1E3F as in the 2005 edition WHATWG's index follows
              (this one entry not compared with x/text).
    gb18030   four-byte ranges derived from Python gb18030: the pointer
              starts of every linear run below pointer 39420.
    big5      glibc BIG5-HKSCS (HKSCS-2008) overlaid with Python cp950's
              non-PUA values for leads A1-F9 outside C6A1-C8FE (WHATWG's
              Big5 uses Microsoft's A145 U+2027, A1C3 U+FFE3, A3E1 U+20AC...
              there but keeps HKSCS for C6A1-C8FE and F9FE), gaps filled
              from Python big5hkscs, plus HKSCS pointers that glibc and
              Python leave undefined but x/text maps (BIG5_EXTRA).
    euckr     Python cp949 (windows-949), laid out in x/text's own index:
              178 cells per lead below 0xC7 (trails A-Z, a-z, 81-FE), then
              94 per lead.

Usage: scripts/gen-cjk-tables.py > worker/digest/cs_cjk_tables.c
Python 3 standard library only; glibc's charmaps come from the locales
package (/usr/share/i18n/charmaps).
"""
import gzip
import re
import sys

CHARMAPS = "/usr/share/i18n/charmaps"

# Pointers of x/text's Big5 index that neither glibc nor Python define.
BIG5_EXTRA = {
    19028: 0x5029, 19035: 0x507D, 19355: 0x60A4, 19398: 0x6490,
    19439: 0x6674, 19454: 0x675E, 19553: 0x6C9C, 19554: 0x6E1D,
    19557: 0x6E2F, 19611: 0x716E, 19643: 0x732A, 19672: 0x745C,
    19697: 0x74E9,
}


def decode_one(raw, codec):
    """The single code point raw decodes to, or None."""
    try:
        s = raw.decode(codec)
    except UnicodeDecodeError:
        return None
    if len(s) != 1:
        return None
    return ord(s)


def is_pua(cp):
    return cp is not None and 0xE000 <= cp <= 0xF8FF


def jis0208():
    table = [0] * (60 * 188)
    for p in range(len(table)):
        lead, trail = divmod(p, 188)
        lead += 0x81 if lead < 0x1F else 0xC1
        trail += 0x40 if trail < 0x3F else 0x41
        if 0xF0 <= lead <= 0xF9:
            continue
        cp = decode_one(bytes([lead, trail]), "cp932")
        if cp is not None and cp >= 0x80 and not is_pua(cp):
            table[p] = cp
    assert table[32] == 0xFF5E and table[33] == 0x2225
    assert table[60] == 0xFF0D and table[1207] == 0x2252
    return table


def jis0212():
    table = [0] * (94 * 94)
    for p in range(len(table)):
        row, col = divmod(p, 94)
        cp = decode_one(bytes([0x8F, 0xA1 + row, 0xA1 + col]), "euc_jp")
        if cp is not None and cp >= 0x80:
            table[p] = cp
    return table


def gbk():
    table = [0] * (126 * 190)
    for p in range(len(table)):
        lead, trail = divmod(p, 190)
        trail += 0x40 if trail < 0x3F else 0x41
        cp = decode_one(bytes([0x81 + lead, trail]), "gb18030")
        # x/text leaves the user-defined areas (AAA1-AFFE, F8A1-FEFE,
        # A140-A7A0), which Python maps to U+E000-U+E765, unmapped.
        if cp is not None and cp >= 0x80 and not 0xE000 <= cp <= 0xE765:
            table[p] = cp
    # GB18030-2005 moved U+1E3F to A8BC; Python still has the 2000 PUA.
    table[(0xA8 - 0x81) * 190 + 0xBC - 0x41] = 0x1E3F
    return table


def gb18030_ranges():
    ranges = []
    prev = None
    for p in range(39420):
        b3 = p % 10
        b2 = p // 10 % 126
        b1 = p // 1260 % 10
        b0 = p // 12600
        cp = decode_one(bytes([0x81 + b0, 0x30 + b1, 0x81 + b2, 0x30 + b3]),
            "gb18030")
        assert cp is not None, p
        if prev is None or cp != prev + 1:
            ranges.append((p, cp))
        prev = cp
    assert ranges[0] == (0, 0x80) and ranges[-1] == (39394, 0xFFE6)
    assert len(ranges) == 206  # the size charset_cjk.h declares
    return ranges


def charmap_big5(name):
    out = {}
    pat = re.compile(r"^<U([0-9A-F]+)>\s+/x([0-9a-f]{2})/x([0-9a-f]{2})\s")
    with gzip.open("%s/%s.gz" % (CHARMAPS, name), "rt",
        errors="replace") as f:
        for line in f:
            m = pat.match(line)
            if m is None:
                continue
            lead, trail = int(m.group(2), 16), int(m.group(3), 16)
            if lead < 0x81 or trail < 0x40:
                continue
            p = (lead - 0x81) * 157 + (trail - 0x40 if trail < 0x7F else
                trail - 0x62)
            out.setdefault(p, int(m.group(1), 16))
    return out


def big5():
    hkscs = charmap_big5("BIG5-HKSCS")
    table = [0] * (126 * 157)
    for p in range(len(table)):
        lead, trail = divmod(p, 157)
        trail += 0x40 if trail < 0x3F else 0x62
        raw = bytes([0x81 + lead, trail])
        cp = hkscs.get(p)
        ms = decode_one(raw, "cp950")
        if (5024 <= p < 18996 and not 10896 <= p < 11304 and
            ms is not None and ms >= 0x80 and not is_pua(ms)):
            cp = ms
        if cp is None:
            cp = decode_one(raw, "big5hkscs")
        if cp is not None and cp >= 0x80 and not is_pua(cp):
            table[p] = cp
    for p, cp in BIG5_EXTRA.items():
        assert table[p] == 0
        table[p] = cp
    assert table[5029] == 0x2027 and table[5465] == 0x20AC
    assert table[18996] == 0xFFED and table[10896] == 0x2460
    assert table[1000] == 0x3875 and table[1067] == 0x9FCB
    return table


def euckr():
    table = [0] * (178 * (0xC7 - 0x81) + 94 * (0xFF - 0xC7))
    for lead in range(0x81, 0xFF):
        if lead < 0xC7:
            trails = (list(range(0x41, 0x5B)) + list(range(0x61, 0x7B)) +
                list(range(0x81, 0xFF)))
            base = 178 * (lead - 0x81)
        else:
            trails = list(range(0xA1, 0xFF))
            base = 178 * (0xC7 - 0x81) + 94 * (lead - 0xC7)
        for i, trail in enumerate(trails):
            cp = decode_one(bytes([lead, trail]), "cp949")
            if cp is not None and cp >= 0x80 and not is_pua(cp):
                table[base + i] = cp
    return table


def emit_u16(out, name, values, comment):
    out.append("/* %s */" % comment)
    out.append("const uint16_t %s[%d] = {" % (name, len(values)))
    # Decimal without spaces keeps the source small.
    for i in range(0, len(values), 13):
        out.append("\t" + ",".join("%d" % v for v in
            values[i:i + 13]) + ",")
    out.append("};")
    out.append("")


def main():
    out = ["/* Generated by scripts/gen-cjk-tables.py: do not edit. */",
        "#include <stdint.h>", "", '#include "charset_cjk.h"', ""]
    emit_u16(out, "cs_cjk_jis0208", jis0208(),
        "JIS X 0208 index as x/text has it (Shift_JIS, EUC-JP, ISO-2022-JP)")
    emit_u16(out, "cs_cjk_jis0212", jis0212(),
        "JIS X 0212 index (EUC-JP 0x8F, ISO-2022-JP ESC $ ( D)")
    emit_u16(out, "cs_cjk_gbk", gbk(), "GBK/GB18030 two-byte index")
    ranges = gb18030_ranges()
    out.append("/* GB18030 four-byte pointer ranges: { first pointer, "
        "its code point } */")
    out.append("const uint16_t cs_cjk_gb18030_ranges[%d][2] = {" %
        len(ranges))
    for i in range(0, len(ranges), 4):
        out.append("\t" + " ".join("{ %d, 0x%04x }," % r for r in
            ranges[i:i + 4]))
    out.append("};")
    out.append("")
    b5 = big5()
    emit_u16(out, "cs_cjk_big5", [v & 0xFFFF for v in b5],
        "Big5 index, low 16 bits (see cs_cjk_big5_plane2)")
    bits = [0] * ((len(b5) + 7) // 8)
    for p, v in enumerate(b5):
        if v > 0xFFFF:
            assert 0x20000 <= v <= 0x2FFFF
            bits[p // 8] |= 1 << (p % 8)
    out.append("/* Big5 pointers whose code point is 0x20000 + the low bits */")
    out.append("const uint8_t cs_cjk_big5_plane2[%d] = {" % len(bits))
    for i in range(0, len(bits), 12):
        out.append("\t" + ", ".join("0x%02x" % v for v in bits[i:i + 12]) +
            ",")
    out.append("};")
    out.append("")
    emit_u16(out, "cs_cjk_euckr", euckr(), "EUC-KR index in x/text's layout")
    sys.stdout.write("\n".join(out))


if __name__ == "__main__":
    main()
