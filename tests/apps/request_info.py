"""A fn that takes a gr.Request to see who called it."""

from harness import Call

import streamcore as gr


def whoami(name, request: gr.Request):
    return (
        f"{name} from {request.client.host}",
        bool(request.session_hash),
        "host" in request.headers,
    )


demo = gr.Interface(whoami, gr.Textbox(label="Name"), ["text", "checkbox", "checkbox"])

CALLS = [Call("/whoami", ["Ada"], expect=("Ada from 127.0.0.1", True, True))]

if __name__ == "__main__":
    demo.launch()
