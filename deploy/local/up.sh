#!/usr/bin/env bash
# The README's first command: brings up a Berth cluster on this machine — installs what is
# missing with apt, starts dockerd, installs npm dependencies, builds every image, then
# starts the control plane and N worker nodes (default 2) and writes ~/.berth/config.
#   bash deploy/local/up.sh [--nodes N]        (same as: npx berth cluster up [--nodes N])
exec bash "$(dirname "$0")/cluster.sh" up "$@"
