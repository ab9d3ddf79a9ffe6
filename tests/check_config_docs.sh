#!/usr/bin/env bash
# check_config_docs.sh MEDIAGATE_BINARY - the configuration is documented where people look
# (issue 29, item 3): every MEDIAGATE_* variable the code reads is in the README's
# configuration table and in some command's --help; every variable of the README's table is
# read by the code; every command that logs names MEDIAGATE_LOG_LEVEL in its --help, and every
# command whose help names MEDIAGATE_DATABASE_URL names MEDIAGATE_DB_PREPARE too.
# README rows may shorten a family: "`MEDIAGATE_RETRY_ATTEMPTS`, `_RETRY_BASE_MS`" stands for
# MEDIAGATE_RETRY_BASE_MS.
set -uo pipefail
mg=${1:?usage: check_config_docs.sh MEDIAGATE_BINARY}
cd "$(dirname "$0")/.."
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL $*"; fail=$((fail + 1)); }
code=$(git ls-files 'media/*.c' 'presign/*.c' 'ingest/*.c' 'cli/*.c' | xargs grep -hoE '"MEDIAGATE_[A-Z0-9_]+"' |
  tr -d '"' | sort -u)
# the README's configuration table: its rows' variables, shortened forms expanded
readme=$(awk '/^## Configuration/ {on = 1; next} /^## / {on = 0} on && /^\| `/' README.md |
  python3 -c '
import re, sys
for row in sys.stdin:
    names = re.findall(r"`(MEDIAGATE_[A-Z0-9_]+|AWS_[A-Z_]+|_[A-Z0-9_]+)`", row.split("|")[1])
    first = next((n for n in names if not n.startswith("_")), None)
    for n in names:
        if n.startswith("_") and first:
            # the shortest prefix of the first name (at a "_") that the suffix extends
            parts = first.split("_")
            for k in range(1, len(parts)):
                print("_".join(parts[:k]) + n)
        else:
            print(n)' | sort -u)
cmds=$("$mg" --help | awk '/^commands:/ {on = 1; next} on && /^  [a-z]/ {print $1}')
helps=""
for c in $cmds; do
  h=$("$mg" "$c" --help 2>&1)
  helps+=$h$'\n'
  case "$c" in version | healthcheck) ;; *)
    grep -q MEDIAGATE_LOG_LEVEL <<<"$h" && ok || bad "mediagate $c --help does not name MEDIAGATE_LOG_LEVEL" ;;
  esac
  if grep -q MEDIAGATE_DATABASE_URL <<<"$h"; then
    grep -q MEDIAGATE_DB_PREPARE <<<"$h" && ok || bad "mediagate $c --help names the database but not MEDIAGATE_DB_PREPARE"
  fi
done
for v in $code; do
  grep -qx "$v" <<<"$readme" && ok || bad "$v is read by the code but not in the README's configuration table"
  grep -q "$v" <<<"$helps" && ok || bad "$v is read by the code but named in no command's --help"
done
# the table's names as written (not the expansions of shortened ones) are all read somewhere
literal=$(awk '/^## Configuration/ {on = 1; next} /^## / {on = 0} on && /^\| `/' README.md |
  cut -d'|' -f2 | grep -oE '`MEDIAGATE_[A-Z0-9_]+`' | tr -d '`' | sort -u)
for v in $literal; do
  grep -qx "$v" <<<"$code" && ok || bad "$v is in the README's configuration table but the code does not read it"
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
