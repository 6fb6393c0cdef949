"""Render the OpenAPI document as Markdown: ``python -m rpymostat.engine.apidoc > docs/api.md``.

A unit test fails when docs/api.md is not what this renders, so the reference stays true.
"""

import json
from typing import Any

from . import openapi

_METHODS = ("get", "put", "post", "patch", "delete")


def _schema_name(content: dict[str, Any] | None) -> str:
    if not content:
        return ""
    schema = next(iter(content.values())).get("schema", {})
    ref = schema.get("$ref", "")
    return f"[`{ref.rsplit('/', 1)[-1]}`](#{ref.rsplit('/', 1)[-1].lower()})" if ref else ""


def _operation(path: str, method: str, op: dict[str, Any]) -> list[str]:
    auth = "site token" if op.get("security", [{}]) else "none (open on the LAN)"
    summary = op.get("summary", "")
    lines = [f"### `{method.upper()} {path}`", "", summary[:1].upper() + summary[1:] + ".", ""]
    if op.get("description"):
        lines += [op["description"], ""]
    lines += [f"- Authorization: {auth}"]
    for param in op.get("parameters", []):
        lines.append(f"- Query `{param['name']}`: {param.get('description', '')}".rstrip(": "))
    body = op.get("requestBody", {}).get("content")
    if body:
        lines.append(f"- Request body: {_schema_name(body)}")
    lines += ["", "| status | meaning | body |", "| --- | --- | --- |"]
    for code, response in op.get("responses", {}).items():
        lines.append(f"| {code} | {response.get('description', '')} |"
                     f" {_schema_name(response.get('content'))} |")
    return [*lines, ""]


def render(document: dict[str, Any]) -> str:
    """The whole reference as Markdown."""
    info = document["info"]
    lines = [f"# {info['title']}", "",
             "Generated from `GET /v1/openapi.json` by `make docs`; do not edit by hand.", "",
             info.get("description", ""), "", "## Routes", ""]
    for path, item in document["paths"].items():
        for method in _METHODS:
            if method in item:
                lines += _operation(path, method, item[method])
    lines += ["## Schemas", ""]
    for name, schema in document.get("components", {}).get("schemas", {}).items():
        lines += [f"### {name}", "", "```json", json.dumps(schema, indent=2, ensure_ascii=False),
                  "```", ""]
    return "\n".join(lines)


def main() -> None:
    """Print the reference for the installed engine version (version-independent text)."""
    print(render(openapi.openapi_document("v1")), end="")


if __name__ == "__main__":
    main()
