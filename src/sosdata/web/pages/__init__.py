"""Page routers: each module has a ``router`` that ``app.create_app`` includes."""
