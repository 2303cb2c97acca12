"""The firm's roster upload on its portal page (``POST /firm/roster``).

A firm with a session uploads its current roster; a worker audits it with the court's export and PACER
list of the run the firm's link belongs to (``auditor.portal.roster``), under the upload page's limits
(sizes, files, uploads held, the worker's time and memory).  The page shows the firm's own findings and
offers its workbook once, as the upload page offers a report.  Nothing is recorded in the history.

Between the upload and the audit comes the upload page's own step, "Check how your columns were read"
(``mapping.html``, ``auditor.web.mapping``), as there: always from the page's form, and with
``mapping=auto`` only when a required column is not found.  The firm's name is the session's, so the
step has no Firm field.  The roster waits at that step under a token of its own, bound to the session
that uploaded it (``Job.owner``): its confirm needs that session and its page's token, and it is
deleted when confirmed, after the upload page's time, or when the firm leaves its page.
"""

from __future__ import annotations

import dataclasses
import hmac
import logging
import re
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from auditor import columns as C
from auditor.history.record import scope_courts
from auditor.portal.invites import token_hash
from auditor.portal.roster import court_files
from auditor.portal.routes import COOKIE, Portal
from auditor.portal.sessions import find_session
from auditor.web.config import WebConfig
from auditor.web.jobs import Job, Jobs
from auditor.web.mapping import header_maps
from auditor.web.pool import Busy, TimedOut, WorkerFailed
from auditor.web.upload import UploadRefused, read_confirm, read_upload

log = logging.getLogger("auditor.web")   # counts and outcomes only: never a name from a file


def _scope_and_files(portal: Portal, cookie: str | None):
    with portal.store().engine.connect() as conn:
        scope = find_session(conn, cookie)
        return (scope, court_files(conn, scope.run_id)) if scope is not None else (None, [])


def _court_id(scope: str) -> str | None:
    """The court of a run's scope ("courts:ncmb"), for an export that had no Court column."""
    courts = scope_courts(scope)
    return courts[0] if len(courts) == 1 else None


def without_firm(seen: dict) -> dict:
    """The mapping page's view of a roster with no Firm field: the session names the firm."""
    for f in seen.get("files", ()):
        f["fields"] = [x for x in f["fields"] if x["name"] != "firm_name"]
        f["ambiguous"] = [a for a in ({**a, "fields": [x for x in a["fields"] if x != "firm_name"]}
                                      for a in f.get("ambiguous", ())) if len(a["fields"]) > 1]
    return seen


