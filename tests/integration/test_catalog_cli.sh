#!/usr/bin/env bash
# mediagate migrate / apikey / gc against the stack's PostgreSQL and Ceph RGW, in a database
# of this run's own.
source "$(dirname "$0")/lib.sh"
db="mgtest_cli_$$"
base=${MEDIAGATE_DATABASE_URL%/*}
psql -q "$MEDIAGATE_DATABASE_URL" -c "CREATE DATABASE $db" || { bad "create database"; finish; }
EXIT_HOOKS+=("psql -q '$MEDIAGATE_DATABASE_URL' -c 'DROP DATABASE IF EXISTS $db WITH (FORCE)'")
export MEDIAGATE_DATABASE_URL="$base/$db"
sql() { psql -qAt "$MEDIAGATE_DATABASE_URL" -c "$1"; }

# commands refuse an unmigrated database and say what to do
"$MG" apikey list >/dev/null 2>"$T/err"; eq "apikey on an empty database: exit 1" "$?" 1
contains "it says to run mediagate migrate" "$(cat "$T/err")" "mediagate migrate"
"$MG" worker 2>"$T/err"; eq "worker on an unmigrated database: exit 1" "$?" 1
contains "worker says to run mediagate migrate" "$(cat "$T/err")" "mediagate migrate"
MEDIAGATE_LISTEN=127.0.0.1:26030 "$MG" serve 2>"$T/err"; eq "serve on an unmigrated database: exit 1" "$?" 1
contains "serve says to run mediagate migrate" "$(cat "$T/err")" "mediagate migrate"
out=$("$MG" migrate --status); eq "migrate --status exits 0" "$?" 0
contains "status lists the pending migration" "$out" "pending"
eq "--status changes nothing" "$(sql "SELECT to_regclass('schema_migrations') IS NULL")" t

# two replicas migrating at once: both succeed, one applies
"$MG" migrate >"$T/m1" 2>&1 & p1=$!
"$MG" migrate >"$T/m2" 2>&1 & p2=$!
wait $p1; r1=$?; wait $p2; r2=$?
eq "first concurrent migrate exits 0" "$r1" 0
eq "second concurrent migrate exits 0" "$r2" 0
n=$(ls "$SRC"/media/migrations/*.sql | wc -l)
applied=$(( $(json_field applied <"$T/m1") + $(json_field applied <"$T/m2") ))
eq "the migrations were applied exactly once between them" "$applied" "$n"
eq "schema_migrations has one row per migration" "$(sql "SELECT count(*) FROM schema_migrations")" "$n"
eq "a re-run applies nothing" "$("$MG" migrate)" "{\"applied\":0,\"version\":$n}"

# an applied migration that changed is refused
sql "UPDATE schema_migrations SET checksum = 'edited' WHERE version = 1"
"$MG" migrate >/dev/null 2>"$T/err"; eq "edited migration: migrate exits 1" "$?" 1
contains "edited migration: says so" "$(cat "$T/err")" "never be edited"
"$MG" migrate --status >"$T/out"; eq "edited migration: --status exits 1" "$?" 1
contains "edited migration: --status shows MODIFIED" "$(cat "$T/out")" "MODIFIED"
# repair: start this database over (what an operator does is restore the shipped file)
sql "DROP TABLE webhook_deliveries, webhook_endpoints, media, api_keys, tenants, schema_migrations; DROP TYPE media_status, webhook_delivery_status"
"$MG" migrate >/dev/null; eq "migrate re-applies after repair" "$?" 0

# API keys
key=$("$MG" apikey create --tenant acme --scopes read,write 2>"$T/err"); rc=$?
eq "apikey create exits 0" "$rc" 0
check "the key alone on stdout, prefixed and high-entropy" bash -c "[[ '$key' =~ ^mgk_[A-Za-z0-9_-]{43}$ ]]"
id=$(sed -n 's/.*created key \([0-9a-f-]*\) .*/\1/p' "$T/err")
list=$("$MG" apikey list)
contains "list shows the id" "$list" "$id"
contains "list shows tenant and scopes" "$list" '"tenant":"acme","scopes":"read,write"'
contains "list shows the prefix" "$list" "\"prefix\":\"${key:0:12}\""
not_contains "list never shows the key" "$list" "$key"
eq "only the hash is stored" "$(sql "SELECT count(*) FROM api_keys WHERE key_sha256 = sha256(convert_to('$key','UTF8'))")" 1
"$MG" apikey revoke "$id"; eq "revoke exits 0" "$?" 0
contains "list shows it revoked" "$("$MG" apikey list --tenant acme)" '"revoked_at":"20'
"$MG" apikey revoke "$id" 2>/dev/null; eq "revoking twice: exit 1" "$?" 1
"$MG" apikey create --tenant acme --scopes read,root >/dev/null 2>&1; eq "unknown scope: exit 2" "$?" 2
"$MG" apikey create --tenant 'Bad Tenant' --scopes read >/dev/null 2>&1; eq "bad tenant: exit 2" "$?" 2
"$MG" apikey create --scopes read >/dev/null 2>&1; eq "missing tenant: exit 2" "$?" 2

# gc: objects of rows deleted long enough ago go, then the rows
sql "INSERT INTO tenants (id) VALUES ('gc') ON CONFLICT DO NOTHING"
head -c 2048 /dev/urandom >"$T/obj"
mkrow() { # mkrow <n> <deleted-ago>: a deleted row with a stored object; prints its key
  local key="gc/$RUN_ID/$1"
  "$MG" put "$key" "$T/obj" >/dev/null
  sql "INSERT INTO media (id, tenant_id, status, source_url, request_sha256, bucket, object_key, deleted_at)
       VALUES (gen_random_uuid(), 'gc', 'deleted', 'https://x/$1', 'x', '$MEDIAGATE_S3_BUCKET', '$key', now() - interval '$2')"
  echo "$key"
}
old1=$(mkrow 1 '40 days'); old2=$(mkrow 2 '31 days'); young=$(mkrow 3 '2 days')
eq "gc removes the two old rows" "$("$MG" gc)" '{"removed":2}'
aws_s3 s3api head-object --bucket "$MEDIAGATE_S3_BUCKET" --key "$old1" >/dev/null 2>&1; eq "old object 1 deleted" "$?" 254
aws_s3 s3api head-object --bucket "$MEDIAGATE_S3_BUCKET" --key "$old2" >/dev/null 2>&1; eq "old object 2 deleted" "$?" 254
aws_s3 s3api head-object --bucket "$MEDIAGATE_S3_BUCKET" --key "$young" >/dev/null 2>&1; eq "young object kept" "$?" 0
eq "young row kept" "$(sql "SELECT count(*) FROM media WHERE tenant_id = 'gc'")" 1
eq "--older-than 1d takes the young one" "$("$MG" gc --older-than 1d)" '{"removed":1}'
"$MG" gc --older-than yesterday >/dev/null 2>&1; eq "bad duration: exit 2" "$?" 2

# concurrent gc runs share the work: every row removed once, every object deleted
for i in $(seq 10 49); do mkrow "$i" '40 days' >/dev/null; done
"$MG" gc --batch 3 >"$T/g1" 2>&1 & p1=$!
"$MG" gc --batch 3 >"$T/g2" 2>&1 & p2=$!
wait $p1; r1=$?; wait $p2; r2=$?
eq "concurrent gc runs both exit 0" "$r1$r2" "00"
eq "between them they removed all 40" $(( $(json_field removed <"$T/g1") + $(json_field removed <"$T/g2") )) 40
eq "no gc rows left" "$(sql "SELECT count(*) FROM media WHERE tenant_id = 'gc'")" 0
eq "no gc objects left" "$(aws_s3 s3api list-objects-v2 --bucket "$MEDIAGATE_S3_BUCKET" --prefix "gc/$RUN_ID/" --query 'length(Contents || `[]`)')" 0

# a dead database is a clear error, not a hang
MEDIAGATE_DATABASE_URL="postgresql://x:y@127.0.0.1:9/none" "$MG" apikey list >/dev/null 2>"$T/err"
eq "dead database: exit 1" "$?" 1
contains "dead database: says it cannot connect" "$(cat "$T/err")" "cannot connect to PostgreSQL"
not_contains "dead database: password not printed" "$(cat "$T/err")" "x:y"

# issue 15, defect 5: passwords with '%' and '@' never appear in an error, whole or in part
DBHP=${MEDIAGATE_DATABASE_URL#*@}   # host:port/db of the stack
for pw in 's3cr%zzet' 's3cr@et' 'p%40ss@w%25rd' ; do
  MEDIAGATE_DATABASE_URL="postgresql://mediagate:$pw@$DBHP" "$MG" migrate >/dev/null 2>"$T/err"
  eq "wrong password '${pw//[a-z0-9]/x}': migrate exits 1" "$?" 1
  contains "... with a clear reason" "$(cat "$T/err")" "cannot connect to PostgreSQL"
  not_contains "... and no piece of the password" "$(cat "$T/err")" "s3cr"
  not_contains "... (its tail)" "$(cat "$T/err")" "et@"
  not_contains "... (decoded either)" "$(cat "$T/err")" "w%rd"
done
contains "a password with a raw '@' is read as the password, not as part of the host" \
  "$(MEDIAGATE_DATABASE_URL="postgresql://mediagate:s3cr@et@$DBHP" "$MG" migrate 2>&1)" "authentication failed"
MEDIAGATE_REDIS_URL="redis://:s3cr@et@127.0.0.1:9/0" timeout 5 "$MG" worker >/dev/null 2>"$T/err"
contains "Redis down with an '@' in its password: the host is named right" "$(cat "$T/err")" "127.0.0.1:9"
not_contains "... and the password is not printed" "$(cat "$T/err")" "s3cr"
finish
