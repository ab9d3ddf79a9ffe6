#!/usr/bin/env bash
# check_adapter_libraries.sh BUILD_DIR - each third-party library is reached from exactly one
# adapter library of ours (issue 24): read the built archives (and the cli's objects) and
# list, for every library, which of our objects call into it. Its adapter must (so the check
# cannot pass by matching nothing) and nothing else may. Each adapter archive holds only its
# adapter.
set -uo pipefail
build=${1:?usage: check_adapter_libraries.sh BUILD_DIR}
cd "$build" || exit 2
fail=0
# library ; symbols it exports (extended regex over `nm -u` names) ; the only callers
libs=(
  "libcurl;^curl_;libmedia_http.a:http.c.o"
  "libpq;^PQ;libmedia_pg.a:db.c.o"
  "hiredis;^(redis[A-Z]|freeReplyObject);libmedia_redis.a:redis.c.o"
  "jansson;^json_;libpresign_json.a:body.c.o"
  "libh2o;^h2o_;libpresign_h2o.a:server.c.o"
  "OpenSSL;^(EVP_|HMAC|SSL_|OPENSSL_|RAND_bytes|ERR_);libmedia_crypto.a:hash.c.o libpresign_h2o.a:server.c.o"
)
# "archive:member symbol" for every undefined symbol of our code
calls=$(for a in media/*.a ingest/*.a presign/*.a; do
          nm -A -u "$a" 2>/dev/null | sed -E "s|^[^:]*/||; s|^([^:]+):([^:]+):.* ([^ ]+)$|\1:\2 \3|"
        done
        for o in CMakeFiles/mediagate.dir/cli/*.o; do
          nm -u "$o" | awk -v o="cli:$(basename "$o")" '{ print o, $NF }'
        done)
[ "$(printf '%s\n' "$calls" | wc -l)" -gt 100 ] || { echo "FAIL: nothing built in $build"; exit 1; }
for lib in "${libs[@]}"; do
  IFS=';' read -r name pattern allowed <<<"$lib"
  callers=$(printf '%s\n' "$calls" | awk -v p="$pattern" '$2 ~ p { print $1 }' | sort -u)
  bad=0
  for a in $allowed; do
    grep -qx "$a" <<<"$callers" || { echo "FAIL $name: its adapter $a does not call it"; bad=1; }
  done
  for c in $callers; do
    [[ " $allowed " == *" $c "* ]] || { echo "FAIL $name: called from $c, outside its adapter"; bad=1; }
  done
  [ $bad = 0 ] && echo "ok $name: called only from $allowed"
  [ $bad = 0 ] || fail=1
done
for a in media/libmedia_http.a media/libmedia_pg.a media/libmedia_redis.a media/libmedia_crypto.a \
         presign/libpresign_h2o.a presign/libpresign_json.a; do
  n=$(ar t "$a" 2>/dev/null | wc -l)
  [ "$n" = 1 ] || { echo "FAIL $a holds $n objects, not its adapter alone"; fail=1; }
done
[ $fail = 0 ] && echo "every third-party library is behind its adapter library alone"
exit $fail
