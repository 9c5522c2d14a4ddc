# shellcheck shell=bash
# Shared by the scripts that show commands as a user would type them (session.sh, demo.sh).
# Sourced, not run.

# Prints `$ CMD ARGS...`, quoting the arguments a shell would need quoted.
print_command() {
  local shown=() arg
  for arg in "$@"; do
    if [[ $arg =~ ^[A-Za-z0-9_./:=@,+-]+$ ]]; then shown+=("$arg"); else shown+=("'$arg'"); fi
  done
  printf '$ %s\n' "${shown[*]}"
}
