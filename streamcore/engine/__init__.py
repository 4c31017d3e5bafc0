"""The engine of frames: what a stream is, independent of any app or transport.

``frames`` (a frame and its pixels), ``clock`` (injectable time), ``slots`` (the
latest-wins slot between a transport and a fn), ``operators`` (async generators over
frames: throttle, stop_when), ``functions`` (running a user fn of any kind off the loop),
``session`` (one stream's pump and its statistics, ``stats``) and ``_from_thread`` (the
backend's own way back into the event loop).
"""
