"""The upload page's routes: the form, the column-mapping confirm step, the result, the download."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import re
from pathlib import Path
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from auditor import columns as C
from auditor.web.config import WebConfig, size_words
from auditor.web.download import XLSX, OnceDownload
from auditor.web.guard import PORTAL_PATHS, RequestGuard
from auditor.web.jobs import Job, Jobs
from auditor.web.labels import TYPED, field_label
from auditor.web.mapping import header_maps
from auditor.web.pool import Busy, OutOfMemory, Pool, TimedOut, WorkerFailed
from auditor.web.upload import UploadRefused, read_confirm, read_upload

HERE = Path(__file__).resolve().parent
log = logging.getLogger("auditor.web")   # counts and outcomes only: never a name from a file

CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
       "frame-ancestors 'none'; base-uri 'none'")
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cache-control", b"no-store"),
]
KIND_CHOICES = [(C.ROSTER, "Firm roster"), (C.COURT_ACCOUNTS, "Court CM/ECF export"),
                (C.PACER_ACCOUNTS, "PACER account list")]


class SecurityHeaders:
    """Adds the security headers to every response, error pages and files included."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def with_headers(message):
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [
                    (k, v) for k, v in SECURITY_HEADERS if k not in names]
            await send(message)

        await self.app(scope, receive, with_headers)


