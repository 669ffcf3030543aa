# Done once /root/kernel.txt holds what `uname -r` prints.
if ! test -f /root/kernel.txt; then
  echo "There is no kernel.txt in /root yet."
  exit 1
fi
test "$(cat /root/kernel.txt)" = "$(uname -r)" || { echo "kernel.txt should hold exactly what uname -r prints."; exit 1; }
