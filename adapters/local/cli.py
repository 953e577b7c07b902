"""`market-api`: the local gateway (`serve`) and ID tokens of its identity provider (`id-token`)."""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

DEFAULT_STATE_DIR = Path(".local")


def main(argv: Sequence[str] | None = None) -> int:
    """The console script."""
    arguments = _parser().parse_args(argv)
    if arguments.command == "id-token":
        return _id_token(arguments)
    return _serve(arguments)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="market-api", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the API locally, built from serverless.yml")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=3000, help="0 picks a free port")
    serve.add_argument("--stage", default="dev", help="the stage of serverless.yml's params")
    serve.add_argument("--region", default="us-east-1")
    serve.add_argument("--config", type=Path, help="the serverless.yml (default: deploy/)")
    serve.add_argument(
        "--state-dir",
        type=Path,
        default=DEFAULT_STATE_DIR,
        help="the identity key, function logs and stream failures (default: .local)",
    )
    backend = serve.add_mutually_exclusive_group()
    backend.add_argument("--dynamodb-endpoint", metavar="URL", help="use this DynamoDB")
    backend.add_argument("--aws", action="store_true", help="real AWS, no moto at all")
    serve.add_argument(
        "--authorizer-ttl", type=float, metavar="SECONDS", help="instead of resultTtlInSeconds"
    )
    serve.add_argument("--throttle-rate", type=float, metavar="PER_SECOND", help="usage plan")
    serve.add_argument("--throttle-burst", type=int, metavar="REQUESTS", help="usage plan")
    serve.add_argument("--quota", type=int, metavar="REQUESTS", help="usage plan, per period")
    serve.add_argument(
        "--integration-timeout",
        type=float,
        default=29.0,
        metavar="SECONDS",
        help="answer 504 after this (API Gateway: 29)",
    )
    serve.add_argument(
        "--trust-request-id-header",
        action="store_true",
        help="use X-Local-Request-Id as the requestId (local testing only)",
    )
    serve.add_argument(
        "--test-controls",
        action="store_true",
        help="enable POST /_local/faults and POST /_local/usage-plan (local testing only)",
    )
    serve.add_argument("--no-reload", action="store_true", help="do not watch the source")
    serve.add_argument(
        "--reload-interval",
        type=float,
        default=0.25,
        metavar="SECONDS",
        help="look for changed source at most this often",
    )
    serve.add_argument("--no-schedules", action="store_true", help="run schedules on demand only")
    serve.add_argument("--no-streams", action="store_true", help="do not poll the streams")
    serve.add_argument(
        "--stream-poll-interval",
        type=float,
        default=0.25,
        metavar="SECONDS",
        help="how long an idle stream poller waits",
    )
    serve.add_argument(
        "--function-logs", action="store_true", help="echo the functions' JSON logs to stderr"
    )

    token = commands.add_parser("id-token", help="print an ID token of the local provider")
    token.add_argument("email")
    token.add_argument("--name", help="the name claim (default: the e-mail's local part)")
    token.add_argument(
        "--state-dir", type=Path, default=DEFAULT_STATE_DIR, help="as given to serve"
    )
    return parser


def _id_token(arguments: argparse.Namespace) -> int:
    from adapters.local.idp import id_token, load_provider

    provider = load_provider(arguments.state_dir)
    print(id_token(provider, arguments.email, arguments.name))
    return 0


def _serve(arguments: argparse.Namespace) -> int:
    from adapters.local.app import LocalGateway, ServeOptions
    from adapters.local.terminal import show_gateway_logs

    show_gateway_logs()
    options = ServeOptions(
        host=arguments.host,
        port=arguments.port,
        stage=arguments.stage,
        region=arguments.region,
        state_dir=arguments.state_dir,
        dynamodb_endpoint=arguments.dynamodb_endpoint,
        aws=arguments.aws,
        authorizer_ttl=arguments.authorizer_ttl,
        throttle_rate=arguments.throttle_rate,
        throttle_burst=arguments.throttle_burst,
        quota=arguments.quota,
        integration_timeout=arguments.integration_timeout,
        trust_request_id_header=arguments.trust_request_id_header,
        test_controls=arguments.test_controls,
        reload=not arguments.no_reload,
        reload_interval=arguments.reload_interval,
        schedules=not arguments.no_schedules,
        streams=not arguments.no_streams,
        stream_poll_interval=arguments.stream_poll_interval,
        function_logs=arguments.function_logs,
        **({"spec_path": arguments.config} if arguments.config else {}),
    )
    gateway = LocalGateway(options)
    gateway.start()
    print(f"market-api {options.stage} listening on {gateway.url}", flush=True)
    print(f"  docs {gateway.url}/docs  stats {gateway.url}/_local/stats", flush=True)

    def stop(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    try:
        gateway.wait()
    except KeyboardInterrupt:
        pass
    finally:
        gateway.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
