"""Build dist/dsdl_modelops-<version>.tar.gz: the app and nothing else.

The version comes from bin/modelops/_version.py and is stamped into app.conf and app.manifest.
splunklib and its pure-Python dependencies must already be vendored into bin/lib (make vendor).
The archive is reproducible: sorted entries, fixed owner, modes 755/644, mtime from the last commit.
"""

import argparse
import gzip
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
APP_ID = "dsdl_modelops"
# What ships; everything else (tests, bench, container, tools, .ci, docs for developers) stays out.
INCLUDE = ("app.manifest", "README.md", "LICENSE", "default", "metadata", "bin", "lookups", "static",
           "appserver")
EXCLUDE_NAMES = {"__pycache__", ".DS_Store", ".vendored", "local", ".git"}
EXCLUDE_SUFFIXES = (".pyc", ".pyo", ".egg-info")
# The container side runs in DSDL's notebooks, never in Splunk: it ships with the pip package only.
EXCLUDE_PATHS = {os.path.join("bin", "modelops", "client")}


def read_version() -> str:
    text = open(os.path.join(ROOT, "bin", "modelops", "_version.py"), encoding="utf-8").read()
    match = re.search(r'^__version__ = "(\d+\.\d+\.\d+)"$', text, re.M)
    if not match:
        sys.exit("build: bin/modelops/_version.py has no semver __version__")
    return match.group(1)


def stamp_app_conf(text: str, version: str) -> str:
    """Set ``version`` in the [id] and [launcher] stanzas."""
    out, stanza = [], None
    for line in text.splitlines(keepends=True):
        header = re.match(r"^\[(.+)\]\s*$", line)
        if header:
            stanza = header.group(1)
        elif stanza in ("id", "launcher") and re.match(r"^version\s*=", line):
            line = "version = %s\n" % version
        out.append(line)
    return "".join(out)


def stamp_manifest(text: str, version: str) -> str:
    manifest = json.loads(text)
    manifest["info"]["id"]["version"] = version
    return json.dumps(manifest, indent=2) + "\n"


def ignored(name: str, relative_dir: str = "") -> bool:
    return (name in EXCLUDE_NAMES or name.endswith(EXCLUDE_SUFFIXES)
            or os.path.join(relative_dir, name) in EXCLUDE_PATHS)


def stage(version: str, target: str) -> None:
    if not os.path.isdir(os.path.join(ROOT, "bin", "lib", "splunklib")):
        sys.exit("build: bin/lib/splunklib is missing; run `make vendor` first")
    shutil.rmtree(target, ignore_errors=True)
    os.makedirs(target)
    for name in INCLUDE:
        source = os.path.join(ROOT, name)
        if os.path.isdir(source):
            shutil.copytree(source, os.path.join(target, name),
                            ignore=lambda d, names: [n for n in names if ignored(n, os.path.relpath(d, ROOT))])
        elif os.path.isfile(source):
            shutil.copy2(source, os.path.join(target, name))
    for path, stamper in (("default/app.conf", stamp_app_conf), ("app.manifest", stamp_manifest)):
        full = os.path.join(target, path)
        with open(full, encoding="utf-8") as f:
            text = stamper(f.read(), version)
        with open(full, "w", encoding="utf-8") as f:
            f.write(text)
    for directory, _dirs, files in os.walk(target):
        os.chmod(directory, 0o755)
        for name in files:
            os.chmod(os.path.join(directory, name), 0o644)


def source_date() -> int:
    if os.environ.get("SOURCE_DATE_EPOCH"):
        return int(os.environ["SOURCE_DATE_EPOCH"])
    try:
        out = subprocess.run(["git", "log", "-1", "--format=%ct"], cwd=ROOT, capture_output=True, text=True)
        return int(out.stdout.strip())
    except (OSError, ValueError):
        return int(time.time())


def archive(staged: str, output: str) -> None:
    mtime = source_date()
    entries = []
    for directory, dirs, files in os.walk(staged):
        dirs.sort()
        entries.append(directory)
        entries.extend(os.path.join(directory, f) for f in sorted(files))
    base = os.path.dirname(staged)
    with open(output, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=mtime) as zipped, \
            tarfile.open(fileobj=zipped, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for path in entries:
            info = tar.gettarinfo(path, arcname=os.path.relpath(path, base))
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            info.mtime = mtime
            if info.isfile():
                with open(path, "rb") as f:
                    tar.addfile(info, f)
            else:
                tar.addfile(info)


def tree_bytes(top) -> int:
    return sum(os.path.getsize(os.path.join(d, f)) for d, _dirs, files in os.walk(top)
               for f in files if not ignored(f))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join(ROOT, "dist"))
    args = parser.parse_args(argv)
    version = read_version()
    staged = os.path.join(ROOT, "build", APP_ID)
    stage(version, staged)
    os.makedirs(args.out, exist_ok=True)
    output = os.path.join(args.out, "%s-%s.tar.gz" % (APP_ID, version))
    archive(staged, output)
    print("built %s (%d KiB; bin/modelops %d KiB of %d KiB in the source tree)"
          % (os.path.relpath(output, ROOT), os.path.getsize(output) // 1024,
             tree_bytes(os.path.join(staged, "bin", "modelops")) // 1024,
             tree_bytes(os.path.join(ROOT, "bin", "modelops")) // 1024))
    return 0


if __name__ == "__main__":
    sys.exit(main())
