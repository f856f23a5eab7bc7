"""The web portal and the JSON API: FastAPI, pages rendered on the server, htmx as enhancement."""

from sosdata.web.app import create_app

__all__ = ["create_app"]
