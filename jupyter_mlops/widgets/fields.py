"""Typed input widgets built from a notebook's parameters cell.

Numbers, text and booleans get their natural widget; lists, dicts and parameters whose
default is None are edited as JSON, checked as the user types. A parameter whose default the
notebook computes (`path = os.getcwd()`, type "any" unless annotated) starts empty, its source
shown, and is left to the notebook unless given a value (JSON when it reads as JSON, else the
text, as `-p` reads it). The values are handed to the service layer, which checks them against
the parameters cell once more, as for the CLI.
"""

from __future__ import annotations

import html
import json
from typing import Any

import ipywidgets as widgets

from ..errors import ParameterError
from ..pipeline.model import Parameter
from ..pipeline.parameters import check_value
from .feedback import Feedback

_JSON_TYPES = {"list": list, "dict": dict, "NoneType": object, "any": object}
_LAYOUT = {"width": "420px"}


def _scalar_widget(parameter: Parameter) -> widgets.ValueWidget:
    description = parameter.name
    style = {"description_width": "140px"}
    if parameter.type == "bool":
        return widgets.Checkbox(value=bool(parameter.default), description=description, style=style, indent=True)
    if parameter.type == "int":
        return widgets.IntText(value=parameter.default, description=description, style=style, layout=_LAYOUT)
    if parameter.type == "float":
        return widgets.FloatText(value=parameter.default, description=description, style=style, layout=_LAYOUT)
    return widgets.Text(value=parameter.default, description=description, style=style, layout=_LAYOUT)


class ParameterField(widgets.VBox):
    """One parameter: its widget, its type as a hint, and a JSON error when there is one."""

    def __init__(self, parameter: Parameter) -> None:
        self.parameter = parameter
        self.computed = parameter.source is not None
        self.is_json = parameter.type in _JSON_TYPES
        if self.computed:
            self.input = widgets.Text(value="", description=parameter.name, style={"description_width": "140px"},
                                      placeholder=f"notebook default: {parameter.source}", layout=_LAYOUT)
            self.input.observe(self._check, names="value")
        elif self.is_json:
            self.input = widgets.Textarea(value=json.dumps(parameter.default), description=parameter.name,
                                          placeholder="JSON", rows=1, style={"description_width": "140px"},
                                          layout=_LAYOUT)
            self.input.observe(self._check, names="value")
        else:
            self.input = _scalar_widget(parameter)
        self.problem = Feedback()
        hint = widgets.HTML(f'<span style="opacity: 0.7" title="{html.escape(parameter.source or "")}">'
                            f'{html.escape(parameter.type)}</span>')
        super().__init__([widgets.HBox([self.input, hint]), self.problem])

    def value(self) -> Any:
        """The typed value; a ParameterError naming the parameter when its JSON is not usable."""
        if self.computed:
            return self._given()
        if not self.is_json:
            return self.input.value
        try:
            value = json.loads(self.input.value)
        except json.JSONDecodeError as error:
            raise ParameterError(f"parameter {self.parameter.name!r} is not valid JSON: {error.msg} "
                                 f"(line {error.lineno}, column {error.colno})") from None
        expected = _JSON_TYPES[self.parameter.type]
        if not isinstance(value, expected):
            raise ParameterError(f"parameter {self.parameter.name!r} expects a JSON {self.parameter.type}, "
                                 f"got {type(value).__name__} {value!r}")
        return value

    def _given(self) -> Any:
        """A computed default's input: None when left empty, else JSON or the text, then its type checked."""
        text = self.input.value.strip()
        if not text:
            return None
        try:
            value = json.loads(text)
        except json.JSONDecodeError:
            value = self.input.value
        return check_value(self.parameter, value)

    def changed(self) -> bool:
        if self.computed:
            return bool(self.input.value.strip())
        value, default = self.value(), self.parameter.default
        return type(value) is not type(default) or value != default  # 1 == 1.0 == True, yet they differ here

    def _check(self, _change: dict) -> None:
        try:
            self.value()
        except ParameterError as error:
            self.problem.error(error)
        else:
            self.problem.clear()


class ParametersForm(widgets.VBox):
    """Every parameter of the notebook, as typed widgets."""

    def __init__(self, parameters: list[Parameter]) -> None:
        self.fields = {parameter.name: ParameterField(parameter) for parameter in parameters}
        empty = [widgets.HTML("<i>This notebook has no parameters cell.</i>")] if not parameters else []
        super().__init__([*self.fields.values(), *empty])

    def values(self) -> dict[str, Any]:
        """The values changed from the notebook's defaults, as `-p` gives them on the command line:
        what is left alone keeps following the notebook (a schedule picks up a new default)."""
        return {name: field.value() for name, field in self.fields.items() if field.changed()}
