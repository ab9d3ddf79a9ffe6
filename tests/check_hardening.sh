#!/usr/bin/env bash
# check_hardening.sh BINARY - the release binary is built hardened (issue 24): a PIE, full
# RELRO (GNU_RELRO and BIND_NOW), the stack protector and _FORTIFY_SOURCE's checked calls.
# Reads the ELF file only (readelf, nm); prints one line per property and fails on any miss.
set -uo pipefail
bin=${1:?usage: check_hardening.sh BINARY}
fail=0
has() { # has WHAT COMMAND...: the property holds when the command succeeds
  local what=$1; shift
  if "$@" >/dev/null 2>&1; then echo "ok   $what"; else echo "FAIL $what"; fail=1; fi
}
has "position-independent executable (ELF type DYN)" grep -q 'Type:[[:space:]]*DYN' <(readelf -h "$bin")
has "read-only relocations (GNU_RELRO segment)" grep -q GNU_RELRO <(readelf -lW "$bin")
has "bound at start (BIND_NOW)" grep -qE 'BIND_NOW|FLAGS_1.*NOW' <(readelf -dW "$bin")
has "stack protector (__stack_chk_fail)" grep -q __stack_chk_fail <(nm -D "$bin")
has "_FORTIFY_SOURCE (checked calls such as __memcpy_chk, __snprintf_chk)" \
  grep -qE '__[a-z]+_chk' <(nm -D "$bin")
has "no executable stack (GNU_STACK RW)" grep -qE 'GNU_STACK.* RW ' <(readelf -lW "$bin")
exit $fail
