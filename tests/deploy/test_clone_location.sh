#!/usr/bin/env bash
# The first hour (issue 29, items 1 and 2): the README's run command works wherever a user
# clones the repository. A fresh clone in a directory only its owner may enter (mode 700, as
# root's home is on Debian) whose path holds a space runs deploy/local/run.sh word for word:
# dependencies, build, the stack (PostgreSQL runs as its own user and cannot enter the clone:
# its files live in /var/tmp, linked), the replicas, the sample images fetched through their
# presigned URLs. Then what the run command prints is followed: `source .stack/run.env` and
# `build/mediagate ingest <a sample>` is ready. down.sh removes everything, the outside
# directory included.
source "$(dirname "$0")/lib.sh"
need git haproxy cjpeg
[ -d "$SRC/.git" ] || skip "$SRC is not a git checkout"
HOME_DIR="$T/home of someone"          # a space in the path
mkdir -p "$HOME_DIR" && chmod 700 "$T" "$HOME_DIR"
CLONE="$HOME_DIR/mediagate"
git clone -q "$SRC" "$CLONE"
eq "a fresh clone in a mode-700 directory with a space in its path" "$?" 0
BASE=21000
# only what a user's shell has: none of the test stack's variables
run() { env -i PATH="$PATH" HOME="$HOME_DIR" LANG=C.UTF-8 MEDIAGATE_PORT_BASE=$BASE "$@"; }
EXIT_HOOKS+=("cd '$CLONE' && env -i PATH='$PATH' deploy/local/down.sh")
(cd "$CLONE" && run deploy/local/run.sh) >"$T/run.out" 2>"$T/run.err"
rc=$?
eq "deploy/local/run.sh in the clone exits 0" "$rc" 0
[ "$rc" = 0 ] || { tail -n 30 "$T/run.err"; tail -n 20 "$T/run.out"; }
n=$(grep -c "the source's bytes" "$T/run.out")
eq "... each sample image came back from its presigned URL with the source's bytes" "$n" 3
out=$(cat "$CLONE/.stack/outside" 2>/dev/null)
if [ "$(id -u)" = 0 ]; then
  check "... PostgreSQL's files live outside the clone, where the postgres user can enter ($out)" \
    test -d "$out/pg/data" -a -L "$CLONE/.stack/pg"
fi
line=$(grep -o 'source .*run\.env' "$T/run.out" | head -n 1)
check "the run command says which file to source ($line)" test -n "$line"
sample=$(grep -o 'build/mediagate ingest http://[^ ]*' "$T/run.out" | head -n 1)
check "... and a command to try ($sample)" test -n "$sample"
got=$(cd "$CLONE" && run bash -c "$line && $sample")
contains "following it word for word ingests the sample through the CLI" "$got" '"status":"ready"'
(cd "$CLONE" && run deploy/local/down.sh) >/dev/null 2>&1
eq "down.sh stops it all" "$?" 0
check "... and removes the stack directory" test ! -e "$CLONE/.stack"
[ -n "$out" ] && check "... and the directory kept outside ($out)" test ! -e "$out"
finish
