# shellcheck shell=bash
# Sourced by .ci/run and .ci/other-passes.
# Runs each command at once in the background (the suites mostly wait on their systems, not on the CPU), then prints
# their output one after the other; fails when any failed.
together() {
  local -a commands=("$@") pids=() logs=()
  local failed=0 i
  mkdir -p reports/ci
  for i in "${!commands[@]}"; do
    logs+=("$(mktemp reports/ci/job-XXXXXX.log)")
    bash -c "${commands[$i]}" >"${logs[$i]}" 2>&1 &
    pids+=($!)
  done
  for i in "${!commands[@]}"; do
    local status=0
    wait "${pids[$i]}" || status=$?
    echo "--- ${commands[$i]}"
    cat "${logs[$i]}"
    if [ "$status" -ne 0 ]; then failed=1; echo "--- FAILED (exit $status): ${commands[$i]}"; fi
  done
  return $failed
}
