#!/usr/bin/env bash
# Egress proxies (MEDIAGATE_FETCH_PROXIES) with real proxies: two tinyproxy instances on
# loopback (one requiring Basic auth) and a broken "proxy" that accepts and hangs up. Sources
# are fetched through the proxies in rotation; the broken one costs one connection, then the
# download moves on to the next proxy and the broken one rests (cool-down); the SSRF guard
# still checks every target (and every redirect) before the proxy is asked, and (issue 15,
# defect 1) the proxy is asked to CONNECT to exactly the address that was checked — an IP,
# never a name it would resolve again — whatever NO_PROXY says; the proxy password never
# appears in output or logs.
source "$(dirname "$0")/lib.sh"
SP=26041 P1=26042 P2=26043 PB=26044 TP=26045 PS=26046 LP=26047
SRCH=127.0.0.2
S="http://$SRCH:$SP"
B=$MEDIAGATE_S3_BUCKET
command -v tinyproxy >/dev/null || { bad "tinyproxy is not installed (deploy/local/deps.sh installs it)"; finish; }
"$MG" migrate >/dev/null || { bad "migrate"; finish; }
mkdir -p "$T/root"
for i in 1 2 3 4 5 6; do fake_jpeg 20000 >"$T/root/p$i.jpg"; done
bg source $PY "$SRC/tests/tools/source_server.py" --bind $SRCH --port $SP --root "$T/root"
proxy() { # proxy NAME PORT [extra config lines]: a tinyproxy on 127.0.0.1:PORT, logging requests
  local name=$1 port=$2; shift 2
  { echo "Port $port"; echo "Listen 127.0.0.1"; echo "Timeout 30"; echo "MaxClients 20"
    echo "LogLevel Connect"; echo "LogFile \"$T/$name.log\""; echo "Allow 127.0.0.1"
    printf '%s\n' "$@"; } >"$T/$name.conf"
  : >"$T/$name.log"; chmod 666 "$T/$name.log"
  bg "$name.out" tinyproxy -d -c "$T/$name.conf"
}
chmod 755 "$T"
proxy p1 $P1
proxy p2 $P2 "BasicAuth mg s3cr3t-proxy-pw"
bg broken $PY "$SRC/tests/tools/count_listener.py" --port $PB --out "$T/broken.count" 127.0.0.1
bg target $PY "$SRC/tests/tools/count_listener.py" --port $TP --out "$T/target.count" 127.0.0.3
for _ in $(seq 1 100); do [ -s "$T/broken.count" ] && [ -s "$T/target.count" ] && break; sleep 0.1; done
wait_port $SRCH $SP && wait_port 127.0.0.1 $P1 && wait_port 127.0.0.1 $P2 ||
  { bad "helpers did not start"; finish; }
# wait_port's probe connections to the broken proxy would count: it was never probed
eq "helpers up (the broken proxy not yet contacted)" "$(cat "$T/broken.count")" 0

export MEDIAGATE_ALLOW_PRIVATE_SOURCES="$SRCH/32"
export MEDIAGATE_FETCH_PROXIES="http://127.0.0.1:$PB,http://127.0.0.1:$P1,http://mg:s3cr3t-proxy-pw@127.0.0.1:$P2"
export MEDIAGATE_FETCH_PROXY_FAILURES=1 MEDIAGATE_FETCH_PROXY_COOLDOWN_S=300
urls=(); for i in 1 2 3 4 5 6; do urls+=("$S/f/p$i.jpg"); done
"$MG" ingest "${urls[@]}" >"$T/ok.jsonl" 2>"$T/ok.err"
eq "six sources through the proxies: exit 0" "$?" 0
eq "... all six ready" "$(grep -c '"status":"ready"' "$T/ok.jsonl")" 6
for i in 1 6; do
  key=$(rec "$T/ok.jsonl" "$S/f/p$i.jpg" object_key)
  eq "p$i.jpg: the stored bytes are the source's" "$(aws_s3 s3api get-object --bucket "$B" --key "$key" "$T/got" >/dev/null && sha <"$T/got")" "$(sha <"$T/root/p$i.jpg")"
done
n1=$(grep -c "CONNECT $SRCH:$SP " "$T/p1.log"); n2=$(grep -c "CONNECT $SRCH:$SP " "$T/p2.log")
eq "every download went through a proxy" "$((n1 + n2))" 6
check "... in rotation: both proxies used ($n1 and $n2)" test "$n1" -ge 2 -a "$n2" -ge 2
eq "the broken proxy was tried once, then rested" "$(cat "$T/broken.count")" 1
eq "... and that cost no download (it moved on to the next proxy)" "$(grep -c '"status":"failed"' "$T/ok.jsonl")" 0
not_contains "the proxy password is in no output" "$(cat "$T/ok.jsonl" "$T/ok.err")" "s3cr3t-proxy-pw"

