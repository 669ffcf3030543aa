# Done once some process has a user namespace other than the machine's. `find -L` follows each
# ns/user link to the namespace itself, so `-samefile` compares namespaces, in one program.
if [ -z "$(find -L /proc/[0-9]*/ns/user -maxdepth 0 ! -samefile /proc/1/ns/user 2>/dev/null)" ]; then
  echo "No shell has a user namespace of its own yet: run unshare --user --map-root-user bash."
  exit 1
fi
