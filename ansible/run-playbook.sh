#!/bin/sh
# Run by Launchpad's local.Command for a VM app (components/vm): the inventory and the release's extra
# vars arrive as JSON in the environment; they are written to a private temporary folder, the playbook
# runs, and the folder is removed whatever the outcome. The playbook's exit code is the Command's.
#
# usage: LAUNCHPAD_INVENTORY='{...}' LAUNCHPAD_EXTRA_VARS='{...}' ./run-playbook.sh <playbook> [ansible-playbook args]
set -eu
[ "$#" -ge 1 ] || { echo "usage: $0 <playbook> [ansible-playbook args]" >&2; exit 2; }
: "${LAUNCHPAD_INVENTORY:?LAUNCHPAD_INVENTORY: the inventory as JSON}"
: "${LAUNCHPAD_EXTRA_VARS:?LAUNCHPAD_EXTRA_VARS: the release vars as JSON}"
cd "$(dirname "$0")"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
printf '%s' "$LAUNCHPAD_INVENTORY" >"$work/inventory.json"
printf '%s' "$LAUNCHPAD_EXTRA_VARS" >"$work/vars.json"
# The app's secret environment (vm.secretEnv), when it has one: only in this private folder, never in the inventory.
secret=""
if [ -n "${LAUNCHPAD_SECRET_VARS:-}" ]; then
    (umask 077 && printf '%s' "$LAUNCHPAD_SECRET_VARS" >"$work/secret.json")
    secret="$work/secret.json"
fi
# Not in the environment of ansible-playbook and the modules it runs.
unset LAUNCHPAD_SECRET_VARS
playbook=$1
shift
if [ -n "$secret" ]; then
    ansible-playbook -i "$work/inventory.json" -e "@$work/vars.json" -e "@$secret" "$playbook" "$@"
else
    ansible-playbook -i "$work/inventory.json" -e "@$work/vars.json" "$playbook" "$@"
fi
