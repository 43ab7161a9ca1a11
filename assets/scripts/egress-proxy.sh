# shellcheck shell=sh
# egress-proxy.sh: PID 1 of an `allow` workspace's egress proxy. Writes tinyproxy's
# configuration and its filter (the allow list as anchored regular expressions) to the
# container's one writable place, then runs tinyproxy in the foreground, logging to stderr.
#
# $1: the configuration (its `Filter` line names "$dir/filter"), $2: the filter.
# Both come from `sk` as arguments, never spliced into this text.
set -eu
dir=/tmp/sk-proxy
mkdir -p "$dir"
umask 077
printf '%s\n' "$1" >"$dir/tinyproxy.conf"
printf '%s\n' "$2" >"$dir/filter"
exec tinyproxy -d -c "$dir/tinyproxy.conf"
