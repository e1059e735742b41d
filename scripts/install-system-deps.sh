#!/usr/bin/env bash
# Installs the Debian packages Berth's tests and local cluster need, if missing.
# etcd and nats-server are only started by the harness; apt never starts services here.
set -euo pipefail
need=()
command -v etcd >/dev/null || need+=(etcd-server)
command -v nats-server >/dev/null || need+=(nats-server)
command -v protoc >/dev/null || need+=(protobuf-compiler)
[ -f /usr/include/google/protobuf/any.proto ] || need+=(libprotobuf-dev)   # the well-known types protoc imports
if [ "${BERTH_NEED_DOCKER:-0}" = 1 ]; then
  [ -x /usr/sbin/dockerd ] || need+=(docker.io)
  command -v iptables >/dev/null || need+=(iptables)
  command -v ip >/dev/null || need+=(iproute2)
  PATH=$PATH:/usr/sbin command -v nft >/dev/null || need+=(nftables)   # kube-proxy --proxy-mode nftables
  PATH=$PATH:/usr/sbin command -v conntrack >/dev/null || need+=(conntrack)   # kube-proxy clears stale flows
fi
if [ "${BERTH_NEED_CLUSTER:-0}" = 1 ]; then   # deploy/local/cluster.sh: image builds and node namespaces
  command -v gcc >/dev/null || need+=(gcc libc6-dev)
  command -v curl >/dev/null || need+=(curl)
  command -v nsenter >/dev/null || need+=(util-linux)
  [ -x /bin/busybox ] || need+=(busybox-static)
  command -v openssl >/dev/null || need+=(openssl)   # the e2e suite signs a user's certificate as the book does
fi
if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}"
  if [ "$(id -u)" != 0 ]; then echo "error: need root to apt-get install ${need[*]}" >&2; exit 1; fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
