"""ASGI entry point: `uvicorn huanxin.web.main:app`."""

from huanxin.web.app import create_app

app = create_app()
