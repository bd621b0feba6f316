#!/usr/bin/env bash
# A single-node Slurm on 127.0.0.1 for the dask backend's Slurm tests (dask-jobqueue's SLURMCluster).
# Safe to run again: every step is skipped when already done.
#
#   1. install Debian's slurm-wlm and munge (as root, only if missing)
#   2. a munge key and munged running as user munge (only if `munge -n | unmunge` fails)
#   3. /etc/slurm/slurm.conf for this host (written when missing or different), no cgroups
#   4. slurmctld and slurmd (only if `sinfo` does not show this node idle)
#
# Exit status is non-zero when Slurm cannot be made to run jobs; scripts/setup.sh treats that as
# a warning so the rest of the setup still works (the Slurm tests then skip loudly).
set -euo pipefail

say() { echo "[setup-slurm] $*"; }
fail() { echo "[setup-slurm] ERROR: $*" >&2; exit 1; }

NODE="$(hostname -s)"
CONF=/etc/slurm/slurm.conf
SPOOL=/var/spool/slurm
LOGS=/var/log/slurm

install_packages() {
    if command -v slurmctld >/dev/null && command -v slurmd >/dev/null && command -v munged >/dev/null; then
        say "slurm-wlm and munge are installed"
        return
    fi
    [ "$(id -u)" -eq 0 ] || fail "need root to install slurm-wlm and munge"
    say "installing slurm-wlm and munge (apt-get)"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge >/dev/null
}

start_munge() {
    if munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
        say "munged answers"
        return
    fi
    mkdir -p /etc/munge /var/lib/munge /var/log/munge /run/munge
    if [ ! -s /etc/munge/munge.key ]; then
        dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
    fi
    chown munge:munge /etc/munge /etc/munge/munge.key /var/lib/munge /var/log/munge /run/munge
    chmod 0400 /etc/munge/munge.key
    chmod 0700 /etc/munge /var/lib/munge /var/log/munge
    chmod 0755 /run/munge
    say "starting munged"
    su -s /bin/sh munge -c /usr/sbin/munged
    for _ in $(seq 50); do
        munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && return
        sleep 0.1
    done
    fail "munged does not answer (see /var/log/munge/munged.log)"
}

write_config() {
    mkdir -p /etc/slurm "$SPOOL/ctld" "$SPOOL/d" "$LOGS"
    local wanted
    wanted="$(cat <<EOF
# Written by jupyter-mlops scripts/setup-slurm.sh: one node, this machine, on 127.0.0.1.
ClusterName=mlops
SlurmctldHost=${NODE}(127.0.0.1)
SlurmUser=root
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
StateSaveLocation=${SPOOL}/ctld
SlurmdSpoolDir=${SPOOL}/d
SlurmctldLogFile=${LOGS}/slurmctld.log
SlurmdLogFile=${LOGS}/slurmd.log
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
ReturnToService=2
NodeName=${NODE} NodeAddr=127.0.0.1 CPUs=$(nproc) RealMemory=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 / 2 ))
PartitionName=debug Nodes=${NODE} Default=YES State=UP MaxTime=INFINITE
EOF
)"
    if [ -f "$CONF" ] && [ "$(cat "$CONF")" = "$wanted" ]; then
        say "$CONF is up to date"
        return 1
    fi
    say "writing $CONF"
    printf '%s\n' "$wanted" > "$CONF"
    return 0
}

running() {  # by the daemon's own pid file: never by name, another user's daemon is not ours
    [ -s "/run/$1.pid" ] && kill -0 "$(cat "/run/$1.pid")" 2>/dev/null
}

stop() {
    if running "$1"; then
        kill "$(cat "/run/$1.pid")"
        for _ in $(seq 50); do running "$1" || return 0; sleep 0.1; done
    fi
}

node_idle() {
    sinfo -h -N -n "$NODE" -o '%T' 2>/dev/null | grep -Eq '^(idle|mixed|allocated)'
}

start_slurm() {
    local changed=$1
    if [ "$changed" = no ] && node_idle; then
        say "slurmctld and slurmd run; node $NODE is up"
        return
    fi
    if [ "$changed" = yes ]; then  # a new configuration: restart whatever runs with the old one
        stop slurmd
        stop slurmctld
    fi
    running slurmctld || { say "starting slurmctld"; slurmctld; }
    running slurmd || { say "starting slurmd"; slurmd; }
    for _ in $(seq 100); do
        if node_idle; then
            say "node $NODE is up"
            return
        fi
        scontrol update nodename="$NODE" state=resume >/dev/null 2>&1 || true
        sleep 0.2
    done
    fail "node $NODE did not come up (see $LOGS/slurmctld.log and $LOGS/slurmd.log; sinfo: $(sinfo 2>&1 | tail -1))"
}

install_packages
start_munge
if write_config; then changed=yes; else changed=no; fi
start_slurm "$changed"
