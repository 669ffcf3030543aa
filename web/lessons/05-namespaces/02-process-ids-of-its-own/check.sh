# Done once some process is PID 1 of a PID namespace of its own. Its NSpid line lists its PID in
# each namespace from the machine's down, so it has at least two numbers, and the last is 1.
if ! grep -qsE '^NSpid:[[:space:]]+[0-9]+([[:space:]]+[0-9]+)*[[:space:]]+1$' /proc/[0-9]*/status; then
  echo "No process is PID 1 of a namespace of its own yet: run unshare --pid --fork --mount-proc bash."
  exit 1
fi
