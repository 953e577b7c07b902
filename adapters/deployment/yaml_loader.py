"""A YAML loader for Serverless and CloudFormation files.

It is PyYAML's safe loader plus CloudFormation's short tags: `!Ref X` becomes
`{"Ref": "X"}`, `!GetAtt A.B` becomes `{"Fn::GetAtt": ["A", "B"]}`, and any other tag `!Name`
becomes `{"Fn::Name": value}`, so the document is plain data whatever tags it uses.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

_PLAIN_TAGS = {"Ref": "Ref", "Condition": "Condition"}


class CloudFormationLoader(yaml.SafeLoader):  # type: ignore[misc]
    """A safe loader that turns every unknown tag into a one-key mapping."""


def _node_value(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node, deep=True)
    raise yaml.constructor.ConstructorError(None, None, f"unexpected node {node!r}")


def _tagged(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    value = _node_value(loader, node)
    if suffix == "GetAtt" and isinstance(value, str):
        resource, _, attribute = value.partition(".")
        value = [resource, attribute]
    return {_PLAIN_TAGS.get(suffix, f"Fn::{suffix}"): value}


CloudFormationLoader.add_multi_constructor("!", _tagged)


def load_yaml(text: str) -> Any:
    """Parse YAML text with CloudFormation tags as plain data."""
    return yaml.load(text, Loader=CloudFormationLoader)


def load_yaml_file(path: Path) -> Any:
    """Parse a YAML file with CloudFormation tags as plain data."""
    return load_yaml(path.read_text(encoding="utf-8"))
