#!/usr/bin/env python3
"""read-mail.py - print the newest mails of a Maildir (make run's SMTP sink keeps them in run/mail),
headers and body decoded: suidod's mails have RFC 2047 Japanese subjects and base64 bodies.

usage: scripts/read-mail.py [MAILDIR] [-n COUNT]     (default run/mail, the newest 1)
"""
import argparse
import email
import email.policy
import os
import sys


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("maildir", nargs="?", default="run/mail")
    ap.add_argument("-n", type=int, default=1, help="how many of the newest mails (default 1)")
    a = ap.parse_args()
    files = []
    for sub in ("new", "cur"):
        d = os.path.join(a.maildir, sub)
        if os.path.isdir(d):
            files += [os.path.join(d, f) for f in os.listdir(d)]
    if not files:
        print(f"no mail in {a.maildir}", file=sys.stderr)
        return 1
    files.sort(key=os.path.getmtime)
    for path in files[-a.n:][::-1]:
        with open(path, "rb") as f:
            m = email.message_from_binary_file(f, policy=email.policy.default)
        print(f"== {path}")
        for h in ("Date", "From", "To", "Subject"):
            print(f"{h}: {m.get(h, '')}")
        body = m.get_body(preferencelist=("plain", "html"))
        print()
        print(body.get_content().rstrip() if body else "")
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
