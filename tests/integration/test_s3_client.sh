#!/usr/bin/env bash
# The S3 client through `mediagate put/get/uploads/create-bucket`, checked with awscli as an
# independent client, against Ceph RGW.
source "$(dirname "$0")/lib.sh"
P="client/$RUN_ID"
B=$MEDIAGATE_S3_BUCKET

# 64 MiB from stdin (length unknown) goes up by multipart and reads back identical
head -c $((64 << 20)) /dev/urandom >"$T/big"
want=$(sha <"$T/big")
out=$(cat "$T/big" | "$MG" put "$P/stream.bin" -)
eq "put from stdin exits 0" "$?" 0
etag=$(printf '%s' "$out" | json_field etag)
case "$etag" in *-8) ok "64 MiB stdin went by multipart in 8 parts ($etag)" ;; *) bad "etag $etag is not multipart of 8" ;; esac
eq "put reports the SHA-256 of what it read" "$(printf '%s' "$out" | json_field sha256)" "$want"
eq "awscli reads back the same bytes" "$(aws_s3 s3 cp "s3://$B/$P/stream.bin" - | sha)" "$want"
eq "mediagate get reads back the same bytes" "$("$MG" get "$P/stream.bin" | sha)" "$want"
eq "stored size is 64 MiB" "$(aws_s3 s3api head-object --bucket "$B" --key "$P/stream.bin" --query ContentLength)" $((64 << 20))

# a small file goes in one streaming PUT, with its type and cache-control
head -c 1024 /dev/urandom >"$T/small"
out=$("$MG" put --content-type image/jpeg --cache-control 'public, max-age=31536000, immutable' "$P/small.jpg" "$T/small")
etag=$(printf '%s' "$out" | json_field etag)
eq "small file: one PUT, ETag is its MD5" "$etag" "$(md5sum <"$T/small" | cut -d' ' -f1)"
meta=$(aws_s3 s3api head-object --bucket "$B" --key "$P/small.jpg" --output json)
contains "content type stored" "$meta" '"ContentType": "image/jpeg"'
contains "cache control stored" "$meta" 'immutable'
# stdin that ends within one part is one PUT too
out=$(printf 'tiny' | "$MG" put "$P/tiny.txt" -)
eq "short stdin: one PUT" "$(printf '%s' "$out" | json_field etag)" "$(printf 'tiny' | md5sum | cut -d' ' -f1)"
# empty input is a valid empty object
out=$("$MG" put "$P/empty" - </dev/null); eq "empty stdin stores an empty object" "$(printf '%s' "$out" | json_field size_bytes)" 0

# keys S3 clients get wrong: spaces, unicode, + ~ % = & ? # and /
for k in "$P/a b.jpg" "$P/ünï/cødé ☺.png" "$P/p+l~u%s=e&q?h#t" "$P/x//y/./z"; do
  "$MG" put "$k" "$T/small" >/dev/null
  eq "key '$k' round-trips (put, awscli get)" "$(aws_s3 s3api get-object --bucket "$B" --key "$k" "$T/back" >/dev/null && sha <"$T/back")" "$(sha <"$T/small")"
done

# errors
"$MG" get "$P/missing" >"$T/out" 2>"$T/err"; rc=$?
eq "missing key: exit 1" "$rc" 1
contains "missing key: S3 error code in the message" "$(cat "$T/err")" "NoSuchKey"
AWS_SECRET_ACCESS_KEY=wrong-secret "$MG" put "$P/denied" "$T/small" >/dev/null 2>"$T/err"; rc=$?
eq "wrong secret: exit 1" "$rc" 1
contains "wrong secret: refused by the server" "$(cat "$T/err")" "SignatureDoesNotMatch"
not_contains "wrong secret: not echoed" "$(cat "$T/err")" "wrong-secret"
MEDIAGATE_S3_ENDPOINT=http://127.0.0.1:9 "$MG" get "$P/small.jpg" >/dev/null 2>"$T/err"; rc=$?
eq "dead endpoint: exit 1" "$rc" 1
contains "dead endpoint: says it could not connect" "$(cat "$T/err")" "connect"
"$MG" put "bad key"$'\n' "$T/small" >/dev/null 2>"$T/err"; eq "control character in key: exit 2" "$?" 2
"$MG" put --part-size 1MiB k "$T/small" >/dev/null 2>&1; eq "part size under 5 MiB: exit 2" "$?" 2
"$MG" put k /nonexistent >/dev/null 2>&1; eq "unreadable file: exit 2" "$?" 2

# an interrupted multipart upload is aborted: no upload and no object are left behind
K="$P/interrupted.bin"
mkfifo "$T/fifo"
( head -c $((12 << 20)) /dev/urandom; exec sleep 60 ) >"$T/fifo" 2>/dev/null &
writer=$!
"$MG" put --part-size 5MiB "$K" - <"$T/fifo" >"$T/out" 2>"$T/err" &
pid=$!
for _ in $(seq 1 100); do   # wait until the upload exists and its first parts are in
  [ -n "$("$MG" uploads --prefix "$K")" ] && break; sleep 0.1
done
sleep 1
kill -TERM "$pid"; wait "$pid"; rc=$?
kill "$writer" 2>/dev/null; wait "$writer" 2>/dev/null
eq "SIGTERM mid-upload: exit 1" "$rc" 1
contains "SIGTERM mid-upload: says the upload was aborted" "$(cat "$T/err")" "aborted"
eq "no in-progress upload left (awscli)" \
  "$(aws_s3 s3api list-multipart-uploads --bucket "$B" --prefix "$K" --query 'length(Uploads || `[]`)')" 0
aws_s3 s3api head-object --bucket "$B" --key "$K" >/dev/null 2>&1; eq "no object left" "$?" 254

# list-and-abort of stale uploads
K="$P/stale.bin"
id=$(aws_s3 s3api create-multipart-upload --bucket "$B" --key "$K" --query UploadId --output text)
contains "uploads lists an upload started elsewhere" "$("$MG" uploads --prefix "$P/")" "$id"
eq "a young upload is kept by --abort-older-than 3600" "$("$MG" uploads --prefix "$P/" --abort-older-than 3600)" '{"aborted":0}'
eq "--abort-older-than 0 aborts it" "$("$MG" uploads --prefix "$P/" --abort-older-than 0)" '{"aborted":1}'
eq "nothing left in progress" "$("$MG" uploads --prefix "$P/")" ""

# bucket creation is idempotent
"$MG" create-bucket; eq "create-bucket on an existing bucket succeeds" "$?" 0
nb="mg-test-$RUN_ID"; nb=${nb//[^a-z0-9-]/-}
"$MG" create-bucket "$nb"; eq "create-bucket makes a new bucket" "$?" 0
aws_s3 s3api head-bucket --bucket "$nb"; eq "the new bucket exists (awscli)" "$?" 0
aws_s3 s3api delete-bucket --bucket "$nb"

aws_s3 s3 rm "s3://$B/$P/" --recursive --quiet
finish
