#!/bin/sh
# Final touches to the node image: enable devk's units (each one starts only
# when devk wrote its per-node file), mask what a node never needs, trim.
set -eu
systemctl enable containerd.service devk-images.service devk-network.service \
  devk-pod-cleanup.service etcd.service kube-apiserver.service \
  kube-controller-manager.service kube-scheduler.service kubelet.service \
  kube-proxy.service coredns.service devk-hostpath.service >/dev/null 2>&1
# Units of a full system that a node container has no use for, or that
# fight the engine (getty, udev, time sync, timers).
for unit in getty@.service console-getty.service serial-getty@.service \
  systemd-udevd.service systemd-udev-trigger.service systemd-timesyncd.service \
  systemd-resolved.service systemd-networkd.service systemd-networkd-wait-online.service \
  systemd-logind.service systemd-firstboot.service systemd-hwdb-update.service \
  apt-daily.timer apt-daily-upgrade.timer dpkg-db-backup.timer e2scrub_all.timer \
  fstrim.timer man-db.timer systemd-tmpfiles-clean.timer haproxy.service \
  cryptsetup.target remote-fs.target; do
  systemctl mask "$unit" >/dev/null 2>&1 || true
done
systemctl set-default multi-user.target >/dev/null 2>&1
# Debian's own containerd unit would start with Debian's default config.
rm -f /etc/containerd/config.toml
mkdir -p /etc/devk /etc/kubernetes /var/lib/kubelet /var/lib/etcd /etc/cni/net.d
chmod 0700 /var/lib/etcd
# Keep the CNI plugins devk's network uses (and bridge, for users who
# switch); the others are most of the plugin package's size.
for plugin in /usr/lib/cni/*; do
  case "$(basename "$plugin")" in
    ptp|host-local|portmap|loopback|bridge|bandwidth|tuning) ;;
    *) rm -f "$plugin" ;;
  esac
done
# containerd's failpoint test shims.
rm -rf /usr/lib/containerd
rm -rf /usr/share/doc/* /usr/share/man/* /var/lib/apt/lists/* /var/cache/apt/*
