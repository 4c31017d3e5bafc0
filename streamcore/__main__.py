"""``python -m streamcore``: the command line (``serve``), see :mod:`transports.cli`.

An edge of the package, like ``Blocks.launch()``: ``import streamcore`` never loads it.
"""

from transports.cli import main

raise SystemExit(main())
