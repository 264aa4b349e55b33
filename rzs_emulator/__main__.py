"""`python -m rzs_emulator --port 5050 --data DIR --config FILE [--host 127.0.0.1] [faults]`

Serves every producer of the configuration at http://HOST:PORT/<code> with a threaded werkzeug
server. `--port 0` takes a free port; the first line on stdout is always
`rzs_emulator: serving http://HOST:PORT (<codes>)` once the socket listens. SIGTERM or Ctrl-C
stops it (a request being processed is either committed whole or not at all).
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys

from werkzeug.serving import make_server

from rzs_emulator.config import ConfigError, load_config
from rzs_emulator.faults import LOSE_REPLY_MODES, FaultError, FaultSettings
from rzs_emulator.web import create_app


def share(value: str) -> float:
    number = float(value)
    if not 0.0 <= number <= 1.0:
        raise argparse.ArgumentTypeError(f"a share from 0 to 1, not {value}")
    return number


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m rzs_emulator",
        description="The reference RZS registry (rzs-api.md) for several producers at once.",
    )
    p.add_argument("--port", type=int, default=5050, help="TCP port (0: a free one); 5050")
    p.add_argument("--host", default="127.0.0.1", help="address to bind; 127.0.0.1")
    p.add_argument("--data", required=True, help="directory of the registry's SQLite file")
    p.add_argument("--config", required=True, help="the producers' JSON (rzs-api.md)")
    p.add_argument("--quiet", action="store_true", help="no access log")
    p.add_argument("--no-admin", action="store_true", help="switch off /_admin (tests' API)")
    f = p.add_argument_group(
        "faults", "on the protocol requests (POST /<code>/ping and /<code>/events); "
        "POST /_admin/faults replaces them at run time")
    f.add_argument("--latency-ms", type=int, default=0, metavar="N",
                   help="added to every protocol request")
    f.add_argument("--fail-share", type=share, default=0.0, metavar="F",
                   help="that share of /events requests answers 500 `Błąd: Awaria rejestru` "
                        "and stores nothing")
    f.add_argument("--throttle", "--throttle-burst", type=int, default=0, metavar="N",
                   help="the first N of every --throttle-every M protocol requests answer 429 "
                        "with Retry-After")
    f.add_argument("--throttle-every", type=int, default=10, metavar="M",
                   help="the window of --throttle; 10")
    f.add_argument("--retry-after", type=int, default=1, metavar="S",
                   help="Retry-After of a 429, seconds; 1")
    f.add_argument("--retry-after-date", action="store_true",
                   help="send Retry-After as an HTTP date (RFC 9110) instead of seconds")
    f.add_argument("--hang-share", type=share, default=0.0, metavar="F",
                   help="that share of protocol requests sleeps --hang-seconds first, then is "
                        "handled as usual")
    f.add_argument("--hang-seconds", type=float, default=35.0, metavar="S",
                   help="35: past the client's 30 s read limit")
    f.add_argument("--lose-reply-share", type=share, default=0.0, metavar="F",
                   help="that share of processed /events requests is stored, then the reply "
                        "is lost")
    f.add_argument("--lose-reply-mode", choices=LOSE_REPLY_MODES, default="close",
                   help="close: the connection is shut without a reply (httpx: "
                        "RemoteProtocolError); 502: a gateway's 502; close")
    f.add_argument("--seed", type=int, default=None, metavar="N",
                   help="seed the fault draws: the same faults on every run")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        config = load_config(args.config)
        faults = FaultSettings(
            latency_ms=args.latency_ms, fail_share=args.fail_share, throttle=args.throttle,
            throttle_every=args.throttle_every, retry_after=args.retry_after,
            retry_after_date=args.retry_after_date,
            hang_share=args.hang_share, hang_seconds=args.hang_seconds,
            lose_reply_share=args.lose_reply_share, lose_reply_mode=args.lose_reply_mode,
            seed=args.seed,
        )
    except (ConfigError, FaultError) as exc:
        print(f"rzs_emulator: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if args.quiet:
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
    app = create_app(config, args.data, faults=faults, admin=not args.no_admin)
    server = make_server(args.host, args.port, app, threaded=True)
    server.daemon_threads = True
    host, port = server.server_address[:2]
    shown = f"[{host}]" if ":" in host else host
    codes = ", ".join(p.code for p in config.producers)
    print(f"rzs_emulator: serving http://{shown}:{port} ({codes})", flush=True)

    def stop(signum, _frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        app.extensions["rzs_emulator"].store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
