"""The firm upload page: ``auditor serve``.

A small Starlette application (Jinja2 templates, served by uvicorn) over the
same Python API as the command line.  Uploads are untrusted: limits are
enforced while the body streams in, files live only in a private temporary
folder under names the server chose, audits run in a bounded pool of worker
processes with a time limit each, and a report is downloaded once.
"""
