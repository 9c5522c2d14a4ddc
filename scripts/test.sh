#!/usr/bin/env bash
# The project's test command (`deno task test`): format, lint and type checks, then every test
# inside the test clusters' network namespaces. The last line is "N passed, N failed[, N skipped]".
# With no arguments the test files run on two test clusters at once (their time is mostly waiting
# on controllers, so two share the two cores well); with arguments (deno test flags such as
# --filter) everything runs on one cluster, as `deno test ARGS tests/`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export NO_COLOR=1
# Deno's background update check would look up dl.deno.land; tests reach only the cluster.
export DENO_NO_UPDATE_CHECK=1

# The files the second cluster runs; every other file runs on the first. Chosen so that both
# halves take about as long (about 30 minutes each on a 2-core machine).
SECOND_CLUSTER_FILES="
tests/e2e/check_failures_test.ts tests/e2e/check_broken_test.ts tests/e2e/deploy_plain_test.ts
tests/e2e/predict_test.ts tests/e2e/install_lifecycle_test.ts tests/e2e/install_repair_test.ts
tests/e2e/dry_run_test.ts tests/e2e/knative_owner_test.ts tests/e2e/manifests_test.ts
tests/e2e/model_diagnosis_test.ts tests/e2e/deploy_deleting_test.ts tests/e2e/version_test.ts
tests/e2e/demo_test.ts tests/e2e/conflicts_test.ts tests/e2e/install_cert_manager_test.ts
tests/e2e/deploy_file_test.ts tests/e2e/llm_test.ts tests/e2e/knative_serving_test.ts
tests/e2e/creds_hf_test.ts tests/e2e/check_cainjector_test.ts tests/e2e/rollout_test.ts
tests/e2e/llm_routed_test.ts tests/e2e/knative_diagnosis_test.ts tests/e2e/knative_rules_test.ts"
SECOND_CLUSTER_ENV=(KSERVE_CLUSTER_DIR=/tmp/kubectl-kserve-cluster-2 KSERVE_CLUSTER_NETNS=kubectl-kserve-2)

phase_start=$(date +%s)
phase() { echo "== $1 (after $(($(date +%s) - phase_start))s)"; }

phase "deno fmt --check, deno lint, deno check"
deno fmt --check
deno lint
deno check main.ts lib/ tests/ scripts/
# Tests run offline inside the namespace, so every npm package must be cached first.
deno install --quiet

reports=()
started=()
stop() {
  rm -f "${reports[@]}"
  local env
  for env in "${started[@]}"; do
    # shellcheck disable=SC2086 # an environment list
    env $env bash scripts/cluster/cluster.sh down >/dev/null 2>&1 || true
  done
}
trap stop EXIT

# Starts the cluster of an environment unless it is up, in the background (its pid in $up_pid, 0
# when it was up); a cluster started here is stopped at exit, one that was up is left running.
cluster_up() {
  up_pid=0
  if ! env "$@" bash scripts/cluster/cluster.sh status >/dev/null 2>&1; then
    started+=("$*")
    env "$@" bash scripts/cluster/cluster.sh up &
    up_pid=$!
  fi
}

# Runs deno test on the cluster of an environment; its output goes to the report file given.
run_on() {
  local report=$1
  shift
  local envs=()
  while [ "$1" != "--" ]; do envs+=("$1") && shift; done
  shift
  env "${envs[@]}" bash scripts/cluster/cluster.sh exec -- deno test --allow-all --quiet "$@" \
    >"$report" 2>&1
}

phase "test clusters"
tests_start=$(date +%s)
status=0
if [ $# -gt 0 ]; then
  cluster_up NO_COLOR=1
  [ "$up_pid" = 0 ] || wait "$up_pid"
  reports+=("$(mktemp)")
  phase "deno test $* (one cluster)"
  set +e
  run_on "${reports[0]}" NO_COLOR=1 -- "$@" tests/
  status=$?
  set -e
  cat "${reports[0]}"
else
  cluster_up NO_COLOR=1
  first_up=$up_pid
  cluster_up "${SECOND_CLUSTER_ENV[@]}"
  second_up=$up_pid
  [ "$first_up" = 0 ] || wait "$first_up"
  [ "$second_up" = 0 ] || wait "$second_up"
  first_files=()
  for file in tests/unit/*_test.ts tests/cli/*_test.ts tests/cluster/*_test.ts tests/e2e/*_test.ts; do
    case " $(echo $SECOND_CLUSTER_FILES) " in
    *" $file "*) ;;
    *) first_files+=("$file") ;;
    esac
  done
  # shellcheck disable=SC2206 # a list of paths without spaces
  second_files=($SECOND_CLUSTER_FILES)
  reports+=("$(mktemp)" "$(mktemp)")
  phase "deno test on two clusters (${#first_files[@]} and ${#second_files[@]} files)"
  set +e
  run_on "${reports[0]}" NO_COLOR=1 -- "${first_files[@]}" &
  first=$!
  run_on "${reports[1]}" "${SECOND_CLUSTER_ENV[@]}" -- "${second_files[@]}" &
  second=$!
  wait "$first" || status=1
  wait "$second" || status=1
  set -e
  echo "-- first cluster"
  cat "${reports[0]}"
  echo "-- second cluster"
  cat "${reports[1]}"
fi

passed=0 failed=0 ignored=0
for report in "${reports[@]}"; do
  summary=$(grep -E '^(ok|FAILED) \|' "$report" | tail -n 1 || true)
  if [ -z "$summary" ]; then
    echo "deno test printed no summary ($report)" >&2
    echo "0 passed, 1 failed"
    exit 1
  fi
  passed=$((passed + $(sed -n 's/.* \([0-9]\+\) passed.*/\1/p' <<<"$summary")))
  failed=$((failed + $(sed -n 's/.* \([0-9]\+\) failed.*/\1/p' <<<"$summary")))
  n=$(sed -n 's/.* \([0-9]\+\) ignored.*/\1/p' <<<"$summary")
  ignored=$((ignored + ${n:-0}))
done
echo "tests took $(($(date +%s) - tests_start))s"
line="$passed passed, $failed failed"
if [ "$ignored" != 0 ]; then line="$line, $ignored skipped"; fi
echo "$line"
exit "$status"
