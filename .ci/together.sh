# shellcheck shell=bash
# Sourced by .ci/run and .ci/other-passes.
# Runs each command at once in the background (the suites mostly wait on their systems, not on the CPU), then prints
# their output one after the other; fails when any failed.
# With CI_DEADLINE set (seconds since the epoch), a command still running then is stopped, and its log says what was
# running: a test that waits forever must fail CI with its name, not hold it until the machine's own limit.
together() {
  local -a commands=("$@") pids=() logs=()
  local failed=0 i watchdog=''
  mkdir -p reports/ci
  for i in "${!commands[@]}"; do
    logs+=("$(mktemp reports/ci/job-XXXXXX.log)")
    bash -c "${commands[$i]}" >"${logs[$i]}" 2>&1 &
    pids+=($!)
  done
  if [ -n "${CI_DEADLINE:-}" ]; then
    stop_at_deadline "${#pids[@]}" "${pids[@]}" "${logs[@]}" &
    watchdog=$!
  fi
  for i in "${!commands[@]}"; do
    local status=0
    wait "${pids[$i]}" || status=$?
    echo "--- ${commands[$i]}"
    cat "${logs[$i]}"
    if [ "$status" -ne 0 ]; then failed=1; echo "--- FAILED (exit $status): ${commands[$i]}"; fi
  done
  if [ -n "$watchdog" ]; then kill "$watchdog" 2>/dev/null || true; fi
  return $failed
}

# stop_at_deadline COUNT PID... LOG...: at CI_DEADLINE, each of the PIDs still running gets the process list appended
# to its LOG, then it and everything under it get SIGTERM, and SIGKILL 20 s later.
stop_at_deadline() {
  local count=$1
  shift
  local -a pids=("${@:1:$count}") logs=("${@:$((count + 1))}")
  local i
  local -a tree=()
  sleep "$((CI_DEADLINE - $(date +%s) > 0 ? CI_DEADLINE - $(date +%s) : 0))"
  for i in "${!pids[@]}"; do
    kill -0 "${pids[$i]}" 2>/dev/null || continue
    mapfile -t tree < <(descendants "${pids[$i]}")
    {
      echo "=== CI_DEADLINE passed with this still running; it is stopped. What ran under it (pid, parent, seconds, the end of its command line):"
      # The end of a command line names the test file (node's test runner puts its own options first).
      ps -o pid=,ppid=,etimes=,args= -p "$(IFS=,; echo "${pids[$i]},${tree[*]}")" |
        awk '{ line = $0; sub(/^ *[0-9]+ +[0-9]+ +[0-9]+ +/, "", line); printf "%7s %7s %6ss  %s\n", $1, $2, $3, substr(line, length(line) > 150 ? length(line) - 149 : 1) }'
    } >>"${logs[$i]}"
    kill -TERM "${pids[$i]}" "${tree[@]}" 2>/dev/null || true
  done
  sleep 20
  for i in "${!pids[@]}"; do
    if kill -0 "${pids[$i]}" 2>/dev/null; then
      mapfile -t tree < <(descendants "${pids[$i]}")
      kill -KILL "${pids[$i]}" "${tree[@]}" 2>/dev/null || true
    fi
  done
}

# The pids of every process under PID (children first found, then theirs).
descendants() {
  local child
  for child in $(pgrep -P "$1"); do
    echo "$child"
    descendants "$child"
  done
}
