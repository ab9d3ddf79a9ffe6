#!/usr/bin/python3
"""A TCP proxy on loopback that loses a reply: it relays a client's connection to an upstream
server, and for the first --times client writes that contain every --cut-on pattern it
forwards the write, waits for the server to act on it, then closes the connection without
relaying the answer. A client that resends after reconnecting would then do the thing twice.
Each cut is logged as a line "cut" in --log.

usage: cut_proxy.py --port P --upstream PORT --cut-on XADD --cut-on :jobs [--times 1] --log F
(listens on 127.0.0.1; stop it by PID)
"""
import argparse
import socket
import threading
import time

lock = threading.Lock()


def pump(src, dst, muted, on_chunk=None):
    """Relay src -> dst. The client->server pump cuts on a matching write: it mutes the other
    direction first (the reply must go nowhere), forwards the write, and hangs up."""
    try:
        while True:
            d = src.recv(65536)
            if not d:
                break
            if on_chunk and on_chunk(d):
                muted.set()
                dst.sendall(d)
                time.sleep(0.3)  # the server runs the command; its reply is dropped
                raise OSError("cut")
            if not muted.is_set():
                dst.sendall(d)
    except OSError:
        pass
    finally:
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--upstream", type=int, required=True)
    ap.add_argument("--cut-on", action="append", required=True)
    ap.add_argument("--times", type=int, default=1)
    ap.add_argument("--log", required=True)
    a = ap.parse_args()
    open(a.log, "w").close()
    budget = [a.times]
    pats = [p.encode() for p in a.cut_on]

    def should_cut(chunk):
        with lock:
            if budget[0] > 0 and all(p in chunk for p in pats):
                budget[0] -= 1
                with open(a.log, "a") as f:
                    f.write("cut\n")
                return True
        return False

    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", a.port))
    s.listen(64)
    while True:
        c, _ = s.accept()
        u = socket.create_connection(("127.0.0.1", a.upstream))
        muted = threading.Event()
        threading.Thread(target=pump, args=(c, u, muted, should_cut), daemon=True).start()
        threading.Thread(target=pump, args=(u, c, muted), daemon=True).start()


if __name__ == "__main__":
    main()
