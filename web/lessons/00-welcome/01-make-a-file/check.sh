# Done once /root/hello.txt holds the line "hello".
if ! test -f /root/hello.txt; then
  echo "There is no hello.txt in /root yet."
  exit 1
fi
grep -qx hello /root/hello.txt || { echo "hello.txt is there, but it does not say hello."; exit 1; }
