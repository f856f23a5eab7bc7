"""``sosdata serve``: the web portal and API."""

from __future__ import annotations

import typer

from sosdata.cli.common import console, settings
from sosdata.config import Settings


def serve(
    ctx: typer.Context,
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", help="Port to listen on."),
    proxy_headers: bool = typer.Option(
        False, "--proxy-headers", help="Trust X-Forwarded-* from a reverse proxy on this host."
    ),
) -> None:
    """Serve the web portal and the JSON API (/api/v1) until interrupted."""
    serve_settings(settings(ctx), host=host, port=port, proxy_headers=proxy_headers)


def serve_settings(chosen: Settings, *, host: str, port: int, proxy_headers: bool = False) -> None:
    """Serve the register of ``chosen`` settings until interrupted."""
    import uvicorn

    from sosdata.web import create_app

    app = create_app(chosen)
    console.print(f"serving on http://{host}:{port}/ (Ctrl+C stops)")
    uvicorn.run(
        app,
        host=host,
        port=port,
        proxy_headers=proxy_headers,
        log_level="warning",
        server_header=False,
    )


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
