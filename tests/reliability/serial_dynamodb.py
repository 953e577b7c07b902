"""A moto server in a process of its own, applying one request at a time (as DynamoDB applies
a conditional write atomically): the DynamoDB of the reliability gateway, which the tests
scan directly to prove that a refused request left no trace.

Run as `python -m tests.reliability.serial_dynamodb`; prints its URL, stops on SIGTERM.
"""

from __future__ import annotations

import signal
import threading

from tests.integration.conftest import SerialMotoServer

READY = "dynamodb listening on "


def main() -> None:
    server = SerialMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    print(f"{READY}http://{host}:{port}", flush=True)
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


if __name__ == "__main__":
    main()
