import glob
import os
import tarfile

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/package" in str(item.fspath):
            item.add_marker(pytest.mark.package)


@pytest.fixture(scope="session")
def package_path():
    from modelops import __version__

    path = os.path.join(ROOT, "dist", "dsdl_modelops-%s.tar.gz" % __version__)
    if not os.path.exists(path):
        pytest.fail("%s is missing: run `make build` (make test builds it first)" % os.path.relpath(path, ROOT))
    return path


@pytest.fixture(scope="session")
def extracted(package_path, tmp_path_factory):
    target = tmp_path_factory.mktemp("pkg")
    with tarfile.open(package_path) as tar:
        tar.extractall(target, filter="data")
    return os.path.join(str(target), "dsdl_modelops")


@pytest.fixture(scope="session")
def repo_confs():
    found = glob.glob(os.path.join(ROOT, "default", "*.conf")) + glob.glob(os.path.join(ROOT, "metadata", "*.meta"))
    return sorted(found)
