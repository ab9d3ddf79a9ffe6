#!/usr/bin/python3
"""Accept TCP connections, count them in a file, close them. The SSRF tests point mediagate at
this listener through every loopback spelling and prove the count stays 0. With --hold it
keeps each connection open and never answers (a receiver that hangs: the webhook fairness
test), at most 256 at once.

usage: count_listener.py [--hold] --port P --out FILE BIND [BIND...]     (e.g. 127.0.0.1 ::1)
"""
import argparse
import selectors
import socket


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--hold", action="store_true")
    ap.add_argument("binds", nargs="+")
    a = ap.parse_args()
    sel = selectors.DefaultSelector()
    for b in a.binds:
        fam = socket.AF_INET6 if ":" in b else socket.AF_INET
        s = socket.socket(fam, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if fam == socket.AF_INET6:
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        s.bind((b, a.port))
        s.listen(64)
        sel.register(s, selectors.EVENT_READ)
    count = 0
    held = []
    with open(a.out, "w") as f:
        f.write("0\n")
    while True:
        for key, _ in sel.select():
            conn, _ = key.fileobj.accept()
            if a.hold:
                held = held[-255:] + [conn]
            else:
                conn.close()
            count += 1
            with open(a.out, "w") as f:
                f.write("%d\n" % count)


if __name__ == "__main__":
    main()
