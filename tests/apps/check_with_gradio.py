"""Check every app of the corpus and its CALLS against real Gradio (6.31): each app is
imported with its ``import streamcore as gr`` line swapped for ``import gradio as gr``,
launched on a free loopback port and called with ``gradio_client``.

Run it with a Python that has gradio installed (never the project's venv), from the
repository's root::

    ~/.cache/streamcore-bench/peers/gradio/bin/python tests/apps/check_with_gradio.py [app ...]

It prints one line per app (``ok`` or ``FAIL`` and why) and exits 1 if any failed.
"""

from __future__ import annotations

import os
import sys
import tempfile
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from harness import app_names, fetch_config, load_app, run_calls, serving


def check(name: str, downloads: Path) -> str | None:
    """None if the app runs and every call holds under Gradio, else why not."""
    try:
        module = load_app(name, gradio=True)
        with serving(module.demo) as url:
            if "layout" not in fetch_config(url):
                return "/config has no layout"
            run_calls(url, module.CALLS, downloads / name)
    except Exception as error:  # report every app, whatever went wrong
        last = traceback.extract_tb(error.__traceback__)[-1]
        return f"{type(error).__name__}: {error} ({Path(last.filename).name}:{last.lineno})"
    return None


def main(names: list[str]) -> int:
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    import gradio

    print(f"gradio {gradio.__version__}")
    failed = 0
    with tempfile.TemporaryDirectory() as folder:
        for name in names or app_names():
            reason = check(name, Path(folder))
            failed += reason is not None
            print(
                f"{'ok  ' if reason is None else 'FAIL'} {name}" + (f": {reason}" if reason else "")
            )
    print(f"{len(names or app_names()) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
