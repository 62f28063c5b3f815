import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LIB = os.path.join(ROOT, "bin", "lib")
if not os.path.isdir(os.path.join(LIB, "splunklib")):
    raise RuntimeError("bin/lib/splunklib is missing: run `make vendor` (make test does it)")
sys.path.insert(0, LIB)
