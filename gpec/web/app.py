"""The FastAPI app of ``gpec serve``: the page, the API, and what guards them.

Routes (JSON unless said): ``GET /`` the page (``static/index.html``) and ``/static/...``;
``GET /api/instances``; ``GET /api/labels?lang=``; ``GET /api/instances/{name}/map``;
``POST /api/solve`` (202 queued or running, 200 when already solved); ``GET /api/results/{hash}`` and
``/api/results/{hash}/{file}?lang=`` (``results.xlsx``, ``results.csv.zip``, ``results.gpkg``: the files
``gpec solve`` writes); ``DELETE /api/solve/{hash}`` (cancel); ``POST`` and ``GET /api/scenarios``;
``GET /api/compare?a=&b=&lang=``.

Guards (:class:`Guard`, outside the app): when bound to a loopback address, a request whose ``Host``
is not that address and port is refused (400: a page of another site cannot reach the server through
DNS rebinding); a body over :data:`MAX_BODY` bytes is refused (413). Instances are chosen by name among
those given, hashes and file names match fixed patterns and lists: no text of a request is ever joined
into a path. A bad body is a 422 with a phrase per field (:mod:`gpec.web.requests`); any unexpected
error a 500 in one line, and the server goes on.
"""

from __future__ import annotations

import io
import json
import logging
import re
import threading
import zipfile
from collections import OrderedDict
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path
from typing import Literal

from fastapi import FastAPI, HTTPException, Path as PathParam, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles

from gpec.errors import GpecError
from gpec.instance import load_instance
from gpec.interrupt import lower_priority
from gpec.parallel.task import error_line
from gpec.web import views
from gpec.web.cache import Cache, default_folder
from gpec.web.geometry import map_view
from gpec.web.jobs import Job, Jobs, QueueFull
from gpec.web.requests import HASH_PATTERN, NAME_PATTERN, SaveRequest, SolveRequest
from gpec.web.scenarios import Options, RequestError, canonical, normalised, resolve, scenario_hash

#: The page's files, inside the package.
STATIC = Path(__file__).parent / "static"
#: Largest request body accepted (bytes).
MAX_BODY = 64 * 1024
#: Files of a result that can be downloaded -> media type.
DOWNLOADS = {"results.xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
             "results.csv.zip": "application/zip", "results.gpkg": "application/geopackage+sqlite3"}
#: Views of results kept in memory (making one takes a few tenths of a second: the words, the tables).
KEEP_ANSWERS = 64
#: Nice value of the thread that makes a finished what-if's view and writes its folder (19: the lowest).
BACKGROUND_NICE = 10
#: Hosts that mean this machine only.
LOOPBACK = ("127.0.0.1", "localhost", "::1")

log = logging.getLogger("gpec.serve")


class Server:
    """The state behind the routes: the instances by name, their what-ifs, the cache folder."""

    def __init__(self, folders: dict[str, Path], cache: Cache, options: Options, persist: bool):
        self.folders = {name: Path(folder) for name, folder in folders.items()}
        self.instances = {name: load_instance(folder) for name, folder in self.folders.items()}
        self.cache, self.options, self.persist = cache, options, persist
        self.maps: dict[str, dict] = {}
        self.jobs: Jobs | None = None
        self._answers: OrderedDict[tuple, tuple] = OrderedDict()  # (result, its view) by hash, state, prices
        self._answers_lock = threading.Lock()

    def start(self) -> None:
        self.jobs = Jobs(self.folders, self.rebuild, self.priced)

    def instance(self, name: str):
        if name not in self.instances:
            raise HTTPException(404, f"unknown instance '{name}' (instances: {', '.join(self.instances)})")
        return self.instances[name]

    def rebuild(self, job: Job, result):
        """A worker's result with the instance the model was built from (the worker does not send it)."""
        applied, _ = job.scenario.apply(self.instances[job.instance])
        return replace(result, applied=applied)

    def priced(self, job: Job) -> None:
        """A what-if's answer is complete (its shadow prices are in, or none will come): its view is made and
        its folder written (when the server persists), in the background, at low priority: the next
        what-if's solve (its worker process) keeps its core."""
        threading.Thread(target=self._complete, args=(replace(job),), daemon=True).start()

    def _complete(self, job: Job) -> None:
        lower_priority(threading.get_native_id(), BACKGROUND_NICE)
        try:
            self.answer(job)
            if self.persist and job.state == "done":
                self.cache.outputs(job, "fr", fresh=True)
        except Exception as error:  # noqa: BLE001 -- the answer is made again when asked; a cache not written
            log.warning("result %s: %s", job.hash, error_line(error))  # costs the cache only

    def answer(self, job: Job) -> dict:
        """``GET /api/results/{hash}`` of ``job``; the view of a result is made once (explain, tables) and kept."""
        if job.result is None:
            return views.job_view(job, self.jobs.position(job.hash))
        key = (job.hash, job.state, job.prices)
        with self._answers_lock:
            result, answer = self._answers.get(key, (None, None))
        if result is not job.result:  # (a what-if solved again after a cancel has another result)
            answer = views.result_view(job.result)
            with self._answers_lock:
                self._answers[key] = (job.result, answer)
                while len(self._answers) > KEEP_ANSWERS:
                    self._answers.popitem(last=False)
        return views.job_view(job, self.jobs.position(job.hash), answer)

    def job(self, key: str) -> Job:
        """The what-if of hash ``key``, from memory or from the cache folder."""
        job = self.jobs.get(key)
        if job is None:
            job = self.stored(key)
        if job is None:
            raise HTTPException(404, f"unknown result '{key}'")
        return job

    def stored(self, key: str) -> Job | None:
        """A what-if read back from the cache folder, when its request still gives the same hash."""
        from gpec.outputs import load_result

        for name, instance in self.instances.items():
            found = self.cache.stored(name, key)
            if found is None:
                continue
            body, folder = found
            try:
                request = SolveRequest(**body)
                scenario = resolve(request, instance, self.options)
                if scenario_hash(canonical(scenario, instance)) != key:
                    return None  # solved by another version of gpec or of the instance, or other options
                result = replace(load_result(folder), applied=scenario.apply(instance)[0])
            except Exception as error:  # noqa: BLE001 -- a damaged cache entry is no entry
                log.warning("cache %s: %s", key, error_line(error))
                return None
            job = Job(key, name, scenario, normalised(request, scenario, instance), body, state="done",
                      result=result, prices="done" if len(result.shadow_prices) else "none")
            return self.jobs.add_done(job)
        return None


