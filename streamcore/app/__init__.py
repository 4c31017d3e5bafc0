"""The app model and its runtime: ``blocks`` (the app being built), ``interface``
(``gr.Interface``), ``scheduler`` (the queue and its concurrency groups), ``runtime`` (one
app's sessions and their jobs), ``event_values`` (a call's values both ways),
``stream_job`` (the per-frame path of a stream event) and ``testing`` (the in-process
client).
"""
