#!/usr/bin/env bash
# Egress proxies (MEDIAGATE_FETCH_PROXIES) with real proxies: two tinyproxy instances on
# loopback (one requiring Basic auth) and a broken "proxy" that accepts and hangs up. Sources
# are fetched through the proxies in rotation; the broken one costs one connection, then the
# download moves on to the next proxy and the broken one rests (cool-down); the SSRF guard
# still checks every target (and every redirect) before the proxy is asked; the proxy
# password never appears in output or logs.
source "$(dirname "$0")/lib.sh"
SP=26041 P1=26042 P2=26043 PB=26044 TP=26045
SRCH=127.0.0.2
S="http://$SRCH:$SP"
B=$MEDIAGATE_S3_BUCKET
command -v tinyproxy >/dev/null || { bad "tinyproxy is not installed (deploy/local/deps.sh installs it)"; finish; }
"$MG" migrate >/dev/null || { bad "migrate"; finish; }
mkdir -p "$T/root"
for i in 1 2 3 4 5 6; do (printf '\xff\xd8\xff\xe0'; head -c 20000 /dev/urandom) >"$T/root/p$i.jpg"; done
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
n1=$(grep -c "GET $S/f/p" "$T/p1.log"); n2=$(grep -c "GET $S/f/p" "$T/p2.log")
eq "every download went through a proxy" "$((n1 + n2))" 6
check "... in rotation: both proxies used ($n1 and $n2)" test "$n1" -ge 2 -a "$n2" -ge 2
eq "the broken proxy was tried once, then rested" "$(cat "$T/broken.count")" 1
eq "... and that cost no download (it moved on to the next proxy)" "$(grep -c '"status":"failed"' "$T/ok.jsonl")" 0
not_contains "the proxy password is in no output" "$(cat "$T/ok.jsonl" "$T/ok.err")" "s3cr3t-proxy-pw"

# ---- the SSRF guard holds through proxies ----
before1=$(grep -c "GET " "$T/p1.log"); before2=$(grep -c "GET " "$T/p2.log")
"$MG" ingest "http://127.0.0.3:$TP/x.jpg" >"$T/ssrf.jsonl" 2>/dev/null
eq "a loopback target outside the allow-list: refused (exit 3)" "$?" 3
contains "... as a permanent error naming the rule" "$(cat "$T/ssrf.jsonl")" '"error_class":"permanent"'
"$MG" ingest "$S/redirect-to?url=http://127.0.0.3:$TP/y.jpg" >"$T/ssrf2.jsonl" 2>/dev/null
eq "a redirect to it, through a proxy: refused (exit 3)" "$?" 3
after1=$(grep -c "GET " "$T/p1.log"); after2=$(grep -c "GET " "$T/p2.log")
eq "the proxies were asked only for the allowed first hop" "$((after1 + after2 - before1 - before2))" 1
not_contains "... never for the refused target" "$(cat "$T/p1.log" "$T/p2.log")" "GET http://127.0.0.3"
eq "the target saw no connection" "$(cat "$T/target.count")" 0

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
