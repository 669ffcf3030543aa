# Done once /root/arch.txt holds what `uname -m` prints.
if ! test -f /root/arch.txt; then
  echo "There is no arch.txt in /root yet."
  exit 1
fi
test "$(cat /root/arch.txt)" = "$(uname -m)" || { echo "arch.txt should hold exactly what uname -m prints."; exit 1; }
