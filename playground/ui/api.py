"""How the endpoints look from outside — gradio_client's `view_api` and the MCP tools (`--mcp`)."""

from __future__ import annotations

from typing import Any

import gradio as gr

JSON_TYPES = ((bool, "boolean"), (int, "integer"), (float, "number"), (str, "string"))


def describe_api(demo: gr.Blocks) -> None:
    """Name each public endpoint's function after its api_name (MCP names a tool after its function, so two
    `generate`s would become `generate` and `generate_1`), and give choice inputs the JSON type of their
    values: Gradio declares every Dropdown/Radio/CheckboxGroup a string, so an MCP client's schema check
    refuses the integers our category, code and style pickers take."""
    for block_fn in demo.fns.values():
        if block_fn.fn is None or not block_fn.api_name or block_fn.api_visibility != "public":
            continue
        block_fn.fn.__name__ = block_fn.api_name
        for component in block_fn.inputs:
            values = [value for _, value in getattr(component, "choices", None) or []]
            if values and not all(isinstance(v, str) for v in values):
                component.api_info = _typed(component.api_info, _json_type(values))


def _json_type(values: list[Any]) -> str | list[str]:
    # bool before int (a bool is an int); one name when the values agree, else the list JSON Schema allows
    names = sorted({next(name for kind, name in JSON_TYPES if isinstance(v, kind)) for v in values})
    return names[0] if len(names) == 1 else names


def _typed(api_info: Any, json_type: str | list[str]) -> Any:
    def api_info_with_type() -> dict[str, Any]:
        info = api_info()
        (info["items"] if info.get("type") == "array" else info)["type"] = json_type
        return info

    return api_info_with_type
