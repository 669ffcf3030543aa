# Done once some process has a network namespace other than the machine's. `find -L` follows each
# ns/net link to the namespace itself, so `-samefile` compares namespaces, in one program.
if [ -z "$(find -L /proc/[0-9]*/ns/net -maxdepth 0 ! -samefile /proc/1/ns/net 2>/dev/null)" ]; then
  echo "No shell has a network namespace of its own yet: run unshare --net bash."
  exit 1
fi
