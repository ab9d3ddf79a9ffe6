#!/usr/bin/env bash
# check_borders.sh - the compiler holds the adapter borders (cmake/borders.h, issue 24): for
# every third-party library, a file outside its adapters that includes it — in each spelling a
# grep missed (angle brackets, quotes, indented, through a macro, through another header) —
# fails to compile with the build's flags; the same file compiles when it is marked as the
# library's adapter (so the check cannot pass by failing for another reason).
set -uo pipefail
cd "$(dirname "$0")/.."
cc=${CC:-cc}
flags=(-std=c11 -D_GNU_SOURCE -DH2O_USE_LIBUV=0 -include cmake/borders.h
  $(pkg-config --cflags libcurl libpq hiredis libh2o-evloop jansson libssl))
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT
pass=0 fail=0
# library | adapter macro | header
libs=(
  "libcurl|MEDIAGATE_ADAPTER_CURL|curl/curl.h"
  "libpq|MEDIAGATE_ADAPTER_LIBPQ|libpq-fe.h"
  "hiredis|MEDIAGATE_ADAPTER_HIREDIS|hiredis/hiredis.h"
  "libh2o|MEDIAGATE_ADAPTER_H2O|h2o.h"
  "jansson|MEDIAGATE_ADAPTER_JANSSON|jansson.h"
  "OpenSSL|MEDIAGATE_ADAPTER_OPENSSL|openssl/evp.h"
)
for lib in "${libs[@]}"; do
  IFS='|' read -r name macro header <<<"$lib"
  printf '#include <%s>\n' "$header" >"$w/other.h"
  forms=(
    "#include <$header>"
    "#include \"$header\""
    "  #  include   <$header>"
    "#define LIB <$header>
#include LIB"
    "#include \"other.h\""
  )
  for i in "${!forms[@]}"; do
    printf '%s\nint mediagate_border_probe(void);\nint mediagate_border_probe(void) { return 0; }\n' "${forms[$i]}" >"$w/f.c"
    # H2O and OpenSSL: h2o.h includes OpenSSL, so its adapter is marked for both (server.c is)
    allow=(-D"$macro"); [ "$name" = libh2o ] && allow+=(-DMEDIAGATE_ADAPTER_OPENSSL)
    if "$cc" "${flags[@]}" -I"$w" -c "$w/f.c" -o "$w/f.o" 2>"$w/err"; then
      echo "FAIL $name, form $((i + 1)): compiled outside its adapter"; fail=$((fail + 1))
    elif ! grep -q poisoned "$w/err"; then
      echo "FAIL $name, form $((i + 1)): failed, but not at the border: $(head -n 2 "$w/err")"; fail=$((fail + 1))
    elif ! "$cc" "${flags[@]}" "${allow[@]}" -I"$w" -c "$w/f.c" -o "$w/f.o" 2>"$w/err"; then
      echo "FAIL $name, form $((i + 1)): does not compile in its adapter either: $(head -n 2 "$w/err")"; fail=$((fail + 1))
    else
      pass=$((pass + 1))
    fi
  done
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
