"""The deployment's functions and what each one resolves on its first invocation.

What a handler asks the container for is read from its source (and from the helper modules
of adapters/aws_lambda it imports), so a new function or a changed handler is measured as
it is, with no list here to keep in step.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bench.paths import LAMBDA_CODE

_CONTAINER_CALL = re.compile(r"\bcontainer\.(\w+)\(\)")
_HELPER_IMPORT = re.compile(r"^from adapters\.aws_lambda\.(\w+) import", re.MULTILINE)
_DEFERRED_IMPORT = re.compile(r"^[ \t]+from ([\w.]+) import", re.MULTILINE)


@dataclass(frozen=True)
class Function:
    """A deployed function: its name, its handler module, and its kind."""

    name: str
    module: str
    kind: str  # "api", "authorizer", "stream" or "schedule"
    providers: tuple[str, ...]
    deferred: tuple[str, ...]

    @property
    def is_api(self) -> bool:
        return self.kind == "api"


def first_use(module: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The container providers a handler module resolves, and the modules it imports late."""
    name = module.rsplit(".", 1)[1]
    source = (LAMBDA_CODE / f"{name}.py").read_text()
    providers = ["settings", *_CONTAINER_CALL.findall(source)]
    for helper in _HELPER_IMPORT.findall(source):
        path = LAMBDA_CODE / f"{helper}.py"
        if helper != "container" and path.exists():
            providers += _CONTAINER_CALL.findall(path.read_text())
    deferred = _DEFERRED_IMPORT.findall(source)
    return tuple(dict.fromkeys(providers)), tuple(dict.fromkeys(deferred))


def deployed_functions(stage: str = "prod") -> list[Function]:
    """Every function of deploy/serverless.yml, in its order there."""
    from adapters.deployment.spec import load_spec

    spec = load_spec(stage=stage)
    authorizers = {event.authorizer.name for _, event in spec.routes if event.authorizer}
    functions = []
    for name, declared in spec.functions.items():
        module = declared.handler.rsplit(".", 1)[0].replace("/", ".")
        if declared.http:
            kind = "api"
        elif name in authorizers:
            kind = "authorizer"
        elif declared.streams:
            kind = "stream"
        else:
            kind = "schedule"
        providers, deferred = first_use(module)
        functions.append(Function(name, module, kind, providers, deferred))
    return functions
