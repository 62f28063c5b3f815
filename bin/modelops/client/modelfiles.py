"""Versioned model files: DSDL's ``save``/``load`` without overwriting.

DSDL saves a model as ``<algo>_<model_name>.<ext>`` under ``/srv/app/model/data/`` and every fit
overwrites it. ``save_model`` keeps the previous files as ``<name>.v<N>.<ext>`` (the last ``keep``
of them) with their sha256 in ``<name>.versions.json``; ``restore_model`` brings one back as the
current file. The folder is ``MODELOPS_MODEL_DIR`` (default DSDL's), so a notebook runs unchanged
outside the container.

Formats: ``pickle`` (default; scikit-learn pipelines), ``joblib``, ``keras`` (``model.save`` to a
``.keras`` file), or a callable ``writer(obj, path)`` / ``reader(path)`` pair.
"""

import hashlib
import json
import os
import pickle
import shutil
import tempfile
import time

from ..errors import ModelOpsError

DEFAULT_DIR = "/srv/app/model/data"
EXTENSIONS = {"pickle": "pkl", "joblib": "joblib", "keras": "keras"}


def model_dir(directory=None) -> str:
    return directory or os.environ.get("MODELOPS_MODEL_DIR") or DEFAULT_DIR


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _check_name(name):
    if not name or os.sep in name or name.startswith(".") or "/" in name:
        raise ModelOpsError("a model file name must be a plain name like kiln_iforest_Horno4_IF_v2, not %r" % name)


class ModelFiles:
    def __init__(self, name, fmt="pickle", directory=None, keep=5):
        _check_name(name)
        if fmt not in EXTENSIONS:
            raise ModelOpsError("format must be one of %s, not %r" % (", ".join(EXTENSIONS), fmt))
        self.name, self.fmt, self.keep = name, fmt, max(1, int(keep))
        self.directory = model_dir(directory)
        self.ext = EXTENSIONS[fmt]

    @property
    def path(self):
        return os.path.join(self.directory, "%s.%s" % (self.name, self.ext))

    def _version_path(self, number):
        return os.path.join(self.directory, "%s.v%d.%s" % (self.name, number, self.ext))

    @property
    def _index_path(self):
        return os.path.join(self.directory, "%s.versions.json" % self.name)

    def versions(self) -> list:
        """Saved versions, oldest first: ``{"version", "path", "sha256", "saved_at", "size", "current"}``."""
        try:
            with open(self._index_path, encoding="utf-8") as f:
                return json.load(f)["versions"]
        except (OSError, ValueError, KeyError):
            return []

    def _write_index(self, versions):
        temporary = self._index_path + ".tmp"
        with open(temporary, "w", encoding="utf-8") as f:
            json.dump({"name": self.name, "format": self.fmt, "versions": versions}, f, indent=1)
        os.replace(temporary, self._index_path)

    def _write(self, obj, path, writer):
        if writer is not None:
            writer(obj, path)
        elif self.fmt == "pickle":
            with open(path, "wb") as f:
                pickle.dump(obj, f, protocol=pickle.HIGHEST_PROTOCOL)
        elif self.fmt == "joblib":
            import joblib

            joblib.dump(obj, path)
        else:
            obj.save(path)

    def save(self, obj, writer=None, metadata=None) -> dict:
        """Write ``obj`` as the current file; the previous current becomes a numbered version."""
        os.makedirs(self.directory, exist_ok=True)
        versions = self.versions()
        number = max([v["version"] for v in versions] or [0]) + 1
        # write beside the target, then move: a crash never leaves half a model as the current one
        handle, temporary = tempfile.mkstemp(prefix=".%s." % self.name, suffix="." + self.ext, dir=self.directory)
        os.close(handle)
        try:
            self._write(obj, temporary, writer)
            digest, size = _sha256(temporary), os.path.getsize(temporary)
            shutil.copyfile(temporary, self._version_path(number))
            os.replace(temporary, self.path)
        finally:
            if os.path.exists(temporary):
                os.remove(temporary)
        entry = {"version": number, "path": os.path.basename(self._version_path(number)), "sha256": digest,
                 "saved_at": time.time(), "size": size, "metadata": metadata or {}}
        versions = [dict(v, current=False) for v in versions] + [dict(entry, current=True)]
        for old in versions[:-self.keep]:
            try:
                os.remove(os.path.join(self.directory, old["path"]))
            except FileNotFoundError:
                pass
        versions = versions[-self.keep:]
        self._write_index(versions)
        return versions[-1]

    def load(self, reader=None, version=None):
        """The current model (or a kept version), after checking its sha256."""
        path = self.path if version is None else self._version_path(int(version))
        if not os.path.exists(path):
            raise ModelOpsError("no saved model %s%s in %s" % (self.name, "" if version is None else
                                                               " version %s" % version, self.directory))
        known = {v["version"]: v for v in self.versions()}
        expected = None
        if version is not None and int(version) in known:
            expected = known[int(version)]["sha256"]
        elif version is None:
            current = [v for v in known.values() if v.get("current")]
            expected = current[-1]["sha256"] if current else None
        if expected is not None and _sha256(path) != expected:
            raise ModelOpsError("%s does not match its recorded sha256; it was changed outside modelops" % path)
        if reader is not None:
            return reader(path)
        if self.fmt == "pickle":
            with open(path, "rb") as f:
                return pickle.load(f)
        if self.fmt == "joblib":
            import joblib

            return joblib.load(path)
        from tensorflow import keras

        return keras.models.load_model(path)

    def restore(self, version) -> dict:
        """Make a kept version the current file again (recorded as current in the index)."""
        versions = self.versions()
        chosen = [v for v in versions if v["version"] == int(version)]
        if not chosen:
            kept = ", ".join("v%d" % v["version"] for v in versions) or "none"
            raise ModelOpsError("%s has no kept version v%s (kept: %s)" % (self.name, version, kept))
        source = os.path.join(self.directory, chosen[0]["path"])
        if _sha256(source) != chosen[0]["sha256"]:
            raise ModelOpsError("%s does not match its recorded sha256" % source)
        handle, temporary = tempfile.mkstemp(prefix=".%s." % self.name, dir=self.directory)
        os.close(handle)
        shutil.copyfile(source, temporary)
        os.replace(temporary, self.path)
        self._write_index([dict(v, current=v["version"] == int(version)) for v in versions])
        return dict(chosen[0], current=True)


def save_model(obj, name, fmt="pickle", directory=None, keep=5, writer=None, metadata=None) -> dict:
    return ModelFiles(name, fmt, directory, keep).save(obj, writer=writer, metadata=metadata)


def load_model(name, fmt="pickle", directory=None, version=None, reader=None):
    return ModelFiles(name, fmt, directory).load(reader=reader, version=version)


def restore_model(name, version, fmt="pickle", directory=None) -> dict:
    return ModelFiles(name, fmt, directory).restore(version)


def model_versions(name, fmt="pickle", directory=None) -> list:
    return ModelFiles(name, fmt, directory).versions()
