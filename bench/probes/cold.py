"""One cold start in this fresh interpreter; prints `RESULT <json>` and exits at once.

    python cold.py function <module> <provider,...> <lazy.module,...>
    python cold.py api-floor
    python cold.py authorizer-floor

Nothing but `sys` and `time` is imported before the measured steps, so that no module the
function needs is loaded ahead of it. The process ends with `os._exit`, as a Lambda sandbox
is never torn down during init.
"""

import sys
import time


def function(module: str, providers: str, lazy: str) -> dict:
    started = time.perf_counter()
    __import__(module)
    imported = time.perf_counter()

    container = sys.modules["adapters.aws_lambda.container"].container
    container.settings()
    configured = time.perf_counter()

    for name in filter(None, providers.split(",")):
        getattr(container, name)()
    for name in filter(None, lazy.split(",")):
        __import__(name)
    # The request models whose schema build is deferred are built by the first invocation:
    # those the handler module names (its body, or the query it validates), but `NoBody`,
    # which the frame validates with only when a body that is no JSON object is sent.
    for name, value in vars(sys.modules[module]).items():
        if name != "NoBody" and getattr(value, "__pydantic_complete__", True) is False:
            value.model_rebuild()
    resolved = time.perf_counter()
    return {
        "import": imported - started,
        "settings": configured - imported,
        "services": resolved - configured,
    }


def api_floor() -> dict:
    """boto3, pydantic, PyJWT and dependency-injector imported, and one client made."""
    started = time.perf_counter()
    import boto3
    import jwt  # noqa: F401
    from dependency_injector import containers, providers  # noqa: F401
    from pydantic import BaseModel, ValidationError  # noqa: F401

    imported = time.perf_counter()
    boto3.client("dynamodb")
    made = time.perf_counter()
    return {"import": imported - started, "client": made - imported}


def authorizer_floor() -> dict:
    """PyJWT, a dependency-injector container and one SSM GetParameters call."""
    import os

    started = time.perf_counter()
    import jwt  # noqa: F401
    from dependency_injector import containers, providers

    imported = time.perf_counter()

    def ssm_client():
        import boto3

        return boto3.client("ssm")

    class Root(containers.DeclarativeContainer):
        ssm = providers.Singleton(ssm_client)

    root = Root()
    client = root.ssm()
    made = time.perf_counter()

    names = [os.environ["CAPABILITY_SECRET_PARAMETER"], os.environ["API_KEY_PARAMETER"]]
    client.get_parameters(Names=names, WithDecryption=True)
    read = time.perf_counter()
    return {"import": imported - started, "container": made - imported, "ssm": read - made}


def main() -> None:
    kind = sys.argv[1]
    if kind == "function":
        phases = function(*sys.argv[2:5])
    elif kind == "api-floor":
        phases = api_floor()
    else:
        phases = authorizer_floor()

    import json
    import os

    with open("/proc/self/status") as status:  # VmHWM: this image's peak, not the parent's
        peak = next(line for line in status if line.startswith("VmHWM:"))
    phases["maxrss_kb"] = int(peak.split()[1])
    sys.stdout.write("RESULT " + json.dumps(phases) + "\n")
    sys.stdout.flush()
    os._exit(0)


main()