def create_app(instances: dict[str, str | Path], host: str = "127.0.0.1", port: int = 8000,
               cache_dir: str | Path | None = None, time_limit: float = 60.0, persist: bool = True,
               warm: bool = False) -> "Guard":
    """The app of ``gpec serve`` (module docstring), wrapped in its :class:`Guard`.

    Parameters
    ----------
    instances : dict
        Name -> instance folder; the names are what requests use (``^[a-z0-9_]+$``).
    host, port : str, int
        Where the server is bound: on a loopback address, requests must name it in ``Host``.
    cache_dir : path, optional
        The cache folder (:mod:`gpec.web.cache`; default :func:`gpec.web.cache.default_folder`).
    time_limit : float
        Seconds per solve (and again for its shadow prices).
    persist : bool
        Write every done what-if's folder to the cache (a restarted server answers it at once).
    warm : bool
        Solve each instance's default scenario at start, so the first what-if is a warm re-solve.

    Raises
    ------
    GpecError
        On a name that is not ``^[a-z0-9_]+$`` or an instance that does not load.
    """
    for name in instances:
        if not re.fullmatch(NAME_PATTERN, name):
            raise GpecError(f"instance name '{name}': lower-case letters, digits and _ only (rename it: NAME=FOLDER)")
    options = Options(time_limit=time_limit)
    server = Server(instances, Cache(Path(cache_dir) if cache_dir else default_folder()), options, persist)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        server.start()
        if warm:
            for name in server.instances:
                _submit(SolveRequest(instance=name))
        try:
            yield
        finally:
            server.jobs.close()

    app = FastAPI(title="gpec", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.state.server = server
    app.mount("/static", StaticFiles(directory=STATIC, check_dir=False), name="static")

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, error: RequestValidationError):  # the input not echoed (NaN, 64 KB)
        detail = [{"loc": [*e.get("loc", ()), *(e.get("ctx") or {}).get("record", ())], "msg": e.get("msg", ""),
                   "type": e.get("type", "")} for e in error.errors()]
        return JSONResponse({"detail": detail}, status_code=422)

    @app.exception_handler(RequestError)
    async def _request_error(request: Request, error: RequestError):
        return JSONResponse({"detail": [{"loc": ["body", error.field, *error.record], "msg": error.message,
                                         "type": "value_error"}]}, status_code=422)

    @app.exception_handler(GpecError)
    async def _gpec_error(request: Request, error: GpecError):
        return JSONResponse({"detail": " ".join(str(error).split())}, status_code=422)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, error: Exception):
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return JSONResponse({"detail": f"internal error: {error_line(error)}"}, status_code=500)

    @app.get("/", include_in_schema=False)
    def page():
        index = STATIC / "index.html"
        if not index.is_file():
            raise HTTPException(503, "the page is not installed (gpec/web/static/index.html is missing)")
        return FileResponse(index, media_type="text/html")

    @app.get("/api/instances")
    def instances_():
        return [views.instance_view(name, instance) for name, instance in server.instances.items()]

    @app.get("/api/labels")
    def labels(lang: Literal["fr", "en"] = "fr"):
        return views.labels(lang)

    @app.get("/api/instances/{name}/map")
    def instance_map(name: str = PathParam(pattern=NAME_PATTERN)):
        instance = server.instance(name)
        if name not in server.maps:
            server.maps[name] = map_view(instance)
        return server.maps[name]

    def _submit(request: SolveRequest) -> Job:
        """The job of ``request``: done (in memory or in the cache folder), or queued or running."""
        instance = server.instance(request.instance)
        scenario = resolve(request, instance, options)
        key = scenario_hash(canonical(scenario, instance))
        known = server.jobs.get(key) or server.stored(key)
        if known is not None and known.state == "done":
            return known
        job = Job(key, request.instance, scenario, normalised(request, scenario, instance),
                  request.model_dump(mode="json"))
        try:
            return server.jobs.submit(job)
        except QueueFull as full:
            raise HTTPException(429, str(full)) from None

    @app.post("/api/solve")
    def solve(request: SolveRequest):
        job = _submit(request)
        if job.state == "done":
            return _answer(job)
        return JSONResponse({"hash": job.hash, "state": job.state, "position": server.jobs.position(job.hash)},
                            status_code=202)

    @app.get("/api/results/{key}")
    def results(key: str = PathParam(pattern=HASH_PATTERN)):
        return _answer(server.job(key))

    @app.get("/api/results/{key}/{file}")
    def download(key: str = PathParam(pattern=HASH_PATTERN), file: str = PathParam(max_length=20),
                 lang: Literal["fr", "en"] = "fr"):
        if file not in DOWNLOADS:
            raise HTTPException(404, f"no file '{file}' (files: {', '.join(DOWNLOADS)})")
        job = server.job(key)
        if job.state != "done":
            raise HTTPException(409, f"result {key} is {job.state}: nothing to download yet")
        folder = server.cache.outputs(job, lang)
        name = f"gpec_{job.instance}_{key}_{lang}_{file}"
        if file == "results.csv.zip":
            return Response(_zip_csv(folder), media_type=DOWNLOADS[file],
                            headers={"Content-Disposition": f'attachment; filename="{name}"'})
        path = folder / file
        if not path.is_file():
            raise HTTPException(404, f"result {key} has no {file} (no plan, or its maps could not be drawn)")
        return FileResponse(path, media_type=DOWNLOADS[file], filename=name)

    @app.delete("/api/solve/{key}")
    def cancel(key: str = PathParam(pattern=HASH_PATTERN)):
        job = server.jobs.cancel(key)
        if job is None:
            raise HTTPException(404, f"unknown result '{key}'")
        return {"hash": job.hash, "state": job.state, "position": server.jobs.position(key)}

    @app.post("/api/scenarios", status_code=201)
    def save(request: SaveRequest):
        job = server.job(request.hash)
        return server.cache.save_scenario(request.name, job.hash, job.instance)

    @app.get("/api/scenarios")
    def scenarios(instance: str | None = Query(None, pattern=NAME_PATTERN)):
        return [s for s in server.cache.scenarios() if instance is None or s["instance"] == instance]

    @app.get("/api/compare")
    def compare(a: str = Query(pattern=HASH_PATTERN), b: str = Query(pattern=HASH_PATTERN),
                lang: Literal["fr", "en"] = "fr"):
        from gpec.comparison import compare as compare_runs

        jobs = [server.job(key) for key in (a, b)]
        for job in jobs:
            if job.state != "done":
                raise HTTPException(409, f"result {job.hash} is {job.state}: only finished results compare")
        names = {s["hash"]: s["name"] for s in server.cache.scenarios()}
        comparison = compare_runs(jobs[0].result, jobs[1].result, labels=(names.get(a, a), names.get(b, b)))
        return JSONResponse(jsonable_encoder(views.comparison_view(comparison, lang)))

    def _answer(job: Job):
        return JSONResponse(server.answer(job))

    return Guard(app, host, port)


