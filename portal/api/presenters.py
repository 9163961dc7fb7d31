"""The OpenAPI description shaped for the reference page (templates stay free of logic)."""

from __future__ import annotations

from typing import Any


def _resolve(spec: dict, schema: dict) -> dict:
    ref = schema.get("$ref")
    if ref:
        return spec["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    return schema


def _type(spec: dict, schema: dict) -> str:
    schema = schema or {}
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    kind = schema.get("type", "")
    kind = ", ".join(kind) if isinstance(kind, list) else kind
    if kind == "array":
        return f"list of {_type(spec, schema.get('items', {}))}"
    if "enum" in schema:
        return f"one of {', '.join(str(v) for v in schema['enum'] if v is not None)}"
    extra = schema.get("format") or schema.get("pattern")
    return f"{kind} ({extra})" if extra else kind


def _fields(spec: dict, schema: dict | None) -> list[dict[str, Any]]:
    if not schema:
        return []
    schema = _resolve(spec, schema)
    required = set(schema.get("required", []))
    return [{"name": name, "type": _type(spec, prop), "required": name in required,
             "description": prop.get("description", "")}
            for name, prop in schema.get("properties", {}).items()]


def reference_operations(spec: dict) -> list[dict[str, Any]]:
    """Every operation: method, path, summary, parameters, body fields and responses."""
    operations = []
    for path, methods in spec["paths"].items():
        for method, op in methods.items():
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {})
            ok = next((r for status, r in op["responses"].items() if status.startswith("2")),
                      {})
            result = ok.get("content", {}).get("application/json", {}).get("schema")
            operations.append({
                "id": op["operationId"], "method": method.upper(), "path": f"/api/v1{path}",
                "summary": op["summary"],
                "parameters": [{"name": p["name"], "in": p["in"], "required": p.get(
                    "required", False), "type": _type(spec, p.get("schema", {})),
                    "description": p.get("description", "")} for p in op["parameters"]],
                "body": _fields(spec, body.get("schema")),
                "result": _type(spec, result or {}) if result else "",
                "statuses": sorted(op["responses"]),
            })
    return operations
