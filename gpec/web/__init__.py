"""``gpec serve``: the planner's what-if page and its API (FastAPI, uvicorn); no model logic here, only
calls of gpec's API (:mod:`gpec.web.app` lists the routes)."""

from gpec.web.app import create_app

__all__ = ["create_app"]
