"""Images as bytes and files: ``encoding`` (JPEG/PNG/WebP, base64 and data URLs),
``convert`` (any numeric array to uint8 pixels), ``files`` (guarded paths and URLs, the
content-addressed cache), ``image_data`` (Gradio's FileData of an image), ``watermark`` and
``options`` (the Image component's option dataclasses).
"""
