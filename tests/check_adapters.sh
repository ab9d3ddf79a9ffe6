#!/usr/bin/env bash
# check_adapters.sh - each third-party library is included by its adapter files only
# (issue 11): lists who includes each library's headers and fails when a file outside the
# allowed set does. Run by tests/run.sh; a new adapter file is added here deliberately, with
# the README's adapter list.
set -uo pipefail
cd "$(dirname "$0")/.."
# library: header pattern | files allowed to include it
rules=(
  "libcurl|curl/|media/s3_client.c media/source_url.c media/otlp.c ingest/fetch.c"
  "libpq|libpq-fe.h|media/db.c"
  "hiredis|hiredis/|media/redis.c"
  "libh2o|h2o|presign/server.c"
  "jansson|jansson.h|presign/body.c"
  "OpenSSL|openssl/|media/hash.c presign/server.c"
)
fail=0
for rule in "${rules[@]}"; do
  IFS='|' read -r lib pattern allowed <<<"$rule"
  users=$(git ls-files 'media/*.[ch]' 'ingest/*.[ch]' 'presign/*.[ch]' 'cli/*.[ch]' |
    xargs grep -l "^#include <$pattern" 2>/dev/null | sort | tr '\n' ' ')
  printf '%-8s %s\n' "$lib" "${users:-(none)}"
  for f in $users; do
    case " $allowed " in
      *" $f "*) ;;
      *) echo "check_adapters: $f includes $lib; only its adapter may ($allowed)" >&2; fail=1 ;;
    esac
  done
done
exit $fail
