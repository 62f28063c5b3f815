"""The image recipe, checked where Docker cannot run it (the integration stack builds it for real)."""

import csv
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def read(*parts):
    with open(os.path.join(ROOT, *parts), encoding="utf-8") as f:
        return f.read()


def test_dockerfile_builds_on_golden_cpu_with_a_tag_argument():
    text = read("container", "Dockerfile")
    assert re.search(r"^ARG GOLDEN_TAG=5\.2\.\d+$", text, re.M)
    assert re.search(r"^FROM \$\{BASE_REPO\}mltk-container-golden-cpu:\$\{GOLDEN_TAG\}$", text, re.M)


def test_aeon_is_pinned_and_proven_importable():
    text = read("container", "Dockerfile")
    assert re.search(r"aeon==\d+\.\d+\.\d+", text)
    assert "from aeon.segmentation import ClaSPSegmenter" in text
    for line in read("container", "requirements-modelops.txt").splitlines():
        if line and not line.startswith("#"):
            assert re.match(r"^[A-Za-z0-9_.-]+(==|>=)\d", line), line


def test_client_is_installed_from_this_repository_and_the_template_copied():
    text = read("container", "Dockerfile")
    for source in ("pyproject.toml", "bin/modelops", "container/notebooks/ModelOps_Template.ipynb",
                   "container/requirements-modelops.txt"):
        assert re.search(r"^COPY .*%s" % re.escape(source), text, re.M), source
        assert os.path.exists(os.path.join(ROOT, source)), source
    assert "pip install --no-cache-dir --no-deps /tmp/modelops-src" in text


def test_every_template_notebook_is_shipped_to_both_folders():
    text = read("container", "Dockerfile")
    notebooks = sorted(n for n in os.listdir(os.path.join(ROOT, "container", "notebooks")) if n.endswith(".ipynb"))
    assert "ModelOps_Forecast_Template.ipynb" in notebooks and "ModelOps_Template.ipynb" in notebooks
    for notebook in notebooks:
        for folder in ("/opt/modelops/notebooks", "/srv/notebooks"):
            line = "COPY container/notebooks/%s %s/%s" % (notebook, folder, notebook)
            assert re.search(r"^%s$" % re.escape(line), text, re.M), line


def test_dsdl_configuration_rows():
    images = read("container", "dsdl", "images.conf")
    for key in ("title", "image", "repo", "runtime"):
        assert re.search(r"^%s = \S" % key, images, re.M), key
    with open(os.path.join(ROOT, "container", "dsdl", "tag_mapping.csv"), newline="") as f:
        rows = list(csv.DictReader(f))
    assert rows[0]["Tag"] == "modelops-golden-cpu" and rows[0]["dockerfile"] == "container/Dockerfile"


def test_container_side_stays_out_of_the_splunk_package():
    sys.path.insert(0, os.path.join(ROOT, "tools"))
    import build

    assert "container" not in build.INCLUDE
