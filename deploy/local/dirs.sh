# dirs.sh - sourced by up.sh and pgbouncer.sh: where the stack's unprivileged daemons keep
# their files (issue 29, item 1).
#
# As root, PostgreSQL and pgbouncer run as the postgres user (both refuse root), and that
# user must be able to enter their directories. A clone in root's home (mode 700 on
# Debian), under a 700 temporary directory, or anywhere else the postgres user cannot enter
# keeps those directories outside the stack directory, in one private directory of /var/tmp
# named in $STATE/outside and linked from $STATE/<name>; down.sh removes it with the stack.
# Paths handed to those daemons are the real ones (stack_dir prints it), never through the
# link, whose parents they could not enter.

# stack_dir NAME: create $STATE/NAME (or the link) and print its real path. Needs STATE.
stack_dir() {
  local name=$1 out
  if [ "$(id -u)" = 0 ] && ! setpriv --reuid=postgres --regid=postgres --init-groups -- \
      test -x "$STATE" 2>/dev/null; then
    [ -s "$STATE/outside" ] || mktemp -d /var/tmp/mediagate-stack.XXXXXX >"$STATE/outside"
    out=$(cat "$STATE/outside")
    chmod 755 "$out"
    mkdir -p "$out/$name"
    [ -L "$STATE/$name" ] || { rm -rf "${STATE:?}/$name"; ln -s "$out/$name" "$STATE/$name"; }
  else
    mkdir -p "$STATE/$name"
  fi
  realpath "$STATE/$name"
}
