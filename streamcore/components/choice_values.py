"""The choice and text components Gradio apps use next to ``Image``: ``Dropdown``,
``Radio``, ``Checkbox``, ``CheckboxGroup``, ``ColorPicker``, ``HTML``, ``Code``,
``HighlightedText`` and ``DuplicateButton``.

As the simple value components (:mod:`streamcore.components.values`), each takes Gradio
6's constructor parameters and defaults and sends the same client-side value format; a
client value that cannot be used raises :class:`~streamcore.errors.InvalidInputError`
whose message starts with the component's kind, and a fn value that cannot be shown a
``ValueError`` naming it. Each lives in a module of its own; this one gathers them.
"""

from .checkbox import Checkbox, CheckboxGroup
from .code import CODE_LANGUAGES, Code
from .color import ColorPicker
from .dropdown import Dropdown
from .duplicate_button import DuplicateButton
from .highlighted_text import HighlightedText
from .html import HTML
from .radio import Radio

__all__ = [
    "CODE_LANGUAGES",
    "HTML",
    "Checkbox",
    "CheckboxGroup",
    "Code",
    "ColorPicker",
    "Dropdown",
    "DuplicateButton",
    "HighlightedText",
    "Radio",
]
