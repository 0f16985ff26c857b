"""TLSH digest parsing, distance and LSH bands for the test Oracle.

Only what the Oracle needs: it never hashes content, it compares the
72-character "T1..." digests that Guardian nodes send.  The rules are those
of TLSH 4.x (parse: optional "T1", exactly 70 hex digits; distance with the
length term, as Guardian 0.7.6 uses it) and Guardian's band extraction.
"""

HEX = "0123456789abcdefABCDEF"

# Bands: the 64 body hex digits after "T1" + checksum + Lvalue + Q,
# windows of 6 with a stride of 3, named "<1-based index>:<HEX6>".
BAND_HEADER = 8
BAND_BODY = 64
BAND_WINDOW = 6
BAND_STRIDE = 3
BAND_COUNT = 20


def _swap(byte):
    return ((byte & 0x0F) << 4) | (byte >> 4)


class Digest:
    """A parsed digest: checksum, Lvalue, Q1/Q2 ratios and the 128 codes."""

    __slots__ = ("text", "checksum", "lvalue", "q1", "q2", "body")

    def __init__(self, text, checksum, lvalue, q1, q2, body):
        self.text = text
        self.checksum = checksum
        self.lvalue = lvalue
        self.q1 = q1
        self.q2 = q2
        self.body = body


def parse(text):
    """Returns a Digest, or None when text is not a TLSH digest.

    The canonical text is the upper-case "T1" form, which is what Guardian
    sends and what the bands are cut from."""
    if not isinstance(text, str):
        return None
    hexpart = text[2:] if text.startswith("T1") else text
    if len(hexpart) != 70 or any(c not in HEX for c in hexpart):
        return None
    raw = bytes.fromhex(hexpart)
    checksum = _swap(raw[0])
    lvalue = _swap(raw[1])
    # The Q byte is printed as Q1 then Q2, one hex digit each.
    q1 = raw[2] >> 4
    q2 = raw[2] & 0x0F
    # Body bytes are printed highest bucket first; the order only has to
    # be the same on both sides of a comparison.
    body = raw[3:]
    return Digest("T1" + hexpart.upper(), checksum, lvalue, q1, q2, body)


def _mod_diff(x, y, r):
    d = abs(x - y)
    return min(d, r - d)


def _code_diff(d):
    return 6 if d == 3 else d


def _byte_diff_table():
    table = []
    for a in range(256):
        row = []
        for b in range(256):
            total = 0
            for shift in (0, 2, 4, 6):
                total += _code_diff(abs(((a >> shift) & 3) -
                    ((b >> shift) & 3)))
            row.append(total)
        table.append(row)
    return table


_BYTE_DIFF = _byte_diff_table()


def distance(a, b, len_diff=True):
    """TLSH totalDiff between two Digests; len_diff=False is "-xlen"."""
    diff = 0
    if len_diff:
        d = _mod_diff(a.lvalue, b.lvalue, 256)
        diff += d if d <= 1 else d * 12
    for qa, qb in ((a.q1, b.q1), (a.q2, b.q2)):
        d = _mod_diff(qa, qb, 16)
        diff += d if d <= 1 else (d - 1) * 12
    if a.checksum != b.checksum:
        diff += 1
    for x, y in zip(a.body, b.body):
        diff += _BYTE_DIFF[x][y]
    return diff


def bands(digest):
    """The 20 band names of a Digest (Guardian's extractBands_6_3)."""
    core = digest.text[BAND_HEADER:BAND_HEADER + BAND_BODY]
    out = []
    for i in range(BAND_COUNT):
        pos = i * BAND_STRIDE
        out.append("%d:%s" % (i + 1, core[pos:pos + BAND_WINDOW]))
    return out


def is_band(text):
    """True for a well-formed band name "<1..20>:<6 upper-case hex>"."""
    if not isinstance(text, str) or ":" not in text:
        return False
    index, _, value = text.partition(":")
    if not 1 <= len(index) <= 2 or any(c not in "0123456789" for c in index):
        return False
    if not 1 <= int(index) <= BAND_COUNT:
        return False
    return len(value) == BAND_WINDOW and all(c in "0123456789ABCDEF"
        for c in value)