def _zip_csv(folder: Path) -> bytes:
    """The CSV files of an output folder in one zip."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.glob("*.csv")):
            archive.write(path, path.name)
    return buffer.getvalue()


class Guard:
    """ASGI middleware around the app: the ``Host`` check on loopback and the body size limit (module
    docstring). ``app`` is the FastAPI app (``Guard.app``: its ``state.server`` holds the server)."""

    def __init__(self, app: FastAPI, host: str, port: int, max_body: int = MAX_BODY):
        self.app, self.max_body = app, max_body
        self.hosts = None  # any Host when the server is open (--host)
        if host in LOOPBACK or host.startswith("127."):
            names = {f"[{host}]" if ":" in host else host, "localhost", "127.0.0.1", "[::1]"}
            self.hosts = {f"{name}:{port}" for name in names}

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        host = headers.get("host", "").strip().lower()
        if self.hosts is not None and host not in self.hosts:
            return await _reply(send, 400, f"bad Host header '{host[:80]}': this server answers to "
                                           f"{', '.join(sorted(self.hosts))} only")
        length = headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_body):
            return await _reply(send, 413 if length.isdigit() else 400,
                                f"request body over {self.max_body // 1024} KB" if length.isdigit()
                                else "bad Content-Length header")
        body, more = [], True
        size = 0
        while more:  # read the whole body first (it is small), so that a chunked one is counted too
            message = await receive()
            if message["type"] != "http.request":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                return await _reply(send, 413, f"request body over {self.max_body // 1024} KB")
            body.append(chunk)
            more = message.get("more_body", False)
        whole = b"".join(body)
        sent = False

        async def replay():
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": whole, "more_body": False}
            return await receive()

        return await self.app(scope, replay, send)


async def _reply(send, status: int, detail: str) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
