#!/usr/bin/env python3
"""An independent check of emails as a server received them (issue 11).

    check-email.py [--dns RECORDS] [--require-dkim] EMAIL...

For each EMAIL file (an .eml, or a dump of smtp-sink -d), every check below;
one line per problem, then a summary; exit 1 if any email has a problem:

- Python's `email` package under `policy.strict` parses it without a defect
  (in the message, any part or any header);
- From, To, Subject, Date, Message-ID and MIME-Version are there exactly once;
- no line is longer than 998 octets (RFC 5322 2.1.1) and every line ends
  with CRLF, or LF alone in a file that uses LF throughout;
- every RFC 2047 encoded word decodes (charset known, valid encoding);
- List-Unsubscribe and List-Unsubscribe-Post come together, the latter
  `List-Unsubscribe=One-Click` and the former an https URL in <> (RFC 8058);
- each DKIM-Signature verifies with dkimpy, whose DNS look-ups are answered
  from RECORDS instead of DNS: the lines `postpilot dkim record` prints
  (`S._domainkey.D. IN TXT "…" "…"`); with --require-dkim, an email without
  a signature, or with one that fails, is a problem.

Needs dkimpy (and PyNaCl for ed25519-sha256); .ci/email-check-venv.sh makes
a virtual environment with pinned versions.
"""

import argparse
import email
import email.header
import email.policy
import re
import sys

import dkim

REQUIRED_ONCE = ["From", "To", "Subject", "Date", "Message-ID", "MIME-Version"]
ENCODED_WORD = re.compile(r"=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=")


def read_records(path):
    """{'s._domainkey.d': b'v=DKIM1; …'} from zone-file TXT lines."""
    records = {}
    with open(path, encoding="ascii") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith(";"):
                continue
            name = line.split()[0].rstrip(".").lower()
            records[name] = "".join(re.findall(r'"([^"]*)"', line)).encode("ascii")
    return records


def check(path, records, require_dkim):
    problems = []
    with open(path, "rb") as f:
        raw = f.read()

    lines = raw.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    crlf = all(line.endswith(b"\r") for line in lines)
    bare_lf = not any(line.endswith(b"\r") for line in lines)
    if not (crlf or bare_lf):
        problems.append("line ends mix CRLF and bare LF")
    for number, line in enumerate(lines, 1):
        length = len(line.rstrip(b"\r"))
        if length > 998:
            problems.append(f"line {number} is {length} octets long (> 998)")
        if b"\r" in line.rstrip(b"\r"):
            problems.append(f"line {number} holds a bare CR")

    try:
        msg = email.message_from_bytes(raw, policy=email.policy.strict)
    except Exception as e:  # the strict policy raises on what it cannot read
        return problems + [f"policy.strict refuses it: {e!r}"]
    for part in msg.walk():
        problems += [f"defect: {d!r}" for d in part.defects]
    for name in set(msg.keys()):
        for value in msg.get_all(name):
            problems += [f"defect in {name}: {d!r}" for d in getattr(value, "defects", ())]
    for name in REQUIRED_ONCE:
        count = len(msg.get_all(name) or [])
        if count != 1:
            problems.append(f"{name} appears {count} times, not once")

    header_text = raw.split(b"\r\n\r\n" if crlf else b"\n\n", 1)[0].decode("ascii", "replace")
    for word in ENCODED_WORD.findall(header_text):
        try:
            for data, charset in email.header.decode_header(word):
                if isinstance(data, bytes):
                    data.decode(charset or "ascii")
        except Exception as e:
            problems.append(f"encoded word {word[:40]} does not decode: {e!r}")

    unsubscribe = msg.get_all("List-Unsubscribe") or []
    post = msg.get_all("List-Unsubscribe-Post") or []
    if unsubscribe or post:
        if len(unsubscribe) != 1 or len(post) != 1:
            problems.append("List-Unsubscribe and List-Unsubscribe-Post must come together, once each")
        elif str(post[0]).strip() != "List-Unsubscribe=One-Click":
            problems.append(f"List-Unsubscribe-Post is {str(post[0])!r}")
        elif not re.search(r"<https://[^>]+>", str(unsubscribe[0])):
            problems.append(f"List-Unsubscribe has no <https://…> URL: {str(unsubscribe[0])!r}")

    def dnsfunc(name, timeout=5):
        if isinstance(name, bytes):
            name = name.decode("ascii")
        return records.get(name.rstrip(".").lower())

    signatures = msg.get_all("DKIM-Signature") or []
    if require_dkim and not signatures:
        problems.append("no DKIM-Signature")
    verifier = dkim.DKIM(raw)
    for index in range(len(signatures)):
        try:
            ok = verifier.verify(idx=index, dnsfunc=dnsfunc)
        except dkim.DKIMException as e:
            ok = False
            problems.append(f"DKIM-Signature {index + 1}: {e}")
        if not ok:
            problems.append(f"DKIM-Signature {index + 1} does not verify")
    return problems


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dns", help="TXT records of the DKIM keys, zone-file lines")
    parser.add_argument("--require-dkim", action="store_true")
    parser.add_argument("emails", nargs="+")
    args = parser.parse_args()
    records = read_records(args.dns) if args.dns else {}
    bad = 0
    for path in args.emails:
        problems = check(path, records, args.require_dkim)
        if problems:
            bad += 1
            for problem in problems:
                print(f"{path}: {problem}")
        else:
            print(f"{path}: ok")
    print(f"check-email: {len(args.emails)} emails checked, {bad} with problems")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
