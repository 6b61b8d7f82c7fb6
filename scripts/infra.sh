#!/usr/bin/env bash
# Real infrastructure without Docker (DESIGN.md section 8): a single-node Apache Kafka broker in KRaft
# mode, run with the machine's Java 17 from the jars infra/kafka/pom.xml fetches from Maven Central,
# and the machine's PostgreSQL, MariaDB and Redis, started when they are installed but stopped.
#
#   scripts/infra.sh up      fetch the jars if missing, configure, format once, start, and wait until
#                            every server answers; idempotent
#   scripts/infra.sh down    stop the Kafka broker (the databases belong to the machine and stay up)
#   scripts/infra.sh status  one line per server; exits 1 when one does not answer
#
# Environment: KAFKA_HEAP_OPTS (default -Xms256m -Xmx768m), KAFKA_READY_WITHIN (seconds, default 90).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
kafka_home="$root/.infra/kafka"
libs="$kafka_home/libs"
data="$kafka_home/data"
config="$kafka_home/server.properties"
server_log="$kafka_home/server.log"
pid_file="$kafka_home/kafka.pid"
pom="$root/infra/kafka/pom.xml"
log4j_config="$root/infra/kafka/log4j2.properties"
kafka_address=127.0.0.1:9092
kafka_ready_within=${KAFKA_READY_WITHIN:-90}
kafka_stop_within=30
java=
db_ready_within=30

say() { printf 'infra: %s\n' "$*"; }
fail() {
  printf 'infra: %s\n' "$*" >&2
  exit 1
}

