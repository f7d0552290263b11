#!/usr/bin/env python3
# pty-run.py: run a shell command on a pseudo-terminal of its own and keep
# every byte the terminal shows (t1040, the progress line).
#
#   pty-run.py [--cols N] [--answer TEXT REPLY [--hold SECONDS]] TRANSCRIPT 'SHELL COMMAND'
#
# The command runs under sh -c with the terminal as its standard input, output
# and error and as its controlling terminal, COLUMNS x 24 (--cols, default 200);
# it may redirect any of them itself. With --answer, REPLY and a newline are
# typed once TEXT has appeared, after --hold seconds (default 0) in which the
# terminal must not change: what arrives meanwhile stays in the transcript for
# the test to see. Exits with the command's exit status.
import argparse
import fcntl
import os
import pty
import select
import struct
import sys
import termios
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cols", type=int, default=200)
    ap.add_argument("--answer", nargs=2, metavar=("TEXT", "REPLY"))
    ap.add_argument("--hold", type=float, default=0.0)
    ap.add_argument("transcript")
    ap.add_argument("command")
    a = ap.parse_args()

    pid, fd = pty.fork()
    if pid == 0:
        os.execv("/bin/sh", ["sh", "-c", a.command])
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, a.cols, 0, 0))
    seen = b""
    answer_at = None
    answered = a.answer is None
    with open(a.transcript, "wb") as out:
        while True:
            timeout = None
            if answer_at is not None:
                timeout = max(0.0, answer_at - time.monotonic())
            r, _, _ = select.select([fd], [], [], timeout)
            if r:
                try:
                    data = os.read(fd, 4096)
                except OSError:  # EIO: the command and its children are gone
                    break
                if not data:
                    break
                out.write(data)
                out.flush()
                seen += data
                if not answered and answer_at is None and a.answer[0].encode() in seen:
                    answer_at = time.monotonic() + a.hold
            if answer_at is not None and time.monotonic() >= answer_at:
                os.write(fd, a.answer[1].encode() + b"\n")
                answer_at = None
                answered = True
    _, status = os.waitpid(pid, 0)
    sys.exit(os.waitstatus_to_exitcode(status))


if __name__ == "__main__":
    main()
