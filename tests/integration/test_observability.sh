#!/usr/bin/env bash
# test_observability.sh - deploy/observability against the real exposition (issue 13, item 5):
# the alert rules load and their unit tests pass (promtool test rules: each alert fires on its
# series and not on healthy ones), the example Prometheus configuration is valid, a serve's and
# a worker's /metrics pass Prometheus's own lint, and every metric the rules and the Grafana
# dashboard name is one the processes export (a renamed metric breaks this test, not a
# dashboard in production). Ports: serve 26110 (admin 26111), worker admin 26112.
# shellcheck disable=SC1091
source "$(dirname "$0")/lib.sh"
command -v promtool >/dev/null || { bad "promtool is not installed (deploy/local/deps.sh: prometheus)"; finish; }
OBS=$SRC/deploy/observability
check "the alert rules load (promtool check rules)" promtool check rules "$OBS/prometheus/alerts.yml"
(cd "$OBS/prometheus" && promtool test rules alerts_test.yml) >"$T/rules-test.log" 2>&1
eq "the alert rules' unit tests pass (promtool test rules)" "$?" 0
grep -q FAILED "$T/rules-test.log" && cat "$T/rules-test.log"
(cd "$OBS/prometheus" && promtool check config prometheus.yml) >"$T/config.log" 2>&1
eq "the example Prometheus configuration is valid" "$?" 0
# a broken rule is caught: the same tests against a rule file with one threshold changed
mkdir -p "$T/mutant"
sed 's/> 0.02/> 0.5/' "$OBS/prometheus/alerts.yml" >"$T/mutant/alerts.yml"
cp "$OBS/prometheus/alerts_test.yml" "$T/mutant/"
(cd "$T/mutant" && promtool test rules alerts_test.yml) >/dev/null 2>&1
check "... and they notice a changed threshold" test $? -ne 0
check "the dashboard is JSON with panels" $PY -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["panels"] and all(p["targets"] and all(t["expr"] for t in p["targets"]) for p in d["panels"])
' "$OBS/grafana/mediagate.json"

export MEDIAGATE_LOG_LEVEL=warn
MEDIAGATE_LISTEN=127.0.0.1:26110 MEDIAGATE_ADMIN_LISTEN=127.0.0.1:26111 "$MG" serve 2>"$T/serve.log" &
BG_PIDS+=($!)
echo $! >"$T/serve.pid"
MEDIAGATE_WORKER_LISTEN=127.0.0.1:26112 "$MG" worker 2>"$T/worker.log" &
BG_PIDS+=($!)
echo $! >"$T/worker.pid"
wait_port 127.0.0.1 26110 && wait_port 127.0.0.1 26112
KEY=$("$MG" apikey create --tenant "obs$$" --scopes read 2>/dev/null)
curl -s -o /dev/null http://127.0.0.1:26110/ready
curl -s -o /dev/null -H "Authorization: Bearer $KEY" "http://127.0.0.1:26110/api/v1/media?size=1"
curl -s -o /dev/null http://127.0.0.1:26110/api/v1/nothing-here
curl -s -o /dev/null -X BREW http://127.0.0.1:26110/api/v1/media # a method a client invented
# nobody asks the worker's /ready: its mediagate_ready gauge must be current by itself (issue
# 26: MediagateNotReady fired under compose and systemd, where nothing probes it)
sleep 2.5 # the worker's queue gauges are filled every 2 s
curl -s http://127.0.0.1:26111/metrics >"$T/serve.prom"
curl -s http://127.0.0.1:26112/metrics >"$T/worker.prom"
for p in serve worker; do
  out=$(promtool check metrics <"$T/$p.prom" 2>&1)
  eq "$p's /metrics passes promtool's lint" "$?:$out" "0:"
done
eq "serve reports its readiness (mediagate_ready 1)" "$(awk '$1 == "mediagate_ready" {print $2}' "$T/serve.prom")" 1
eq "the worker too, though nothing asked its /ready" "$(awk '$1 == "mediagate_ready" {print $2}' "$T/worker.prom")" 1
# the method on the request series (issue 26), never a value a client invents
contains "request series carry the method" "$(cat "$T/serve.prom")" 'mediagate_http_requests_total{route="media",method="GET",status="200"}'
contains "... an invented one counts as other" "$(cat "$T/serve.prom")" 'method="other"'
not_contains "... and never under its own name" "$(cat "$T/serve.prom")" 'BREW'
# the build and the process, as every Prometheus client exports them (issue 26)
version=$("$MG" version | cut -d' ' -f2)
for p in serve worker; do
  contains "$p: mediagate_build_info names the version and role" "$(cat "$T/$p.prom")" \
    "mediagate_build_info{version=\"$version\",role=\"$p\"} 1"
  pid=$(cat "$T/$p.pid")
  rss=$(awk '$1 == "process_resident_memory_bytes" {print $2}' "$T/$p.prom")
  want=$(awk '/^VmRSS/ {print $2 * 1024}' "/proc/$pid/status")
  check "$p: process_resident_memory_bytes is the process's RSS (within 25%: $rss vs $want)" \
    $PY -c "import sys; a, b = float(sys.argv[1]), float(sys.argv[2]); sys.exit(0 if b and abs(a - b) / b < 0.25 else 1)" "${rss:-0}" "$want"
  fds=$(awk '$1 == "process_open_fds" {print $2}' "$T/$p.prom")
  check "$p: process_open_fds counts /proc's ($fds vs $(ls "/proc/$pid/fd" | wc -l))" \
    test "$(( ${fds:-0} - $(ls "/proc/$pid/fd" | wc -l) ))" -le 3 -a "${fds:-0}" -gt 3
  st=$(awk '$1 == "process_start_time_seconds" {printf "%d", $2}' "$T/$p.prom")
  check "$p: process_start_time_seconds is its start ($st, now $(date +%s))" \
    test "$(( $(date +%s) - ${st:-0} ))" -ge 0 -a "$(( $(date +%s) - ${st:-0} ))" -lt 600
  check "$p: process_cpu_seconds_total is there" grep -q '^process_cpu_seconds_total ' "$T/$p.prom"
done
# every metric named in the rules and the dashboard is exported (histograms by their family)
missing=$($PY - "$OBS/prometheus/alerts.yml" "$OBS/grafana/mediagate.json" "$T/serve.prom" "$T/worker.prom" <<'PY'
import re, sys
named = set()
for f in sys.argv[1:3]:
    named |= set(re.findall(r"\bmediagate_[a-z0-9_]+", open(f).read()))
families = set()
for f in sys.argv[3:]:
    families |= set(re.findall(r"^# TYPE (mediagate_[a-z0-9_]+)", open(f).read(), re.M))
def family(n):
    for s in ("_bucket", "_sum", "_count"):
        if n.endswith(s) and n[: -len(s)] in families:
            return n[: -len(s)]
    return n
print(" ".join(sorted(n for n in named if family(n) not in families)))
PY
)
eq "every metric the rules and the dashboard name is exported" "$missing" ""
finish
