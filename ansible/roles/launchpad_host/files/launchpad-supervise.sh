#!/bin/sh
# launchpad-supervise: start, stop or check one Launchpad app from a pidfile where systemd is not
# available (containers, the local test run). It runs exactly what the systemd unit runs: the command
# in <prefix>/current (resolved at start), with the same environment files and log file. Unlike
# systemd it does not restart a crashed process; the deploy's health check is what notices.
#
# usage: launchpad-supervise start|stop|restart|status <supervise.conf>
set -eu

usage() {
    echo "usage: $0 start|stop|restart|status <supervise.conf>" >&2
    exit 2
}
[ "$#" -eq 2 ] || usage
action=$1
conf=$2
[ -r "$conf" ] || { echo "launchpad-supervise: cannot read $conf" >&2; exit 2; }
# Sets PIDFILE LOGFILE WORKDIR ENV_FILES STOP_TIMEOUT RUN_AS RUN_GROUP and the command as "$@".
# shellcheck source=/dev/null
. "$conf"

pid() {
    [ -f "$PIDFILE" ] && cat "$PIDFILE"
}

running() {
    p=$(pid) || return 1
    [ -n "$p" ] && kill -0 "$p" 2>/dev/null || return 1
    # An exited child that nobody reaped yet (a container's PID 1 may not) is not running.
    state=$(sed -e 's/^.*) //' "/proc/$p/stat" 2>/dev/null | cut -c1) || state=
    [ "$state" != Z ]
}

start() {
    if running; then
        echo "running $(pid)"
        return 0
    fi
    (
        # -P: the process works in the release directory itself, as systemd resolves the link.
        cd -P "$WORKDIR"
        set -a
        for f in $ENV_FILES; do
            # shellcheck source=/dev/null
            . "$f"
        done
        set +a
        # As the unit's UMask=0027.
        umask 027
        # A session of its own: it outlives the shell (and the Ansible task) that started it. Started as
        # root (become), it runs as the service account with its HOME, USER and LOGNAME, as systemd's User=
        # does; the log is opened before, as by systemd.
        if [ "$(id -u)" = 0 ] && [ -n "${RUN_AS:-}" ] && [ "$RUN_AS" != root ]; then
            home=$(getent passwd "$RUN_AS" | cut -d: -f6)
            exec setsid setpriv --reuid="$RUN_AS" --regid="${RUN_GROUP:-$RUN_AS}" --init-groups \
                env HOME="${home:-/}" USER="$RUN_AS" LOGNAME="$RUN_AS" "$@" </dev/null >>"$LOGFILE" 2>&1
        fi
        exec setsid "$@" </dev/null >>"$LOGFILE" 2>&1
    ) &
    echo "$!" >"$PIDFILE"
    echo "started $!"
}

stop() {
    if ! running; then
        rm -f "$PIDFILE"
        echo "stopped"
        return 0
    fi
    p=$(pid)
    kill -TERM "$p" 2>/dev/null || true
    waited=0
    while running; do
        if [ "$waited" -ge "$((STOP_TIMEOUT * 10))" ]; then
            kill -KILL "$p" 2>/dev/null || true
            break
        fi
        sleep 0.1
        waited=$((waited + 1))
    done
    rm -f "$PIDFILE"
    echo "stopped $p"
}

# The command travels as the functions' arguments (POSIX sh has no arrays).
case "$action" in
start) start "$@" ;;
stop) stop ;;
restart)
    stop
    start "$@"
    ;;
status)
    if running; then
        echo "running $(pid)"
    else
        echo "not running"
        exit 3
    fi
    ;;
*) usage ;;
esac