# Runs a check until it succeeds or `seconds` pass.
wait_until() {
  local seconds=$1
  shift
  local deadline=$((SECONDS + seconds))
  until "$@"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.2
  done
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
process_gone() { ! kill -0 "$1" 2>/dev/null; }

# --- Kafka -----------------------------------------------------------------------------------------

find_java() {
  local candidate major
  for candidate in ${JAVA_HOME:+"$JAVA_HOME/bin/java"} /usr/lib/jvm/java-17-openjdk-*/bin/java "$(command -v java || true)"; do
    [[ -n $candidate && -x $candidate ]] || continue
    major=$("$candidate" -XshowSettings:properties -version 2>&1 | awk -F' = ' '/java.specification.version/ { print $2 }')
    if ((${major%%.*} >= 17)); then
      printf '%s\n' "$candidate"
      return
    fi
  done
  fail "Kafka needs Java 17 or newer and none was found (apt-get install openjdk-17-jre-headless)"
}

# The jars are fetched again when the pom changes (e.g. a new Kafka version): the stamp is its hash.
fetch_jars() {
  local stamp
  stamp=$(sha256sum "$pom" | cut -c1-16)
  [[ -f $libs/.fetched && $(<"$libs/.fetched") == "$stamp" ]] && return
  command -v mvn >/dev/null || fail "fetching Kafka's jars needs Maven (apt-get install maven)"
  say "kafka: fetching the broker's jars from Maven Central into .infra/kafka/libs"
  rm -rf "$libs"
  mvn -B -q -f "$pom" dependency:copy-dependencies >"$kafka_home/mvn.log" 2>&1 || {
    tail -n 30 "$kafka_home/mvn.log" >&2
    fail "kafka: Maven could not fetch the jars (log: .infra/kafka/mvn.log)"
  }
  printf '%s\n' "$stamp" >"$libs/.fetched"
}

write_config() {
  mkdir -p "$data"
  { cat "$root/infra/kafka/server.properties"; printf '\nlog.dirs=%s\n' "$data"; } >"$config"
}

# Formats the KRaft log directory once; later starts reuse it, so topics and offsets survive restarts.
format_storage() {
  [[ -f $data/meta.properties ]] && return
  # A random URL-safe base64 UUID, drawn again when it starts with '-' (one time in 64), as Kafka's own
  # Uuid.randomUuid does: the tools' argument parser reads "--cluster-id -X..." as a missing value.
  local cluster_id=-
  while [[ $cluster_id == -* ]]; do
    cluster_id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')
  done
  say "kafka: formatting storage (cluster $cluster_id)"
  "$java" -Dlog4j2.configurationFile="$log4j_config" -cp "$libs/*" kafka.tools.StorageTool \
    format --cluster-id "$cluster_id" --config "$config" >>"$kafka_home/format.log" 2>&1 ||
    fail "kafka: formatting storage failed, see .infra/kafka/format.log"
}

# Prints the broker's pid when the process recorded in the pid file is alive and is our broker.
kafka_pid() {
  [[ -s $pid_file ]] || return 1
  local pid
  pid=$(<"$pid_file")
  [[ -r /proc/$pid/cmdline ]] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q 'kafka\.Kafka' || return 1
  printf '%s\n' "$pid"
}

# The version the running broker logged at start; from another tree's log when that tree started it.
kafka_version() {
  grep -o 'Kafka version: [^ ]*' "${1:-$server_log}" 2>/dev/null | tail -n 1 | cut -d' ' -f3
}

# A broker started by another checkout (its own .infra/kafka): pid and log, if one listens on 9092.
foreign_kafka() {
  local pid config
  pid=$(ss -Hltnp 'sport = :9092' 2>/dev/null | grep -o 'pid=[0-9]*' | head -n 1 | cut -d= -f2)
  [[ -n $pid && -r /proc/$pid/cmdline ]] || return 1
  config=$(tr '\0' '\n' <"/proc/$pid/cmdline" | tail -n 1)
  [[ $config == */server.properties ]] || return 1
  printf '%s %s\n' "$pid" "$(dirname "$config")/server.log"
}

node_bin() {
  local node="$root/node_modules/.bin/node"
  [[ -x $node && -d $root/node_modules/@platformatic/kafka ]] ||
    fail "kafka: the readiness probe needs the project's dependencies: run npm install first"
  printf '%s\n' "$node"
}

await_kafka_elsewhere() {
  "$(node_bin)" "$root/infra/kafka/probe.mjs" "$kafka_address" 15000 >"$kafka_home/probe.out" 2>&1 || {
    cat "$kafka_home/probe.out" >&2
    fail "kafka: something listens on $kafka_address but serves no metadata"
  }
}

# Waits until the broker serves metadata (infra/kafka/probe.mjs), failing early if the JVM exits.
await_kafka() {
  local node probe_pid
  node=$(node_bin)
  "$node" "$root/infra/kafka/probe.mjs" "$kafka_address" "$((kafka_ready_within * 1000))" >"$kafka_home/probe.out" 2>&1 &
  probe_pid=$!
  while kill -0 "$probe_pid" 2>/dev/null; do
    if ! kafka_pid >/dev/null; then
      kill "$probe_pid" 2>/dev/null || true
      tail -n 20 "$server_log" >&2 || true
      fail "kafka: the broker exited while starting (log: .infra/kafka/server.log)"
    fi
    sleep 0.2
  done
  wait "$probe_pid" || {
    cat "$kafka_home/probe.out" >&2
    fail "kafka: the broker did not serve metadata at $kafka_address within ${kafka_ready_within}s (log: .infra/kafka/server.log)"
  }
}

kafka_up() {
  local started=$SECONDS pid
  mkdir -p "$kafka_home"
  if pid=$(kafka_pid); then
    await_kafka
    say "kafka: already up at $kafka_address (pid $pid), Apache Kafka broker version $(kafka_version)"
    return
  fi
  if port_open 9092; then
    # Another checkout's broker (e.g. a developer's tree while CI runs in a fresh clone) is used as is.
    local foreign
    foreign=$(foreign_kafka) || fail "kafka: 127.0.0.1:9092 is taken by a process that is not a Kafka broker started by infra.sh"
    await_kafka_elsewhere
    say "kafka: already up at $kafka_address, started outside this tree (pid ${foreign%% *}), Apache Kafka broker version $(kafka_version "${foreign#* }")"
    return
  fi
  java=$(find_java)
  fetch_jars
  write_config
  format_storage
  [[ -f $server_log ]] && mv "$server_log" "$server_log.previous"
  rm -f "$pid_file"
  # setsid: the broker outlives the shell that started it and ignores its terminal's Ctrl-C; the
  # inner shell records its own pid, which exec hands to the JVM.
  # shellcheck disable=SC2086 # KAFKA_HEAP_OPTS is a list of options
  setsid bash -c 'echo $$ >"$0"; exec "$@"' "$pid_file" \
    "$java" ${KAFKA_HEAP_OPTS:--Xms256m -Xmx768m} -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$log4j_config" -Dkafka.logs.dir="$kafka_home/logs" \
    -cp "$libs/*" kafka.Kafka "$config" </dev/null >"$server_log" 2>&1 &
  wait_until 10 kafka_pid >/dev/null || fail "kafka: the broker did not start (log: .infra/kafka/server.log)"
  await_kafka
  say "kafka: up at $kafka_address in $((SECONDS - started))s (pid $(kafka_pid)), Apache Kafka broker version $(kafka_version)"
  say "kafka: $(<"$kafka_home/probe.out")"
}

kafka_down() {
  local pid
  if ! pid=$(kafka_pid); then
    rm -f "$pid_file"
    say "kafka: no broker started from this tree is running"
    return
  fi
  kill -TERM "$pid"
  if ! wait_until "$kafka_stop_within" process_gone "$pid"; then
    say "kafka: no clean shutdown within ${kafka_stop_within}s, killing pid $pid"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$pid_file"
  say "kafka: stopped (PostgreSQL, MariaDB and Redis stay up: they belong to the machine)"
}

kafka_status() {
  local pid foreign
  if pid=$(kafka_pid) && port_open 9092; then
    say "kafka: up at $kafka_address (pid $pid, version $(kafka_version))"
  elif port_open 9092 && foreign=$(foreign_kafka); then
    say "kafka: up at $kafka_address, started outside this tree (pid ${foreign%% *}, version $(kafka_version "${foreign#* }"))"
  else
    say "kafka: down"
    return 1
  fi
}

# --- The machine's databases -----------------------------------------------------------------------

postgres_answers() { if command -v pg_isready >/dev/null; then pg_isready -q -h 127.0.0.1 -p 5432; else port_open 5432; fi; }
postgres_installed() { [[ -d /etc/postgresql ]] && command -v pg_ctlcluster >/dev/null; }
postgres_start() {
  local version
  version=$(find /etc/postgresql -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -V | tail -n 1)
  pg_ctlcluster --skip-systemctl-redirect "$version" main start
}

mariadb_answers() {
  if command -v mariadb-admin >/dev/null; then
    mariadb-admin --connect-timeout=2 -h 127.0.0.1 -P 3306 -u root ping >/dev/null 2>&1
  else
    port_open 3306
  fi
}
mariadb_installed() { [[ -x /usr/sbin/mariadbd ]]; }
mariadb_start() {
  # The packaged server runs as the mysql user and keeps its socket and pid file in /run/mysqld.
  install -d -o mysql -g mysql /run/mysqld
  start-stop-daemon --start --oknodo --background --chuid mysql --exec /usr/sbin/mariadbd
}

redis_answers() {
  if command -v redis-cli >/dev/null; then
    [[ $(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null) == PONG ]]
  else
    port_open 6379
  fi
}
redis_installed() { command -v redis-server >/dev/null; }
redis_start() {
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
}

# ensure_server NAME ADDRESS PACKAGE: answers, or is started when installed, or fails in one line.
ensure_server() {
  local name=$1 address=$2 package=$3
  if "${name}_answers"; then
    say "$name: up at $address"
    return
  fi
  "${name}_installed" || fail "$name is not installed and nothing answers at $address (apt-get install $package)"
  say "$name: not answering at $address, starting it"
  "${name}_start" >/dev/null
  wait_until "$db_ready_within" "${name}_answers" || fail "$name did not answer at $address within ${db_ready_within}s after starting"
  say "$name: up at $address"
}

server_status() {
  local name=$1 address=$2
  if "${name}_answers"; then
    say "$name: up at $address"
  else
    say "$name: down"
    return 1
  fi
}

# --- Commands --------------------------------------------------------------------------------------

case "${1:-}" in
  up)
    kafka_up
    ensure_server postgres 127.0.0.1:5432 postgresql
    ensure_server mariadb 127.0.0.1:3306 mariadb-server
    ensure_server redis 127.0.0.1:6379 redis-server
    ;;
  down)
    kafka_down
    ;;
  status)
    failed=0
    kafka_status || failed=1
    server_status postgres 127.0.0.1:5432 || failed=1
    server_status mariadb 127.0.0.1:3306 || failed=1
    server_status redis 127.0.0.1:6379 || failed=1
    exit "$failed"
    ;;
  *)
    fail "usage: scripts/infra.sh up|down|status"
    ;;
esac