def roster_routes(portal: Portal, config: WebConfig, page, message, run, failed) -> list[Route]:
    """``run(name, **kwargs)`` runs a worker task, ``failed(request, exc)`` answers a busy, timed out or
    failed worker (as the upload page does)."""

    def ended(request: Request) -> Response:
        return message(request, "Please open your link again",
                       "Your session has ended (sessions last 8 hours, and end when the court records its next "
                       "monthly audit). Open the link from the court's message again.", 401, again=False)

    def not_here(request: Request) -> Response:
        return message(request, "Not here", "There is no such page.", 403, again=False)

    def too_old(request: Request) -> Response:
        return message(request, "The upload was refused", "the page was too old or did not come from this site: "
                       "open your firm's page again and upload from there", 403, again=False)

    def mapping(request: Request, token: str, job: Job, cookie: str, status: int = 200, **more) -> Response:
        return page(request, "mapping.html", status, token=token, job=job, seen=job.inspected,
                    action=f"/firm/roster/{token}/confirm", csrf=portal.roster_csrf(cookie),
                    again_href="/firm", fixed_firm=job.typed.get("firm_name"), **{"problems": [], **more})

    async def upload(request: Request) -> Response:
        cookie = request.cookies.get(COOKIE)
        if not portal.same_site(request.headers.get("origin")):
            return not_here(request)
        scope, recorded = await run_in_threadpool(_scope_and_files, portal, cookie)
        if scope is None or not cookie:
            return ended(request)
        store: Jobs = request.app.state.jobs
        if store.held() >= config.max_held:
            log.info("busy: %d uploads held", config.max_held)
            return message(request, "Busy, try again", "Too many uploads are waiting to be audited. Please try "
                           "again in a few minutes.", 503, again=False)
        token, job = store.new()
        try:
            up = await read_upload(request.stream(), request.headers.get("content-type"),
                                   request.headers.get("content-length"), job.folder, config)
            if not hmac.compare_digest(str(up.fields.get("csrf") or ""), portal.roster_csrf(cookie)):
                raise UploadRefused("the page was too old or did not come from this site: open your firm's page "
                                    "again and upload from there", 403)
            if not up.files:
                raise UploadRefused("choose your roster (a CSV or Excel file)", 400)
        except UploadRefused as exc:
            store.drop(token, job)
            log.info("roster upload refused (%s)", exc.status)
            return message(request, "The upload was refused", str(exc), exc.status, again=False)
        except BaseException:   # the client went away mid-upload, or worse: keep nothing
            store.drop(token, job)
            raise
        job.paa = tuple(dict.fromkeys(p for p in re.split(r"[\s,;]+", up.fields.get("paa") or "") if p))[:20]
        job.kind, job.files = C.ROSTER, [{"path": str(f.path), "name": f.name, "kind": C.ROSTER} for f in up.files]
        job.owner, job.typed = token_hash(cookie), {"firm_name": scope.firm_name}
        try:
            seen = await store.working(token, job, run("inspect", files=job.files, kind=C.ROSTER,
                                                       limits=config.limits(), typed=job.typed))
        except (Busy, TimedOut, WorkerFailed) as exc:
            return failed(request, exc)
        if "error" in seen:
            store.drop(token, job)
            log.info("roster refused")
            return message(request, "Your roster could not be read", seen["error"], 422, again=False)
        job.inspected = without_firm(seen)
        if (up.fields.get("mapping") or "").strip().lower() == "auto" \
                and not any(f["missing"] for f in job.inspected["files"]):
            return await audit(request, token, job, scope, recorded, {})
        store.put(token, job)
        return mapping(request, token, job, cookie)

    async def confirm(request: Request) -> Response:
        cookie = request.cookies.get(COOKIE)
        if not portal.same_site(request.headers.get("origin")):
            return not_here(request)
        store: Jobs = request.app.state.jobs
        token = request.path_params["token"]
        job = store.take(token)
        if job is not None and (not cookie or job.inspected is None or job.owner != token_hash(cookie)):
            store.restore(token, job)   # another session's roster, or a download link: left as it was
            job = None
        if job is None:
            return message(request, "This upload is gone", f"An upload is deleted after {config.keep_words} or "
                           "when you leave your firm's page. Please upload your roster again.", 404, again=False)
        try:
            chosen = await read_confirm(request, config.max_confirm_bytes)
        except UploadRefused as exc:
            store.drop(None, job)
            log.info("roster confirm refused (%s)", exc.status)
            return message(request, "The upload was refused", str(exc), exc.status, again=False)
        except BaseException:   # the client went away mid-form, or worse: keep nothing
            store.drop(None, job)
            raise
        scope, recorded = await run_in_threadpool(_scope_and_files, portal, cookie)
        if scope is None:
            store.drop(None, job)
            return ended(request)
        if not hmac.compare_digest(chosen.get("csrf", ""), portal.roster_csrf(cookie)):
            store.restore(token, job)
            return too_old(request)
        assert job.inspected is not None and cookie   # turned away above otherwise
        maps, problems = header_maps(job.files, job.inspected, chosen, job.typed)
        if problems:
            store.put(token, job)
            return mapping(request, token, job, cookie, 422, problems=problems, chosen=chosen)
        return await audit(request, token, job, scope, recorded, maps)

    async def audit(request: Request, token: str, job: Job, scope, recorded, maps: dict) -> Response:
        store: Jobs = request.app.state.jobs
        job.report = job.folder / "report.xlsx"
        try:
            out = await store.working(token, job, run(
                "audit_roster", files=job.files, firm=scope.firm_name, key=scope.firm_key,
                court=[dataclasses.asdict(c) for c in recorded], as_of=scope.as_of.isoformat(),
                court_id=_court_id(scope.scope), report=str(job.report), limits=config.limits(),
                paa=job.paa, header_maps=maps))
        except (Busy, TimedOut, WorkerFailed) as exc:
            return failed(request, exc)
        for f in job.files:   # the roster is not kept once the workbook exists
            Path(f["path"]).unlink(missing_ok=True)
        job.files, job.inspected = [], None
        if "error" in out:
            store.drop(token, job)
            log.info("roster refused")
            return message(request, "Your roster could not be read", out["error"], 422, again=False)
        job.report_name = f"nextgen-roster-check-{scope.as_of.isoformat()}.xlsx"
        download = store.rekey(token, job)
        log.info("roster audited: %d findings shown", len(out["result"]["findings"]))
        return page(request, "portal_roster.html", scope=scope, r=out["result"], download=download)

    return [Route("/firm/roster", upload, methods=["POST"]),
            Route("/firm/roster/{token}/confirm", confirm, methods=["POST"])]
