#!/usr/bin/env bash
# A real Flink 2.2.1 session cluster on this machine, without Docker: a JobManager and
# TaskManagers as separate JVMs on loopback, started from the jars `mvn package` assembles in
# flink-cluster/target/lib (memory computed by Flink's BashJavaUtils, Java 17 options and the
# Vector API module set). The same launcher runs in the ClusterIT test.
#
#   docker/local-cluster.sh start [--task-managers 2] [--slots 2] [--rest-port 8081] [-D key=value ...]
#   docker/local-cluster.sh submit -- --bootstrap-servers localhost:9092 --features 16 [train options]
#   docker/local-cluster.sh stop
#
# Logs, configuration and pids: target/local-cluster (override with STREAMGRAD_CLUSTER_DIR).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
CLI="$ROOT/jobs/target/streamgrad.jar"
DIR="${STREAMGRAD_CLUSTER_DIR:-$ROOT/target/local-cluster}"
if [[ ! -f "$CLI" || ! -d "$ROOT/flink-cluster/target/lib" ]]; then
  echo "local-cluster: build first: (cd $ROOT && mvn -B -q package -DskipTests)" >&2
  exit 2
fi
cmd="${1:-}"
shift || true
case "$cmd" in
  start)
    exec java -jar "$CLI" cluster start --lib "$ROOT/flink-cluster/target/lib" --dir "$DIR" "$@" ;;
  submit)
    [[ "${1:-}" == "--" ]] && shift
    exec java -jar "$CLI" cluster submit --dir "$DIR" --job-jar "$ROOT/jobs/target/streamgrad-flink-job.jar" -- "$@" ;;
  stop)
    exec java -jar "$CLI" cluster stop --dir "$DIR" ;;
  *)
    sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2 ;;
esac
