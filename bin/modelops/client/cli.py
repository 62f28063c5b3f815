"""The ``modelops`` console script: ``send-csv``, ``check-hec``, ``replay``."""

import argparse
import os
import sys

from .._version import __version__
from ..errors import ModelOpsError
from .telemetry.config import TelemetryConfig
from .telemetry.transport import HecClient


def _config(args) -> TelemetryConfig:
    config = TelemetryConfig.from_env()
    changes = {}
    if getattr(args, "hec_url", None):
        from .telemetry.config import collector_base

        changes["hec_url"] = collector_base(args.hec_url)
        changes["enabled"] = True
    if getattr(args, "hec_token", None):
        changes["hec_token"] = args.hec_token
    if getattr(args, "ca_bundle", None):
        changes["ca_bundle"] = args.ca_bundle
    if getattr(args, "spool_dir", None):
        changes["spool_dir"] = args.spool_dir
    if getattr(args, "ack", False):
        changes["use_ack"] = True
    return config.with_(**changes)


def _client(config) -> HecClient:
    if not config.hec_url or not config.hec_token:
        raise ModelOpsError("no HEC configured: set MODELOPS_HEC_URL and MODELOPS_HEC_TOKEN (or DSDL's "
                            "splunk_hec_url/splunk_hec_token), or pass --hec-url and --hec-token")
    if config.ca_bundle and not os.path.isfile(config.ca_bundle):
        raise ModelOpsError("the CA bundle %s does not exist (MODELOPS_CA_BUNDLE or --ca-bundle)" % config.ca_bundle)
    try:
        return HecClient(config.hec_url, config.hec_token, ca_bundle=config.ca_bundle, verify_tls=config.verify_tls,
                         timeout=config.timeout, use_ack=config.use_ack, ack_timeout=config.ack_timeout)
    except (ValueError, OSError) as error:  # a URL without scheme, an unreadable CA bundle
        raise ModelOpsError(str(error)) from None


def cmd_send_csv(args) -> int:
    from .csvsend import CsvSender

    if not os.path.isfile(args.file):
        raise ModelOpsError("no such file: %s" % args.file)
    sender = CsvSender(_client(_config(args)), args.file, index=args.index, sourcetype=args.sourcetype,
                       time_column=args.time_column, time_format=args.time_format, timezone_name=args.timezone,
                       delimiter=args.delimiter, decimal=args.decimal, host=args.host, source=args.source,
                       encoding=args.encoding, progress=not args.quiet, workers=args.workers)
    summary = sender.run(restart=args.restart)
    if summary["already_done"]:
        print("%s was already sent (%d rows); use --restart to send it again" % (args.file, summary["rows"]))
        return 0
    print("sent %d rows from %s to index=%s sourcetype=%s in %.1f s (times read in %s)"
          % (summary["rows"], args.file, args.index, args.sourcetype, summary["seconds"], args.timezone))
    if summary["rejected"]:
        print("%d rows were refused by HEC; see %s.modelops-rejected.jsonl" % (summary["rejected"], args.file))
        return 1
    return 0


def cmd_check_hec(args) -> int:
    config = _config(args)
    client = _client(config)
    ok, message = client.health()
    print(("ok    " if ok else "FAIL  ") + message)
    if not ok:
        return 1
    # An empty POST answers "No data" (400, code 5) for a valid token and 401/403 otherwise.
    status, payload = client.request("POST", "/services/collector/event", b"")
    code = payload.get("code")
    if status == 400 and code == 5:
        print("ok    the token is accepted")
    else:
        print("FAIL  the token is refused: HTTP %d %s" % (status, payload.get("text", "")))
        return 1
    if config.use_ack:
        print("info  indexer acknowledgement is on (MODELOPS_HEC_ACK)")
    return 0


def cmd_replay(args) -> int:
    from .telemetry.sender import Sender

    config = _config(args)
    _client(config)  # a clear sentence when HEC is not configured
    sender = Sender(config)
    before = sender.spool.count_events()
    delivered = sender.flush(args.timeout)
    left = sender.spool.count_events()
    sender.close(timeout=0.1)
    print("spool %s: %d events waiting, %d sent, %d still waiting, %d in the dead-letter file"
          % (config.spool_dir, before, before - left, left, len(sender.spool.dead_letters())))
    if sender.fatal:
        print("stopped: %s" % sender.fatal)
    return 0 if delivered else 1


def _add_hec_options(parser):
    parser.add_argument("--hec-url", help="HEC base URL, e.g. https://splunk:8088 (default: environment)")
    parser.add_argument("--hec-token", help="HEC token (default: MODELOPS_HEC_TOKEN or splunk_hec_token)")
    parser.add_argument("--ca-bundle", help="CA bundle that signs the HEC certificate")
    parser.add_argument("--ack", action="store_true", help="use indexer acknowledgement")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="modelops", description="ModelOps for DSDL client tools.")
    parser.add_argument("--version", action="version", version="modelops %s" % __version__)
    sub = parser.add_subparsers(dest="command", required=True)

    send = sub.add_parser("send-csv", help="send a local CSV to a Splunk index through HEC (resumable)")
    send.add_argument("file")
    send.add_argument("--index", required=True)
    send.add_argument("--sourcetype", required=True)
    send.add_argument("--time-column", required=True)
    send.add_argument("--time-format",
                      help="strptime format, e.g. '%%d/%%m/%%Y %%H:%%M:%%S' (default: epoch or ISO 8601)")
    send.add_argument("--timezone", default="UTC", help="IANA zone of naive times, e.g. Europe/Madrid (default UTC)")
    send.add_argument("--delimiter", default=",")
    send.add_argument("--decimal", default=".", choices=[".", ","])
    send.add_argument("--encoding", default="utf-8")
    send.add_argument("--host")
    send.add_argument("--source")
    send.add_argument("--restart", action="store_true", help="ignore saved progress and send from the start")
    send.add_argument("--quiet", action="store_true", help="no progress bar")
    send.add_argument("--workers", type=int, help="processes that encode and gzip (default 0: this process, "
                                                  "with a sender thread)")
    _add_hec_options(send)
    send.set_defaults(func=cmd_send_csv)

    check = sub.add_parser("check-hec", help="check HEC health and the token")
    _add_hec_options(check)
    check.set_defaults(func=cmd_check_hec)

    replay = sub.add_parser("replay", help="send the events waiting in the spool")
    replay.add_argument("--spool-dir", help="default: MODELOPS_SPOOL_DIR or ~/.modelops/spool")
    replay.add_argument("--timeout", type=float, default=60.0)
    _add_hec_options(replay)
    replay.set_defaults(func=cmd_replay)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except ModelOpsError as error:
        print("modelops %s: %s" % (args.command, error), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\nmodelops %s: interrupted; progress is saved" % args.command, file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
