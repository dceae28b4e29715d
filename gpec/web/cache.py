"""The server's cache folder: finished what-ifs by hash, their output files, and the saved scenarios.

Layout (``DIR`` is ``gpec serve --cache``, by default ``$XDG_CACHE_HOME/gpec/serve``)::

    DIR/<instance>/<hash>/request.json      the request, normalised (gpec.web.scenarios.normalised)
    DIR/<instance>/<hash>/<lang>/           the run's output folder (gpec.outputs.write_outputs), per language
    DIR/scenarios.json                      the saved scenarios: [{name, hash, instance}]

A what-if's folder is written once it is done (in French, the page's language; English when first
downloaded), so a restarted server answers it again without solving. Paths are made from an instance's
name and a hash checked by the routes (:data:`gpec.web.requests.NAME_PATTERN`, ``HASH_PATTERN``) and
from a language of :data:`gpec.i18n.LANGUAGES`, never from other text of a request.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

from gpec.atomic import write_json
from gpec.errors import GpecError
from gpec.i18n import LANGUAGES

#: The file of a what-if's folder that holds its request.
REQUEST_FILE = "request.json"


def default_folder() -> Path:
    """``$XDG_CACHE_HOME/gpec/serve`` (``~/.cache/gpec/serve`` without it)."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "gpec" / "serve"


class Cache:
    """The cache folder (module docstring). Writing an output folder is serialised per what-if and language."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self._locks: dict[tuple[str, str], threading.Lock] = {}
        self._guard = threading.Lock()

    def run_folder(self, instance: str, key: str, lang: str) -> Path:
        if lang not in LANGUAGES:
            raise ValueError(f"unknown language {lang!r}")
        return self.folder / instance / key / lang

    def outputs(self, job, lang: str, fresh: bool = False) -> Path:
        """The output folder of ``job`` (done) in ``lang``, written first when it is not there yet (``fresh``:
        written again, e.g. once the shadow prices are in; the folder is replaced as one unit)."""
        folder = self.run_folder(job.instance, job.hash, lang)
        with self._lock(job.hash, lang):
            if fresh or not (folder / "result.json").is_file():
                from gpec.outputs import write_outputs

                write_json(folder.parent / REQUEST_FILE, job.body)
                write_outputs(job.result, folder, maps=True, lang=lang)
        return folder

    def stored(self, instance: str, key: str) -> tuple[dict, Path] | None:
        """The what-if ``key`` of ``instance`` in the folder: its request as received and an output folder
        (French first); ``None`` when it is not there, or not whole."""
        folder = self.folder / instance / key
        outputs = next((folder / lang for lang in ("fr", "en") if (folder / lang / "result.json").is_file()), None)
        try:
            return (json.loads((folder / REQUEST_FILE).read_text(encoding="utf-8")), outputs) if outputs else None
        except (OSError, ValueError):
            return None

    def _lock(self, key: str, lang: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault((key, lang), threading.Lock())

    # -- saved scenarios ----------------------------------------------------------------------
    def scenarios(self) -> list[dict]:
        """The saved scenarios, oldest first."""
        path = self.folder / "scenarios.json"
        try:
            saved = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else []
        except (OSError, ValueError):
            return []
        return [s for s in saved if isinstance(s, dict) and {"name", "hash", "instance"} <= set(s)]

    def save_scenario(self, name: str, key: str, instance: str) -> dict:
        """Save (or rename) the scenario ``key`` as ``name``; a name already used now names ``key``."""
        with self._guard:
            saved = [s for s in self.scenarios() if s["name"] != name or s["instance"] != instance]
            entry = {"name": name, "hash": key, "instance": instance}
            saved.append(entry)
            try:
                write_json(self.folder / "scenarios.json", saved)
            except OSError as exc:
                raise GpecError(f"cannot save the scenario ({exc.strerror or exc})") from None
            return entry