def create_app(config: WebConfig | None = None, host: str = "127.0.0.1") -> Starlette:
    """The page; ``host`` is the address it listens on (the Host names it answers to by default)."""
    config = config or WebConfig()
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.globals.update(config=config, kinds=KIND_CHOICES, kind_labels=dict(KIND_CHOICES),
                                 typed_fields=TYPED)
    templates.env.filters["label"] = field_label
    templates.env.filters["size"] = size_words

    def page(request: Request, name: str, status: int = 200, **context) -> Response:
        return templates.TemplateResponse(request, name, context, status_code=status)

    def message(request: Request, title: str, text: str, status: int, *, again: bool = True) -> Response:
        response = page(request, "message.html", status, title=title, text=text, again=again)
        if status == 503:
            response.headers["retry-after"] = "30"
        return response

    async def run(name: str, **kwargs):
        return await run_in_threadpool(request_pool().run, name, **kwargs)

    def request_pool() -> Pool:
        return app.state.pool

    async def index(request: Request) -> Response:
        return page(request, "index.html")

    async def upload(request: Request) -> Response:
        jobs: Jobs = app.state.jobs
        if jobs.held() >= config.max_held:
            log.info("busy: %d uploads held", config.max_held)
            return message(request, "Busy, try again",
                           "Too many uploads are waiting to be confirmed or audited. Please try again in a few "
                           "minutes.", 503)
        token, job = jobs.new()
        try:
            up = await read_upload(request.stream(), request.headers.get("content-type"),
                                   request.headers.get("content-length"), job.folder, config)
            kind = up.fields.get("kind") or C.ROSTER
            if kind not in C.KINDS:
                raise UploadRefused(f"unknown kind of file {kind[:40]!r}: choose "
                                    + ", ".join(k for k in C.KINDS), 400)
            typed, paa = typed_values(up.fields)
            as_of = (up.fields.get("as_of") or "").strip() or None
            if as_of:
                try:
                    dt.date.fromisoformat(as_of)
                except ValueError:
                    raise UploadRefused("the audit date must be written YYYY-MM-DD", 400) from None
            if not up.files:
                raise UploadRefused("choose at least one CSV or Excel file", 400)
        except UploadRefused as exc:
            jobs.drop(token, job)
            log.info("upload refused (%s)", exc.status)
            return message(request, "The upload was refused", str(exc), exc.status)
        except BaseException:   # the client went away mid-upload, or worse: keep nothing
            jobs.drop(token, job)
            raise
        job.kind, job.as_of, job.typed, job.paa = kind, as_of, typed, paa
        # a file sent under a kind's own field is of that kind; under "files", of the chosen kind
        job.files = [{"path": str(f.path), "name": f.name, "kind": f.field if f.field in C.KINDS else kind}
                     for f in up.files]
        auto = (up.fields.get("mapping") or "").strip().lower() == "auto"
        if auto:
            return await audit_job(request, token, job, {}, auto=True)
        try:
            seen = await jobs.working(token, job, run("inspect", files=job.files, kind=kind, limits=config.limits(),
                                                      typed=typed))
        except (Busy, TimedOut, WorkerFailed) as exc:
            return failed(request, exc)
        if "error" in seen:
            jobs.drop(token, job)
            return message(request, "A file could not be read", seen["error"], 422)
        job.inspected = seen
        jobs.put(token, job)
        return page(request, "mapping.html", token=token, job=job, seen=seen, problems=[])

    def typed_values(fields: dict) -> tuple[dict, tuple[str, ...]]:
        """The firm's name and the court id typed on the page, and the PAA usernames (one line)."""
        typed = {name: " ".join((fields.get(form) or "").split())[:200] for name, (form, _) in TYPED.items()}
        paa = tuple(dict.fromkeys(p for p in re.split(r"[\s,;]+", fields.get("paa") or "") if p))[:20]
        return {k: v for k, v in typed.items() if v}, paa

    async def confirm(request: Request) -> Response:
        jobs: Jobs = app.state.jobs
        token = request.path_params["token"]
        job = jobs.take(token)
        if job is not None and job.inspected is None:
            jobs.restore(token, job)   # not an upload waiting here (a download link): left as it was
            job = None
        if job is None:
            return message(request, "This upload is gone",
                           f"Uploads are deleted after {config.keep_words}. Please upload the files again.",
                           404)
        try:
            chosen = await read_confirm(request, config.max_confirm_bytes)
        except UploadRefused as exc:
            jobs.drop(None, job)
            log.info("confirm refused (%s)", exc.status)
            return message(request, "The upload was refused", str(exc), exc.status)
        except ClientDisconnect:   # the client went away mid-form: keep nothing, answer no one
            jobs.drop(None, job)
            return Response(status_code=400)
        except BaseException:
            jobs.drop(None, job)
            raise
        if any(form in chosen for form, _ in TYPED.values()):   # the boxes of the mapping page
            job.typed = typed_values(chosen)[0]
        assert job.inspected is not None   # a job without it was turned away above
        maps, problems = header_maps(job.files, job.inspected, chosen, job.typed)
        if problems:
            jobs.put(token, job)
            return page(request, "mapping.html", 422, token=token, job=job, seen=job.inspected,
                        problems=problems, chosen=chosen)
        return await audit_job(request, token, job, maps)

    async def audit_job(request: Request, token: str, job: Job, maps: dict, auto: bool = False) -> Response:
        jobs: Jobs = app.state.jobs
        job.report = job.folder / "report.xlsx"
        job.busy = True
        try:
            out = await run("audit", files=job.files, kind=job.kind, as_of=job.as_of, header_maps=maps,
                            report=str(job.report), auto=auto, limits=config.limits(),
                            firm=job.typed.get("firm_name"), court=job.typed.get("court_id"), paa=job.paa,
                            history=None if config.base_url else config.history)
        except BaseException as exc:
            if not isinstance(exc, (Busy, TimedOut, WorkerFailed)):
                jobs.drop(token, job)
                raise
            return held_back(request, token, job, exc, auto)
        finally:
            job.busy = False
        return finished(request, token, job, out)

    def held_back(request: Request, token: str, job: Job, exc: Exception, auto: bool) -> Response:
        jobs: Jobs = app.state.jobs
        if isinstance(exc, Busy):
            job.busy = False
            if auto:
                jobs.drop(token, job)
            else:
                jobs.put(token, job)   # the same confirm page can be sent again
            return failed(request, exc)
        jobs.drop(token, job)
        return failed(request, exc)

    def finished(request: Request, token: str, job: Job, out: dict) -> Response:
        jobs: Jobs = app.state.jobs
        if "mapping" in out:
            seen = out["mapping"]
            if "error" in seen:
                jobs.drop(token, job)
                return message(request, "A file could not be read", seen["error"], 422)
            job.inspected = seen
            jobs.put(token, job)
            return page(request, "mapping.html", 422, token=token, job=job, seen=seen, problems=[])
        if "error" in out:
            jobs.drop(token, job)
            log.info("audit refused a file")
            return message(request, "The files could not be audited", out["error"], 422)
        for f in job.files:   # the uploads are not kept once the report exists
            Path(f["path"]).unlink(missing_ok=True)
        job.files, job.inspected = [], None
        job.report_name = f"nextgen-audit-{out['result']['as_of']}.xlsx"
        download = jobs.rekey(token, job)   # the download link is a new token, not the upload's
        log.info("audit done: %d findings", out["result"]["total_findings"])
        return page(request, "result.html", r=out["result"], download=download)

    def failed(request: Request, exc: Exception) -> Response:
        if isinstance(exc, Busy):
            log.info("busy")
            return message(request, "Busy, try again",
                           "The auditor is busy with other uploads. Please try again in a minute.", 503)
        if isinstance(exc, OutOfMemory):
            log.info("audit stopped at its memory limit")
            return message(request, "The files need too much memory",
                           f"The audit needed more than the memory limit of {size_words(config.worker_memory_bytes)} "
                           "and was stopped; nothing was kept. Try fewer or smaller files.", 503)
        if isinstance(exc, TimedOut):
            log.info("audit stopped at its time limit")
            return message(request, "The audit took too long",
                           f"The audit was stopped after {config.job_seconds:,.0f} seconds and nothing was kept. "
                           "Try fewer or smaller files.", 503)
        log.warning("audit worker failed")
        died = (f" (or they needed more than the memory limit of {size_words(config.worker_memory_bytes)})"
                if exc.args == ("died",) else "")
        return message(request, "The files could not be audited",
                       f"The auditor failed on these files{died} and nothing was kept. Check that they are the "
                       "CSV or Excel files you meant to upload.", 500)

    async def report(request: Request) -> Response:
        jobs: Jobs = app.state.jobs
        token = request.path_params["token"]
        job = jobs.get(token) if request.method == "HEAD" else jobs.take(token)
        if job is None or job.report is None or not job.report.exists():
            if job is not None and request.method != "HEAD":
                if not job.report_name:
                    jobs.restore(token, job)   # an upload's token, not a download's: left as it was
                else:
                    jobs.drop(None, job)
            return message(request, "This report is gone",
                           "A report can be downloaded once, and is deleted after "
                           f"{config.keep_words}. Please upload the files again.", 410)
        if request.method == "HEAD":
            return Response(headers={"content-type": XLSX, "accept-ranges": "none",
                                     "content-length": str(job.report.stat().st_size)})

        def sent():
            log.info("report downloaded")
            jobs.drop(None, job)

        return OnceDownload(job.report, job.report_name, on_sent=sent, on_broken=lambda: jobs.restore(token, job))

    async def not_found(request: Request, exc: Exception) -> Response:
        status = getattr(exc, "status_code", 404)
        if status == 400:   # a form with more fields or a longer field than the page takes
            return message(request, "The form could not be read",
                           "What was sent has more parts, or longer ones, than this page takes. Go back, "
                           "shorten what you typed and send it again.", 400,
                           again=not request.url.path.startswith(PORTAL_PATHS))   # a firm's form: no upload button
        return message(request, "Not here", "There is no such page.", status if status in (404, 405) else 404)

    async def server_error(request: Request, exc: Exception) -> Response:
        log.error("internal error (%s)", type(exc).__name__)
        return message(request, "Something went wrong",
                       "The page failed and nothing was kept. Please try again.", 500)

    @contextlib.asynccontextmanager
    async def lifespan(_app):
        app.state.jobs = Jobs(config.keep_seconds)
        app.state.pool = Pool(config.workers, config.queue, config.queue_wait_seconds, config.job_seconds,
                              config.worker_memory_bytes)
        await run_in_threadpool(app.state.pool.start)
        sweeper = asyncio.create_task(_sweep(app.state.jobs, min(30.0, max(0.2, config.keep_seconds / 4))))
        try:
            yield
        finally:
            sweeper.cancel()
            await run_in_threadpool(app.state.pool.close)
            app.state.jobs.close()
            if extras is not None:
                await run_in_threadpool(extras.close)
            if portal is not None:
                await run_in_threadpool(portal.close)

    routes = [
        Route("/", index, methods=["GET"]),
        Route("/audit", upload, methods=["POST"]),
        Route("/audit/{token}/confirm", confirm, methods=["POST"]),
        Route("/report/{token}", report, methods=["GET", "HEAD"]),
        Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
    ]
    portal = extras = None
    # the firm portal: links made by ``auditor invite``.  The history is then the court's own record, which
    # the portal's links and pages are read from: an upload is audited but never recorded into it, or
    # anyone could record a court run that ends every firm's link or replaces what firms see.
    if config.history and config.base_url:
        from auditor.portal.routes import Portal, portal_routes
        from auditor.portal.site import PortalExtras
        from auditor.web.portal_roster import roster_routes

        portal = Portal(config.history, config.base_url)
        extras = PortalExtras(portal, config)   # the clerk's page, and new links firms ask for
        routes[-1:-1] = (portal_routes(portal, page, message, portal.rule_text) + extras.routes(page, message)
                         + roster_routes(portal, config, page, message, run, failed))
    app = Starlette(routes=routes, lifespan=lifespan,
                    exception_handlers={HTTPException: not_found, Exception: server_error})
    app.state.portal_extras = extras
    public = urlsplit(config.base_url) if config.base_url else None
    app.add_middleware(RequestGuard, hosts=config.hosts(host), body_seconds=config.body_seconds,
                       origins=(f"{public.scheme}://{public.netloc}",) if public else (),
                       small_body=config.max_confirm_bytes, gated=PORTAL_PATHS, in_flight=config.portal_requests,
                       wait_seconds=config.queue_wait_seconds)
    app.add_middleware(SecurityHeaders)
    return app


async def _sweep(jobs: Jobs, every: float) -> None:
    while True:
        await asyncio.sleep(every)
        jobs.sweep()
