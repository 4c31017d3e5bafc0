"""``gr.mount_gradio_app(app, demo, path="/x")``: an app inside an existing web application.

As Gradio's function: ``app`` is a FastAPI or Starlette application; the demo's whole
server (page, assets, ``/config``, files, the WebSocket and, through it, WebRTC) is
mounted at ``path``, and ``app`` is returned. The page builds every URL from its own
location, so it works under the prefix and behind a proxy that adds another one.
The demo's sessions run on ``app``'s event loop, under whatever server runs ``app``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from starlette.applications import Starlette

from streamcore.app.runtime import App

from .auth import AuthDependency, Credentials
from .server import Server, ServerOptions

__all__ = ["mount_gradio_app"]

_NOT_SUPPORTED = (
    "favicon_path",
    "ssr_mode",
    "node_server_name",
    "node_port",
    "pwa",
    "i18n",
    "mcp_server",
    "theme",
    "css",
    "css_paths",
    "js",
    "head",
    "head_paths",
)
"""Gradio parameters of ``mount_gradio_app`` that have no counterpart here."""


def mount_gradio_app(
    app: Starlette,
    blocks: App,
    path: str,
    server_name: str = "0.0.0.0",
    server_port: int = 7860,
    show_api: bool | None = None,
    app_kwargs: dict[str, Any] | None = None,
    *,
    auth: Credentials | None = None,
    auth_message: str | None = None,
    auth_dependency: AuthDependency | None = None,
    root_path: str | None = None,
    allowed_paths: Sequence[str | Path] | None = None,
    blocked_paths: Sequence[str | Path] | None = None,
    show_error: bool = True,
    enable_monitoring: bool | None = None,
    **options: Any,
) -> Starlette:
    """Mount ``blocks`` into ``app`` at ``path`` (``"/x"``; ``"/"`` or ``""`` for the root)
    and return ``app``.

    ``show_error`` is :attr:`~transports.server.ServerOptions.show_error` (on by default
    here, as Gradio's); ``show_api=False`` hides the page's "Use via API" link.
    ``server_name``, ``server_port``, ``app_kwargs``, ``root_path`` and
    ``enable_monitoring`` are accepted for Gradio's signature and have no effect here
    (``app``'s own server listens, the page needs no absolute URL). The auth keywords are
    :func:`transports.server.launch`'s; other keywords are
    :class:`~transports.server.ServerOptions`. The ``Host`` check is off unless
    ``allowed_hosts`` is given: the application mounted into owns its Host policy (e.g.
    Starlette's ``TrustedHostMiddleware``). Gradio's theming and front-end keywords
    (``theme``, ``css``, ``ssr_mode``, ...) raise ``TypeError``: streamcore has none.
    """
    unsupported = sorted(name for name in _NOT_SUPPORTED if options.get(name) is not None)
    if unsupported:
        raise TypeError(
            f"mount_gradio_app({', '.join(unsupported)}=...) is not supported by streamcore "
            "(it has no themes, custom CSS/JS, SSR, PWA, i18n or MCP server)"
        )
    for name in _NOT_SUPPORTED:
        options.pop(name, None)
    options.setdefault("allowed_hosts", ("*",))  # app's own deployment decides on Hosts
    server = Server(
        blocks,
        ServerOptions(
            auth=auth,
            auth_message=auth_message,
            auth_dependency=auth_dependency,
            allowed_paths=tuple(allowed_paths or ()),
            blocked_paths=tuple(blocked_paths or ()),
            show_error=show_error,
            show_api=show_api is not False,
            **options,
        ),
    )
    app.mount("/" + path.strip("/") if path.strip("/") else "", server.app)
    return app
