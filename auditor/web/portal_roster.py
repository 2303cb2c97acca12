"""The firm's roster upload on its portal page (``POST /firm/roster``).

A firm with a session uploads its current roster; a worker audits it with the court's export and PACER
list of the run the firm's link belongs to (``auditor.portal.roster``), under the upload page's limits
(sizes, files, uploads held, the worker's time and memory).  The page shows the firm's own findings and
offers its workbook once, as the upload page offers a report.  Nothing is recorded in the history.
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

from auditor.portal.roster import court_files
from auditor.portal.routes import COOKIE, Portal
from auditor.portal.sessions import find_session
from auditor.web.config import WebConfig
from auditor.web.jobs import Jobs
from auditor.web.pool import Busy, TimedOut, WorkerFailed
from auditor.web.upload import UploadRefused, read_upload

log = logging.getLogger("auditor.web")   # counts and outcomes only: never a name from a file


def _scope_and_files(portal: Portal, cookie: str | None):
    with portal.store().engine.connect() as conn:
        scope = find_session(conn, cookie)
        return (scope, court_files(conn, scope.run_id)) if scope is not None else (None, [])


def _court_id(scope: str) -> str | None:
    """The court of a run's scope ("courts:ncmb"), for an export that had no Court column."""
    courts = scope.split(":", 1)[1].split(",") if scope.startswith("courts:") else []
    return courts[0] if len(courts) == 1 else None


def roster_routes(portal: Portal, config: WebConfig, page, message, run, failed) -> list[Route]:
    """``run(name, **kwargs)`` runs a worker task, ``failed(request, exc)`` answers a busy, timed out or
    failed worker (as the upload page does)."""

    def ended(request: Request) -> Response:
        return message(request, "Please open your link again",
                       "Your session has ended (sessions last 8 hours, and end when the court records its next "
                       "monthly audit). Open the link from the court's message again.", 401, again=False)

    async def upload(request: Request) -> Response:
        cookie = request.cookies.get(COOKIE)
        if not portal.same_site(request.headers.get("origin")):
            return message(request, "Not here", "There is no such page.", 403, again=False)
        scope, recorded = await run_in_threadpool(_scope_and_files, portal, cookie)
        if scope is None:
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
        paa = tuple(dict.fromkeys(p for p in re.split(r"[\s,;]+", up.fields.get("paa") or "") if p))[:20]
        job.kind, job.files = "roster", [{"path": str(f.path), "name": f.name, "kind": "roster"} for f in up.files]
        job.report = job.folder / "report.xlsx"
        job.busy = True
        try:
            out = await run("audit_roster", files=job.files, firm=scope.firm_name, key=scope.firm_key,
                            court=[dataclasses.asdict(c) for c in recorded], as_of=scope.as_of.isoformat(),
                            court_id=_court_id(scope.scope), report=str(job.report), limits=config.limits(),
                            paa=paa)
        except (Busy, TimedOut, WorkerFailed) as exc:
            store.drop(token, job)
            return failed(request, exc)
        except BaseException:
            store.drop(token, job)
            raise
        finally:
            job.busy = False
        for f in job.files:   # the roster is not kept once the workbook exists
            Path(f["path"]).unlink(missing_ok=True)
        job.files = []
        if "error" in out:
            store.drop(token, job)
            log.info("roster refused")
            return message(request, "Your roster could not be read", out["error"], 422, again=False)
        job.report_name = f"nextgen-roster-check-{scope.as_of.isoformat()}.xlsx"
        download = store.rekey(token, job)
        log.info("roster audited: %d findings shown", len(out["result"]["findings"]))
        return page(request, "portal_roster.html", scope=scope, r=out["result"], download=download)

    return [Route("/firm/roster", upload, methods=["POST"])]
