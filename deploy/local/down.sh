#!/usr/bin/env bash
# Removes the cluster deploy/local/up.sh made: every node namespace, dockerd, process,
# container, bridge and iptables rule. Data stays in ~/.berth unless --purge is given.
exec bash "$(dirname "$0")/cluster.sh" down "$@"
