#!/usr/bin/env bash
# check_secret_files.sh MEDIAGATE_BIN - every setting can be given as a file, NAME_FILE (issue
# 26: Kubernetes and compose mount secrets that way). No servers: `mediagate presign` signs
# with the secret read from a file (trailing newline and all) exactly as with the variable;
# a wrong secret in the file signs differently (so the file is what was read); the variable
# wins over its file; a file that cannot be read stops the command naming the variable and
# the path, never a secret.
set -uo pipefail
MG=${1:?usage: check_secret_files.sh MEDIAGATE_BIN}
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $*"; }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }
keep=(PATH="$PATH" ASAN_OPTIONS="${ASAN_OPTIONS:-}" LSAN_OPTIONS="${LSAN_OPTIONS:-}" UBSAN_OPTIONS="${UBSAN_OPTIONS:-}")
base=(env -i "${keep[@]}" AWS_ACCESS_KEY_ID=AKIDEXAMPLE MEDIAGATE_S3_ENDPOINT=http://127.0.0.1:9
      MEDIAGATE_S3_BUCKET=bkt AWS_REGION=us-east-1 MEDIAGATE_LOG_LEVEL=error)
sign() { "$@" "$MG" presign --key a/b.jpg --at 20261207T120000Z 2>"$w/err"; }
want=$(sign "${base[@]}" AWS_SECRET_ACCESS_KEY=s3cr3t-from-env)
printf 's3cr3t-from-env\n' >"$w/secret"
got=$(sign "${base[@]}" AWS_SECRET_ACCESS_KEY_FILE="$w/secret")
[ -n "$want" ] && [ "$got" = "$want" ] && ok "AWS_SECRET_ACCESS_KEY_FILE signs as the variable does" ||
  bad "AWS_SECRET_ACCESS_KEY_FILE: got '$got', want '$want' ($(cat "$w/err"))"
printf 'another-secret\n' >"$w/other"
other=$(sign "${base[@]}" AWS_SECRET_ACCESS_KEY_FILE="$w/other")
[ -n "$other" ] && [ "$other" != "$want" ] && ok "the file's secret is the one used" ||
  bad "a different secret in the file signed the same (or nothing): '$other'"
both=$(sign "${base[@]}" AWS_SECRET_ACCESS_KEY=s3cr3t-from-env AWS_SECRET_ACCESS_KEY_FILE="$w/other")
[ "$both" = "$want" ] && ok "the variable wins over its file" || bad "with both set: '$both'"
sign "${base[@]}" AWS_SECRET_ACCESS_KEY_FILE="$w/missing" >/dev/null
rc=$?
err=$(cat "$w/err")
[ $rc = 2 ] && [[ $err == *AWS_SECRET_ACCESS_KEY_FILE=$w/missing* ]] &&
  ok "an unreadable file: exit 2 naming the variable and the path" ||
  bad "an unreadable file: exit $rc, '$err'"
printf 'topsecret-value\n' >"$w/db"
out=$(env -i "${keep[@]}" MEDIAGATE_DATABASE_URL_FILE="$w/db" "$MG" migrate --status 2>&1)
[[ $out != *topsecret-value* ]] && ok "a database URL read from a file is never printed" ||
  bad "the database URL from its file was printed: $out"
[[ $out == *"invalid"* || $out == *"connect"* || $out == *"database"* ]] &&
  ok "... and it was read (the command tried to use it: $(head -c 80 <<<"$out"))" ||
  bad "the database URL file was not read: $out"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
