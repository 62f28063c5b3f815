import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The package lives in bin/ exactly as Splunk imports it.
sys.path.insert(0, os.path.join(ROOT, "bin"))
sys.path.insert(0, ROOT)
