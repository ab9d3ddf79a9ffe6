#!/usr/bin/env bash
# Presigned URLs from `mediagate presign` against Ceph RGW, which verifies SigV4 for real.
source "$(dirname "$0")/lib.sh"

K="presign/$RUN_ID/photo 1+x.jpg"
head -c 4096 /dev/urandom >"$T/obj"
aws_s3 s3 cp "$T/obj" "s3://$MEDIAGATE_S3_BUCKET/$K" --quiet
want=$(sha <"$T/obj")

url=$("$MG" presign --key "$K" --expires 120)
eq "presign prints one line and nothing else" "$(printf '%s\n' "$url" | wc -l)" 1
eq "presigned GET with plain curl returns the object" "$(curl -sf --path-as-is "$url" | sha)" "$want"
eq "HEAD URL answers 200" "$(http_code -I "$("$MG" presign --method HEAD --key "$K")")" 200

# overrides: the bucket serves what the catalog says, not what was stored
url=$("$MG" presign --key "$K" --content-type image/png --disposition 'attachment; filename="a b.png"')
hdrs=$(curl -sf --path-as-is -D - -o /dev/null "$url" | tr -d '\r')
contains "response-content-type override" "$hdrs" "Content-Type: image/png"
contains "response-content-disposition override" "$hdrs" 'Content-Disposition: attachment; filename="a b.png"'

# refusals: 403 from the server, not a client-side guess
url=$("$MG" presign --key "$K")
sig=${url##*X-Amz-Signature=}
flip=$(printf '%s' "$sig" | tr '0-9a-f' '1-9a-f0')
eq "tampered signature is refused" "$(http_code "${url%"$sig"}$flip")" 403
other="presign/$RUN_ID/other.jpg"
aws_s3 s3 cp "$T/obj" "s3://$MEDIAGATE_S3_BUCKET/$other" --quiet
repointed=${url/photo%201%2Bx.jpg/other.jpg}
[ "$repointed" != "$url" ] || bad "re-pointing the URL changed nothing"
eq "URL re-pointed at another key is refused" "$(http_code "$repointed")" 403
past=$(date -u -d '-10 minutes' +%Y%m%dT%H%M%SZ)
expired=$("$MG" presign --key "$K" --expires 60 --at "$past")
eq "expired URL is refused" "$(http_code "$expired")" 403
contains "expired URL is refused as AccessDenied" "$(curl -s --path-as-is "$expired")" "AccessDenied"
eq "GET URL used for PUT is refused" "$(http_code -X PUT --data-binary x "$url")" 403
eq "GET URL still valid after the refusals" "$(http_code "$url")" 200

# PUT and DELETE URLs
K2="presign/$RUN_ID/up loaded ☺.bin"
put=$("$MG" presign --method PUT --key "$K2" --expires 60)
eq "presigned PUT with plain curl stores the body" "$(http_code -T "$T/obj" "$put")" 200
eq "object stored through the PUT URL reads back (awscli)" \
  "$(aws_s3 s3 cp "s3://$MEDIAGATE_S3_BUCKET/$K2" - | sha)" "$want"
del=$("$MG" presign --method DELETE --key "$K2")
eq "presigned DELETE answers 204" "$(http_code -X DELETE "$del")" 204
aws_s3 s3api head-object --bucket "$MEDIAGATE_S3_BUCKET" --key "$K2" >/dev/null 2>&1; eq "deleted object is gone" "$?" 254

# addressing and endpoints: a public endpoint clients reach, virtual-hosted style
port=${MEDIAGATE_S3_ENDPOINT##*:}
pub=$(MEDIAGATE_S3_PUBLIC_ENDPOINT="http://localhost:$port" "$MG" presign --key "$K")
contains "URL names the public endpoint" "$pub" "http://localhost:$port/$MEDIAGATE_S3_BUCKET/"
eq "URL on the public endpoint works" "$(curl -sf --path-as-is "$pub" | sha)" "$want"
virt=$(MEDIAGATE_S3_ENDPOINT="http://localhost:$port" MEDIAGATE_S3_PUBLIC_ENDPOINT="http://localhost:$port" \
  MEDIAGATE_S3_ADDRESSING=virtual "$MG" presign --key "$K")
contains "virtual-hosted URL names the bucket in the host" "$virt" "http://$MEDIAGATE_S3_BUCKET.localhost:$port/presign/"
eq "virtual-hosted URL works" \
  "$(curl -sf --path-as-is --resolve "$MEDIAGATE_S3_BUCKET.localhost:$port:127.0.0.1" "$virt" | sha)" "$want"

# usage errors: one line naming what is wrong, exit 2, nothing on stdout
out=$("$MG" presign --key k --expires 604801 2>"$T/err"); rc=$?
eq "expiry over 7 days exits 2" "$rc" 2
eq "nothing on stdout on error" "$out" ""
contains "message names --expires" "$(cat "$T/err")" "--expires"
"$MG" presign --key k --expires 0 >/dev/null 2>&1; eq "expiry 0 exits 2" "$?" 2
"$MG" presign --key k --method POST >/dev/null 2>&1; eq "method POST exits 2" "$?" 2
"$MG" presign >/dev/null 2>"$T/err"; eq "missing --key exits 2" "$?" 2
contains "message names --key" "$(cat "$T/err")" "--key"
"$MG" presign --key k --at 2024-01-01 >/dev/null 2>&1; eq "bad --at exits 2" "$?" 2
"$MG" presign --method PUT --key k --content-type x/y >/dev/null 2>&1; eq "overrides on PUT exit 2" "$?" 2
env -u AWS_SECRET_ACCESS_KEY "$MG" presign --key k >/dev/null 2>"$T/err"; eq "missing secret exits 2" "$?" 2
contains "message names AWS_SECRET_ACCESS_KEY" "$(cat "$T/err")" "AWS_SECRET_ACCESS_KEY"
env -u MEDIAGATE_S3_BUCKET "$MG" presign --key k >/dev/null 2>"$T/err"; eq "missing bucket exits 2" "$?" 2
contains "message names MEDIAGATE_S3_BUCKET" "$(cat "$T/err")" "MEDIAGATE_S3_BUCKET"
MEDIAGATE_S3_ENDPOINT=ftp://x "$MG" presign --key k >/dev/null 2>"$T/err"; eq "bad endpoint exits 2" "$?" 2
not_contains "no secret in the error" "$(cat "$T/err")" "$AWS_SECRET_ACCESS_KEY"
"$MG" presign --help | grep -q MEDIAGATE_S3_PUBLIC_ENDPOINT; eq "--help lists the environment" "$?" 0

aws_s3 s3 rm "s3://$MEDIAGATE_S3_BUCKET/presign/$RUN_ID/" --recursive --quiet
finish
