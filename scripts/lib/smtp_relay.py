"""A real SMTP relay for tests: aiosmtpd (Debian's python3-aiosmtpd, or PyPI), optionally with STARTTLS (a
self-signed certificate made with openssl) and AUTH, that appends every message it accepts to a JSON-lines file.

    python3 scripts/lib/smtp_relay.py [--port 2525] --out mails.jsonl [--tls-dir DIR] [--auth user:pass]
                                      [--require-tls] [--fail-first N] [--reject RCPT]

It prints `ready <port>` once listening. `--fail-first N` answers the first N DATA commands with 451 (a relay
that is having trouble); `--reject RCPT` refuses that recipient with 550. Used by scripts/test-notify.py and by
the Swift SMTP client tests (Tests/ReviewServerTests/NotificationTests.swift).
"""
import argparse, asyncio, json, os, ssl, subprocess, sys, time


def make_certificate(directory):
    """A self-signed certificate for localhost and 127.0.0.1 (cert.pem, key.pem); cert.pem is its own CA."""
    os.makedirs(directory, exist_ok=True)
    cert, key = os.path.join(directory, "cert.pem"), os.path.join(directory, "key.pem")
    if not os.path.exists(cert):
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "2",
                        "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                        "-addext", "basicConstraints=critical,CA:TRUE"],
                       check=True, capture_output=True)
    return cert, key


def main():
    # A parent that blocks signals (a Swift test process) passes its mask on: SIGTERM must still end the relay.
    import signal
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0: a free port, printed in the ready line")
    parser.add_argument("--out", required=True)
    parser.add_argument("--tls-dir")
    parser.add_argument("--require-tls", action="store_true")
    parser.add_argument("--auth")
    parser.add_argument("--fail-first", type=int, default=0)
    parser.add_argument("--reject", action="append", default=[])
    args = parser.parse_args()

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from tools import ensure_pip
    ensure_pip({"aiosmtpd": "aiosmtpd"}, lambda message: print(message, file=sys.stderr))
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    failures = {"left": args.fail_first}

    class Keeper:
        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
            if address in args.reject:
                return "550 5.1.1 No such mailbox here"
            envelope.rcpt_tos.append(address)
            return "250 OK"

        async def handle_DATA(self, server, session, envelope):
            if failures["left"] > 0:
                failures["left"] -= 1
                return "451 4.3.0 Try again later (test relay failing on purpose)"
            record = {"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos,
                      "data": envelope.content.decode("utf-8", "replace"), "tls": session.ssl is not None,
                      "auth": bool(getattr(session, "authenticated", False)), "at": time.time()}
            with open(args.out, "a") as out:
                out.write(json.dumps(record) + "\n")
            return "250 2.0.0 Queued as test-%d" % int(time.time() * 1000)

    def authenticate(server, session, envelope, mechanism, auth_data):
        if not isinstance(auth_data, LoginPassword) or not args.auth:
            return AuthResult(success=False, handled=False)
        user, password = args.auth.split(":", 1)
        ok = auth_data.login.decode() == user and auth_data.password.decode() == password
        # handled=False: aiosmtpd answers 535 itself (with the default handled=True it answers nothing at all).
        return AuthResult(success=ok, handled=False)

    kwargs = {}
    if args.tls_dir:
        cert, key = make_certificate(args.tls_dir)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert, key)
        kwargs["tls_context"] = context
        kwargs["require_starttls"] = args.require_tls
    if args.auth:
        kwargs["authenticator"] = authenticate
        kwargs["auth_required"] = True
        kwargs["auth_require_tls"] = True
    if args.port == 0:
        import socket
        with socket.socket() as probe:
            probe.bind((args.host, 0))
            args.port = probe.getsockname()[1]
    controller = Controller(Keeper(), hostname=args.host, port=args.port, **kwargs)
    controller.start()
    print(f"ready {args.port}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
