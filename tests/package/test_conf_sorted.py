"""Conf files small and sorted (ksconf's convention): `ksconf sort` changes nothing. A file whose order
carries meaning would say KSCONF-NO-SORT at its top with the reason; none does today."""

import os
import shutil
import subprocess
import sys

import pytest

from tests.package.conftest import ROOT

KSCONF = os.path.join(os.path.dirname(sys.executable), "ksconf")
CONFS = sorted(os.path.join(d, f) for d in (os.path.join(ROOT, "default"), os.path.join(ROOT, "metadata"))
               for f in os.listdir(d) if f.endswith((".conf", ".meta")))


def sorted_text(path, tmp_path):
    """The file as `ksconf sort -i` leaves it (exit 0: unchanged, 9: it rewrote the file)."""
    copy = tmp_path / os.path.basename(path)
    shutil.copy(path, copy)
    done = subprocess.run([KSCONF, "sort", "-i", "-q", str(copy)], capture_output=True, text=True)
    assert done.returncode in (0, 9), done.stdout + done.stderr
    return copy.read_text(encoding="utf-8")


@pytest.mark.parametrize("path", CONFS, ids=os.path.basename)
def test_conf_is_ksconf_sorted(path, tmp_path):
    with open(path, encoding="utf-8") as f:
        original = f.read()
    assert "KSCONF-NO-SORT" not in original, "say why the order matters, or let it be sorted"
    assert sorted_text(path, tmp_path) == original, (
        "%s is not sorted: run `ksconf sort -i %s` (comments go inside the stanza they describe)"
        % (os.path.basename(path), os.path.relpath(path, ROOT)))


def test_the_sort_check_catches_an_unsorted_file(tmp_path):
    unsorted = tmp_path / "source" / "x.conf"
    unsorted.parent.mkdir()
    unsorted.write_text("[b]\nz = 1\na = 2\n\n[a]\nk = v\n", encoding="utf-8")
    assert sorted_text(str(unsorted), tmp_path) == "[a]\nk = v\n\n[b]\na = 2\nz = 1\n"
