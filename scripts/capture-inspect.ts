// `npx tsx scripts/capture-inspect.ts`: captures tests/fixtures/inspect/*.json, what
// contained-inspect answers on the real VM (Node) as the learner's shells build a container one
// piece at a time. Each capture keeps the pieces before it; the unit tests parse them.
import { mkdirSync, writeFileSync } from "node:fs";
import { startLab, type Lab } from "../tests/integration/harness";
import { installInspector } from "../tests/integration/inspector";
import { inspectCommand, type InspectOptions } from "../web/inspect/command";
import { repoPath } from "../worker/node-client";

const dir = repoPath("tests/fixtures/inspect");

async function capture(lab: Lab, name: string, options: InspectOptions = {}): Promise<Record<string, unknown>> {
  const result = await lab.vm.api.exec(inspectCommand(options));
  if (result.exitCode !== 0) throw new Error(`${name}: the inspector failed: ${result.stderr}`);
  const parsed = JSON.parse(result.stdout);
  // one line per process, so a diff of a new capture is readable
  writeFileSync(`${dir}/${name}.json`, JSON.stringify(parsed, null, 1) + "\n");
  console.log(`${name}.json: ${result.stdout.length} bytes, ${parsed.cpuUs} us of guest CPU`);
  return parsed;
}

/** The pid (outside) of the newest process whose command line is exactly `cmdline`. */
async function pidOf(lab: Lab, cmdline: string): Promise<number> {
  const snapshot = JSON.parse((await lab.vm.api.exec(inspectCommand())).stdout) as { processes: Array<{ pid: number; cmdline?: string }> };
  const found = snapshot.processes.filter((p) => p.cmdline === cmdline).pop();
  if (!found) throw new Error(`no process runs ${cmdline}`);
  return found.pid;
}

async function must(lab: Lab, terminal: "main" | "second", command: string): Promise<void> {
  const { exitCode, output } = await lab.run(terminal, command);
  if (exitCode !== 0) throw new Error(`${command} failed (${exitCode}): ${output}`);
}

async function main() {
  mkdirSync(dir, { recursive: true });
  const lab = await startLab("state");
  try {
    console.log(`inspector: ${await installInspector((c, o) => lab.vm.api.exec(c, o))}`);
    await capture(lab, "fresh");
    await capture(lab, "fresh-all", { all: true });

    await lab.type("main", "unshare --pid --fork --mount-proc bash");
    await capture(lab, "pid-namespace");
    await capture(lab, "detail-pid-namespace", { pid: await pidOf(lab, "bash") });

    await lab.type("second", "unshare --uts bash");
    await must(lab, "second", "hostname box");
    await capture(lab, "uts-namespace");

    // learner/NAME once the image hands the controllers down to learner's children (its leaf
    // learner/shells holds the shells), else a group of its own at the top
    const nested = (await lab.vm.api.exec("grep -qw pids /sys/fs/cgroup/learner/cgroup.subtree_control")).exitCode === 0;
    const group = nested ? "/sys/fs/cgroup/learner/box" : "/sys/fs/cgroup/box";
    await must(
      lab,
      "main",
      `mkdir ${group} && echo 20 > ${group}/pids.max && echo 32M > ${group}/memory.max && echo "20000 100000" > ${group}/cpu.max && echo $$ > ${group}/cgroup.procs`,
    );
    await capture(lab, "cgroup-limits");

    await must(lab, "second", "ip netns add blue && ip link add veth0 type veth peer name veth1 && ip link set veth1 netns blue");
    await must(
      lab,
      "second",
      "ip addr add 10.0.0.1/24 dev veth0 && ip link set veth0 up && ip -n blue addr add 10.0.0.2/24 dev veth1 && ip -n blue link set veth1 up",
    );
    await capture(lab, "net-veth");

    await lab.type("second", "setpriv --reuid=1000 --regid=1000 --clear-groups unshare --user --map-root-user bash");
    await capture(lab, "user-namespace", { pid: await pidOf(lab, "bash") });

    await must(
      lab,
      "main",
      "mkdir -p /srv/box/bin /srv/box/lib/i386-linux-gnu && cp /bin/bash /srv/box/bin/ && cp /lib/i386-linux-gnu/libtinfo.so.6 /lib/i386-linux-gnu/libc.so.6 /srv/box/lib/i386-linux-gnu/ && cp /lib/ld-linux.so.2 /srv/box/lib/",
    );
    await lab.type("main", "chroot /srv/box /bin/bash");
    await capture(lab, "chroot", { all: true, pid: await pidOf(lab, "/bin/bash") });
  } finally {
    await lab.close();
  }
}

await main();
