# Done once a process runs with /root/my-new-root as its root directory. One `find` reads every
# process's root link: a process per PID would take seconds in the emulator.
if [ -z "$(find /proc/[0-9]*/root -maxdepth 0 -lname /root/my-new-root 2>/dev/null)" ]; then
  echo "No process runs inside my-new-root yet: run chroot . bash from inside it."
  exit 1
fi
