import os
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The package lives in bin/ exactly as Splunk imports it.
sys.path.insert(0, os.path.join(ROOT, "bin"))
sys.path.insert(0, ROOT)

# Tests never spool into the user's home, never write DSDL's model folder, never reach a real HEC.
for _name in ("MODELOPS_HEC_URL", "MODELOPS_HEC_TOKEN", "splunk_hec_url", "splunk_hec_token", "splunk_hec_enabled",
              "MODELOPS_REGISTRY"):
    os.environ.pop(_name, None)
os.environ["MODELOPS_SPOOL_DIR"] = tempfile.mkdtemp(prefix="modelops-test-spool-")
os.environ["MODELOPS_MODEL_DIR"] = tempfile.mkdtemp(prefix="modelops-test-models-")
