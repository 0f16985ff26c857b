"""Self-test of tlsh.py against rows of the TLSH 4.12.1 distance vectors.

Run from anywhere: python3 tests/oracle/test_tlsh.py"""

import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
# Nothing is written into the source tree.
sys.dont_write_bytecode = True
sys.path.insert(0, HERE)

import tlsh  # noqa: E402

# Guardian's TestStableHash vector and its bands (spec, extractBands_6_3).
STABLE = ("T130111215FBC5E333C7858A138AB9223BF73E83F80320F876400D8442AA0B"
    "4E70376A94")
STABLE_BANDS = ("1:15FBC5 2:BC5E33 3:E333C7 4:3C7858 5:858A13 6:A138AB "
    "7:8AB922 8:9223BF 9:3BF73E 10:73E83F 11:83F803 12:80320F 13:20F876 "
    "14:876400 15:400D84 16:D8442A 17:42AA0B 18:A0B4E7 19:4E7037 "
    "20:0376A9").split()


class TlshTest(unittest.TestCase):
    def test_distance_vectors(self):
        rows = 0
        with open(os.path.join(HERE, "digest_distances.tsv")) as f:
            for line in f:
                if line.startswith("#") or not line.strip():
                    continue
                a, b, full, nolen = line.rstrip("\n").split("\t")
                da, db = tlsh.parse(a), tlsh.parse(b)
                self.assertIsNotNone(da, a)
                self.assertIsNotNone(db, b)
                self.assertEqual(tlsh.distance(da, db), int(full), line)
                self.assertEqual(tlsh.distance(db, da), int(full), line)
                self.assertEqual(tlsh.distance(da, db, len_diff=False),
                    int(nolen), line)
                rows += 1
        self.assertGreaterEqual(rows, 20)

    def test_bands(self):
        self.assertEqual(tlsh.bands(tlsh.parse(STABLE)), STABLE_BANDS)
        # Lower case and a missing prefix give the same canonical bands.
        self.assertEqual(tlsh.bands(tlsh.parse(STABLE[2:].lower())),
            STABLE_BANDS)
        for band in STABLE_BANDS:
            self.assertTrue(tlsh.is_band(band))

    def test_parse_rejects(self):
        for bad in ("", "T1", STABLE + "0", STABLE[:-1], "TNULL", None, 42,
                STABLE[:10] + "G" + STABLE[11:], "t1" + STABLE[2:]):
            self.assertIsNone(tlsh.parse(bad), repr(bad))

    def test_band_rejects(self):
        for bad in ("0:ABCDEF", "21:ABCDEF", "1:abcdef", "1:ABCDE",
                "1:ABCDEFA", "ABCDEF", "x:ABCDEF", "\u0661:ABCDEF",
                "1:ABC\nEF", None):
            self.assertFalse(tlsh.is_band(bad), repr(bad))


if __name__ == "__main__":
    unittest.main()
