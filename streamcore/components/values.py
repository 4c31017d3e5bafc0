"""The simple value components Gradio apps use next to ``Image``: ``Slider``, ``Number``,
``Textbox``, ``Label``, ``State``, ``JSON``, ``Markdown``, ``Button`` and ``Timer``.

Each takes Gradio 6's constructor parameters with Gradio 6's defaults and sends the same
client-side value format. Where Gradio trusts the client, these check: a value a client
sent that cannot be used raises :class:`~streamcore.errors.InvalidInputError` whose message
starts with the component's kind (``"Slider: ..."``) and says what was wrong. A value a fn
returned that cannot be shown raises ``ValueError`` naming the component and the type.
Each lives in a module of its own; this one gathers them.
"""

from ._common import BUTTON_SIZES, BUTTON_VARIANTS, TEXTBOX_TYPES
from .controls import Button, Timer
from .json_value import JSON
from .label import Label
from .markdown import Markdown
from .numeric import Number, Slider
from .state import State
from .text import Textbox

__all__ = [
    "BUTTON_SIZES",
    "BUTTON_VARIANTS",
    "JSON",
    "TEXTBOX_TYPES",
    "Button",
    "Label",
    "Markdown",
    "Number",
    "Slider",
    "State",
    "Textbox",
    "Timer",
]
