"""Splunk's own Pythons on this machine: 3.9 (Splunk 9.x) and 3.13 (10.2+), found on PATH or in pyenv."""

import glob
import os
import shutil
import subprocess

import pytest


def interpreter(version):
    """python<version> on PATH, or a pyenv build of it; skip (with the reason) when there is none."""
    pyenv = os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")
    candidates = [shutil.which("python%s" % version)]
    candidates += sorted(glob.glob(os.path.join(pyenv, "versions", "%s.*" % version, "bin", "python")), reverse=True)
    for path in candidates:
        if not path:
            continue
        try:
            out = subprocess.run([path, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                                 capture_output=True, text=True, timeout=30)
        except OSError:
            continue
        if out.returncode == 0 and out.stdout.strip() == version:
            return path
    pytest.skip("python%s is not installed here, so the commands are not run under it" % version)
