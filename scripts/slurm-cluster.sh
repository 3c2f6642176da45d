#!/usr/bin/env bash
# A private single-node Slurm cluster from Debian's packages (slurm-wlm,
# munge), for tests and benchmarks: its own munged, slurmctld and slurmd,
# config, state and logs in DIR, its own ports; nothing of the machine's
# is touched, so several can run side by side. Needs root (munge runs as
# its user). Facts behind the config: ../shared/recipes/slurm-single-node.md.
#
#   scripts/slurm-cluster.sh start DIR CTLD_PORT SLURMD_PORT   prints SLURM_CONF=DIR/slurm.conf once idle
#   scripts/slurm-cluster.sh stop DIR                          stops what start started, by pid
set -euo pipefail
cmd=$1 d=$2

stop() { # by recorded pid: SIGTERM, then SIGKILL after 10 s
  for name in slurmd ctld munged; do
    [ -f "$d/$name.run" ] || continue
    pid=$(cat "$d/$name.run")
    kill "$pid" 2>/dev/null || continue
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$pid" 2>/dev/null || true
  done
}

start() {
  local p1=$1 p2=$2 host mem cpus
  mkdir -p "$d"/{state,spool,log}
  chmod 755 "$d"
  mungekey -c -k "$d/munge.key" -f
  chown munge:munge "$d/munge.key" && chmod 600 "$d/munge.key"
  install -d -o munge -g munge -m 0755 "$d/munge"
  runuser -u munge -- /usr/sbin/munged --socket="$d/munge/sock" --key-file="$d/munge.key" \
    --pid-file="$d/munge/pid" --log-file="$d/munge/log" --seed-file="$d/munge/seed"
  cat "$d/munge/pid" >"$d/munged.run"
  host=$(hostname -s)
  mem=$(($(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 - 512))
  cpus=$(nproc)
  # DefMemPerCPU: without it a job takes the node's memory (one job at a
  # time); half the node's per CPU leaves room for torch and its data.
  cat >"$d/slurm.conf" <<CONF
ClusterName=test$p1
SlurmctldHost=$host
SlurmctldPort=$p1
SlurmdPort=$p2
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$d/munge/sock
CredType=cred/munge
StateSaveLocation=$d/state
SlurmdSpoolDir=$d/spool
SlurmctldPidFile=$d/ctld.pid
SlurmdPidFile=$d/slurmd.pid
SlurmctldLogFile=$d/log/ctld.log
SlurmdLogFile=$d/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/affinity
JobAcctGatherType=jobacct_gather/linux
JobAcctGatherParams=OverMemoryKill
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$d/jobcomp.log
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=$((mem / cpus / 2))
MailProg=/bin/true
MpiDefault=none
MinJobAge=300
KillWait=2
OverTimeLimit=0
SchedulerParameters=sched_interval=1
NodeName=$host CPUs=$cpus Sockets=1 CoresPerSocket=$cpus ThreadsPerCore=1 RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
  export SLURM_CONF=$d/slurm.conf
  setsid /usr/sbin/slurmctld -D -i >"$d/log/ctld.out" 2>&1 </dev/null &
  echo $! >"$d/ctld.run"
  setsid /usr/sbin/slurmd -D >"$d/log/slurmd.out" 2>&1 </dev/null &
  echo $! >"$d/slurmd.run"
  for _ in $(seq 150); do
    if [ "$(sinfo -h -o %T 2>/dev/null || true)" = idle ]; then
      echo "SLURM_CONF=$SLURM_CONF"
      return 0
    fi
    sleep 0.2
  done
  echo "the cluster in $d did not become idle in 30 s:" >&2
  tail -n 5 "$d"/log/*.log >&2 || true
  stop
  return 1
}

case $cmd in
start) start "$3" "$4" ;;
stop) stop ;;
*) echo "usage: $0 start DIR CTLD_PORT SLURMD_PORT | stop DIR" >&2; exit 2 ;;
esac
