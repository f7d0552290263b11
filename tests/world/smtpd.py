"""The SMTP servers of the loopback test world, one process for all of them.

usage: python3 tests/world/smtpd.py PKI PIDFILE MESSAGES LISTENER...

Each LISTENER is ADDRESS:PORT:MODE:NAME[:CERT], MODE one of
  plain     EHLO answered, no STARTTLS offered
  starttls  STARTTLS offered, with PKI/CERT.pem and PKI/CERT.key
  tls       implicit TLS from the first byte (SMTPS, port 465), same files
  silent    accepts connections and never says a word (for timeouts)
and NAME the host name in the banner and the EHLO answer. Built on aiosmtpd's
SMTP class (Debian 12: aiosmtpd 1.4), all servers on one asyncio loop. Mail is
accepted and discarded; one line per message goes to MESSAGES ("ADDRESS:PORT
FROM TO... SIZE"), so a test can see that a message arrived. The pid is written
to PIDFILE once every listener is bound; SIGTERM stops the process.
"""

import asyncio
import logging
import os
import signal
import ssl
import sys

try:
    from aiosmtpd.smtp import SMTP
except ImportError:
    sys.exit("smtpd: %s has no aiosmtpd (make deps installs python3-aiosmtpd)" % sys.executable)


class Sink:
    """Accepts every message and keeps only a line about it."""

    def __init__(self, listener, messages):
        self.listener = listener
        self.messages = messages

    async def handle_DATA(self, server, session, envelope):
        with open(self.messages, "a", encoding="utf-8") as f:
            f.write("%s %s %s %d\n" % (self.listener, envelope.mail_from,
                                       " ".join(envelope.rcpt_tos),
                                       len(envelope.original_content or b"")))
        return "250 OK: message accepted and discarded"


class Silent(asyncio.Protocol):
    """Keeps the connection open and never answers, until the client leaves."""


def tls_context(pki, cert):
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(os.path.join(pki, cert + ".pem"),
                        os.path.join(pki, cert + ".key"))
    return ctx


async def main(pki, pidfile, messages, listeners):
    loop = asyncio.get_running_loop()
    servers = []
    for spec in listeners:
        parts = spec.split(":")
        if len(parts) not in (4, 5) or parts[2] not in ("plain", "starttls", "tls", "silent"):
            sys.exit("smtpd: bad listener '%s' (ADDRESS:PORT:MODE:NAME[:CERT])" % spec)
        address, port, mode, name = parts[:4]
        ctx = tls_context(pki, parts[4]) if mode in ("starttls", "tls") else None
        sink = Sink("%s:%s" % (address, port), messages)

        # one protocol object per connection; STARTTLS only where offered
        def factory(sink=sink, name=name, mode=mode, ctx=ctx):
            if mode == "silent":
                return Silent()
            return SMTP(sink, hostname=name, ident="cutover test world",
                        tls_context=ctx if mode == "starttls" else None, loop=loop)

        try:
            servers.append(await loop.create_server(
                factory, address, int(port), ssl=ctx if mode == "tls" else None,
                reuse_address=True))
        except OSError as e:
            sys.exit("smtpd: cannot listen on %s:%s: %s" % (address, port, e.strerror))
    stop = loop.create_future()
    loop.add_signal_handler(signal.SIGTERM, stop.set_result, None)
    loop.add_signal_handler(signal.SIGINT, stop.set_result, None)
    with open(pidfile + ".tmp", "w", encoding="utf-8") as f:
        f.write("%d\n" % os.getpid())
    os.rename(pidfile + ".tmp", pidfile)
    await stop
    for s in servers:
        s.close()


if __name__ == "__main__":
    if len(sys.argv) < 5:
        sys.exit(__doc__.split("\n\n")[1])
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]))
