#!/usr/bin/python3
"""A minimal SOCKS5 proxy for tests (no authentication, CONNECT only), logging what each
client asked it to connect to, one line per request: "ipv4 127.0.0.2 26041",
"ipv6 ::1 80" or "domain localhost 26041". The egress-proxy test proves mediagate only ever
asks for the address it checked, never a name the proxy would resolve.

usage: socks5_proxy.py --port P --log FILE      (listens on 127.0.0.1; stop it by PID)
"""
import argparse
import ipaddress
import socket
import struct
import threading


def relay(a, b):
    try:
        while True:
            d = a.recv(65536)
            if not d:
                break
            b.sendall(d)
    except OSError:
        pass
    finally:
        for s in (a, b):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def recv_exact(s, n):
    b = b""
    while len(b) < n:
        d = s.recv(n - len(b))
        if not d:
            raise OSError("closed")
        b += d
    return b


def handle(c, log, lock):
    try:
        ver, nmethods = recv_exact(c, 2)
        recv_exact(c, nmethods)
        c.sendall(b"\x05\x00")
        ver, cmd, _, atyp = recv_exact(c, 4)
        if atyp == 1:
            host, kind = str(ipaddress.IPv4Address(recv_exact(c, 4))), "ipv4"
        elif atyp == 4:
            host, kind = str(ipaddress.IPv6Address(recv_exact(c, 16))), "ipv6"
        else:
            n = recv_exact(c, 1)[0]
            host, kind = recv_exact(c, n).decode(), "domain"
        port = struct.unpack("!H", recv_exact(c, 2))[0]
        with lock, open(log, "a") as f:
            f.write(f"{kind} {host} {port}\n")
        if cmd != 1 or kind == "domain":  # this proxy never resolves names: refuse them
            c.sendall(b"\x05\x08\x00\x01" + b"\x00" * 6)
            c.close()
            return
        u = socket.create_connection((host, port), timeout=10)
        c.sendall(b"\x05\x00\x00\x01" + b"\x00" * 6)
        threading.Thread(target=relay, args=(u, c), daemon=True).start()
        relay(c, u)
    except OSError:
        c.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--log", required=True)
    a = ap.parse_args()
    open(a.log, "w").close()
    lock = threading.Lock()
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", a.port))
    s.listen(64)
    while True:
        c, _ = s.accept()
        threading.Thread(target=handle, args=(c, a.log, lock), daemon=True).start()


if __name__ == "__main__":
    main()
