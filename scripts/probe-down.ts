import { createRequire } from "node:module";
import { VmService } from "../worker/vm-service";
const images = new URL("../images/", import.meta.url).pathname;
const wasmPath = createRequire(import.meta.url).resolve("v86/build/v86.wasm");
const count = (vm: VmService) => (vm as unknown as { instructionCount(): number }).instructionCount();
const vm = new VmService();
await vm.start({ imagesBase: images, wasmPath, from: "state" });
const size = 32 << 20;
for (const round of [1, 2, 3]) {
  for (const flag of ["", " iflag=direct"]) {
    for (const cache of ["cached", "dropped"]) {
      await vm.exec(`head -c ${size} /dev/urandom > /root/d.bin${cache === "dropped" ? "; sync; echo 3 > /proc/sys/vm/drop_caches" : ""}`, { timeoutMs: 120000 });
      const shared = await vm.reserveSharedFile(size);
      const c = count(vm);
      const t = performance.now();
      const r = await vm.exec(`dd if=/root/d.bin of="$CONTAINED_SHARE/${shared}" bs=1048576 conv=notrunc iflag=fullblock${flag} status=none`, { sharedFolder: true, timeoutMs: 120000 });
      const ms = performance.now() - t;
      const cached = (await vm.exec("grep ^Cached /proc/meminfo")).stdout.trim();
      console.log(round, flag || "plain", cache, ms.toFixed(0), "ms", ((((count(vm) - c) >>> 0)) / 1e6).toFixed(0) + "M", r.stderr.trim(), cached);
      await vm.removeSharedFile(shared);
    }
  }
}
process.exit(0);
