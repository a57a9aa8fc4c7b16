"""Reading the served OpenAPI 3.0 schema as JSON Schema, to check bodies against it."""

from typing import Any

from jsonschema import Draft202012Validator


def as_json_schema(node: Any) -> Any:
    """OpenAPI 3.0's `nullable: true` as JSON Schema's null type; refs point into $defs."""
    if isinstance(node, list):
        return [as_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {key: as_json_schema(value) for key, value in node.items() if key != "nullable"}
    if isinstance(converted.get("$ref"), str):
        converted["$ref"] = converted["$ref"].replace("#/components/schemas/", "#/$defs/")
    if node.get("nullable"):
        return {"anyOf": [converted, {"type": "null"}]}
    return converted


def validator(schema: dict[str, Any], component: str) -> Draft202012Validator:
    definitions = as_json_schema(schema["components"]["schemas"])
    root = {"$ref": f"#/$defs/{component}", "$defs": definitions}
    return Draft202012Validator(root, format_checker=Draft202012Validator.FORMAT_CHECKER)