# ---- the SSRF guard holds through proxies ----
before1=$(grep -c "Request.*CONNECT " "$T/p1.log"); before2=$(grep -c "Request.*CONNECT " "$T/p2.log")
"$MG" ingest "http://127.0.0.3:$TP/x.jpg" >"$T/ssrf.jsonl" 2>/dev/null
eq "a loopback target outside the allow-list: refused (exit 3)" "$?" 3
contains "... as a permanent error naming the rule" "$(cat "$T/ssrf.jsonl")" '"error_class":"permanent"'
"$MG" ingest "$S/redirect-to?url=http://127.0.0.3:$TP/y.jpg" >"$T/ssrf2.jsonl" 2>/dev/null
eq "a redirect to it, through a proxy: refused (exit 3)" "$?" 3
after1=$(grep -c "Request.*CONNECT " "$T/p1.log"); after2=$(grep -c "Request.*CONNECT " "$T/p2.log")
eq "the proxies were asked only for the allowed first hop" "$((after1 + after2 - before1 - before2))" 1
not_contains "... never for the refused target" "$(cat "$T/p1.log" "$T/p2.log")" "CONNECT 127.0.0.3"
eq "the target saw no connection" "$(cat "$T/target.count")" 0

# ---- issue 15, defect 1: resolve once, check, and have the proxy connect to that address ----
# a source named by a host name: the proxies are asked for the checked IP, never the name
# (an HTTP proxy would resolve it again, and could be told something else)
bg lsrc $PY "$SRC/tests/tools/source_server.py" --bind 127.0.0.1 --port $LP --root "$T/root"
bg lsrc6 $PY "$SRC/tests/tools/source_server.py" --bind ::1 --port $LP --root "$T/root"
wait_port 127.0.0.1 $LP || bad "the localhost source did not start"
export MEDIAGATE_ALLOW_PRIVATE_SOURCES="$SRCH/32,127.0.0.1/32,::1/128"
export MEDIAGATE_FETCH_PROXIES="http://127.0.0.1:$P1"
"$MG" ingest "http://localhost:$LP/f/p4.jpg" >"$T/name.jsonl" 2>/dev/null
eq "a source named localhost through an HTTP proxy: ready" "$(rec "$T/name.jsonl" "http://localhost:$LP/f/p4.jpg" status)" ready
contains "... the proxy was asked for the checked address" "$(grep "Request.*CONNECT" "$T/p1.log" | tail -n 1)" ":$LP HTTP/1.1"
not_contains "... never for the name" "$(cat "$T/p1.log")" "CONNECT localhost"
# NO_PROXY in the environment never sends a matching host around the proxy (and its checks)
np_before=$(grep -c "CONNECT $SRCH:$SP " "$T/p1.log")
NO_PROXY='*' no_proxy='*' "$MG" ingest "$S/f/p5.jpg?noproxy=1" "$S/f/p6.jpg?noproxy=2" >"$T/np.jsonl" 2>/dev/null
eq "NO_PROXY=* in the environment: both ready" "$(grep -c '"status":"ready"' "$T/np.jsonl")" 2
eq "... both through the proxy, none went direct" "$(grep -c "CONNECT $SRCH:$SP " "$T/p1.log")" $((np_before + 2))
# SOCKS: socks5:// would resolve locally a second time, socks5h:// would hand the name over;
# both must be given the checked address
bg socks $PY "$SRC/tests/tools/socks5_proxy.py" --port $PS --log "$T/socks.log"
wait_port 127.0.0.1 $PS || bad "the SOCKS proxy did not start"
for scheme in socks5 socks5h; do
  : >"$T/socks.log"
  MEDIAGATE_FETCH_PROXIES="$scheme://127.0.0.1:$PS" "$MG" ingest "http://localhost:$LP/f/p2.jpg?$scheme" >"$T/socks.jsonl" 2>/dev/null
  eq "$scheme proxy, source named localhost: ready" "$(rec "$T/socks.jsonl" "http://localhost:$LP/f/p2.jpg?$scheme" status)" ready
  got=$(cat "$T/socks.log")
  check "... the proxy was given an address, not a name ($got)" grep -qE "^(ipv4 127\.0\.0\.1|ipv6 ::1|domain (127\.0\.0\.1|\[?::1\]?)) $LP$" "$T/socks.log"
  not_contains "... never 'localhost'" "$got" "localhost"
done
export MEDIAGATE_ALLOW_PRIVATE_SOURCES="$SRCH/32"

# ---- a proxy that wants credentials we lack (407) is a proxy failure, not the source's ----
# (tinyproxy answers wrong credentials with 401, which no client can tell from the source's;
# missing ones get a proper 407)
export MEDIAGATE_FETCH_PROXIES="http://127.0.0.1:$P2,http://127.0.0.1:$P1"
"$MG" ingest "$S/f/p1.jpg" >"$T/auth.jsonl" 2>"$T/auth.err"
eq "407 from a proxy: the next proxy serves it (exit 0)" "$?" 0
export MEDIAGATE_FETCH_PROXIES="http://127.0.0.1:$P2"
"$MG" ingest "$S/f/p3.jpg" >"$T/auth1.jsonl" 2>/dev/null
eq "407 from the only proxy: fails (exit 3)" "$?" 3
contains "... saying the proxy refused (transient), not blaming the source" "$(cat "$T/auth1.jsonl")" "egress proxy refused our credentials (HTTP 407)"
contains "... classified transient" "$(cat "$T/auth1.jsonl")" '"error_class":"transient"'
export MEDIAGATE_FETCH_PROXIES="http://127.0.0.1:$PB"
"$MG" ingest "$S/f/p2.jpg" >"$T/dead.jsonl" 2>/dev/null
eq "the only proxy broken: the download fails (exit 3)" "$?" 3
contains "... as transient (the job will be retried)" "$(cat "$T/dead.jsonl")" '"error_class":"transient"'
finish
