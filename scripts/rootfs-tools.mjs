#!/usr/bin/env node
// Helpers for scripts/build-rootfs.sh (host side; the i386 guest binaries never run here).
//   closure <tree>                       every ELF's NEEDED libraries and interpreter, every
//                                        script's #! interpreter and every symlink resolve
//                                        inside <tree>; prints what is missing, exits 1 if any
//   fixtimes <ext2 image> <epoch>        set atime/ctime/mtime/crtime of every used inode to
//                                        <epoch> (mke2fs -d copies the host's ctime)
//   chunks <image> <outdir> <chunkSize>  split into zstd chunks <outdir>/rootfs-<start>-<end>.img.zst
//                                        (the names v86's `use_parts`/`fixed_chunk_size` fetch)
//                                        and write <outdir>/rootfs.json
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { closeSync, lstatSync, openSync, readFileSync, readSync, readdirSync, readlinkSync, rmSync, writeFileSync, writeSync, mkdirSync } from "node:fs";
import { join, dirname, posix } from "node:path";

const [cmd, ...args] = process.argv.slice(2);

// ---------------------------------------------------------------------------------------------
// Paths inside a tree: resolve symlinks (absolute ones relative to the tree root), as the guest would.
function resolveIn(root, path, depth = 0) {
  if (depth > 40) return null;
  const parts = path.split("/").filter(Boolean);
  let cur = "/";
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i];
    if (p === ".") continue;
    if (p === "..") {
      cur = posix.dirname(cur);
      continue;
    }
    const next = posix.join(cur, p);
    let st;
    try {
      st = lstatSync(join(root, next));
    } catch {
      return null;
    }
    if (st.isSymbolicLink()) {
      const target = readlinkSync(join(root, next));
      const rest = parts.slice(i + 1).join("/");
      const base = target.startsWith("/") ? target : posix.join(cur, target);
      return resolveIn(root, rest ? posix.join(base, rest) : base, depth + 1);
    }
    cur = next;
  }
  return cur;
}

function walk(root, rel = "/", out = []) {
  for (const name of readdirSync(join(root, rel)).sort()) {
    const p = posix.join(rel, name);
    const st = lstatSync(join(root, p));
    out.push({ path: p, st });
    if (st.isDirectory()) walk(root, p, out);
  }
  return out;
}

function readHead(file, n) {
  const fd = openSync(file, "r");
  const buf = Buffer.alloc(n);
  const got = readSync(fd, buf, 0, n, 0);
  closeSync(fd);
  return buf.subarray(0, got);
}

function closure(root) {
  const entries = walk(root);
  const problems = [];
  const elfs = [];
  for (const { path, st } of entries) {
    if (st.isSymbolicLink()) {
      const target = readlinkSync(join(root, path));
      const abs = posix.normalize(target.startsWith("/") ? target : posix.join(posix.dirname(path), target));
      if (/^\/(proc|sys|dev|run)(\/|$)/.test(abs)) continue; // resolves at run time, under a mount
      if (resolveIn(root, path) === null) problems.push(`dangling symlink ${path} -> ${target}`);
      continue;
    }
    if (!st.isFile() || st.size < 4) continue;
    const head = readHead(join(root, path), 256);
    if (head[0] === 0x7f && head.toString("latin1", 1, 4) === "ELF") {
      elfs.push(path);
      continue;
    }
    if (head[0] === 0x23 && head[1] === 0x21 && st.mode & 0o111) {
      const line = head.toString("latin1").split("\n")[0].slice(2).trim();
      const interp = line.split(/\s+/)[0];
      if (interp && !resolveIn(root, interp)) problems.push(`script ${path}: interpreter ${interp} missing`);
      if (interp === "/usr/bin/env") {
        const prog = line.split(/\s+/)[1];
        const dirs = ["/usr/local/bin", "/usr/bin", "/bin", "/usr/sbin", "/sbin"];
        if (prog && !dirs.some((d) => resolveIn(root, posix.join(d, prog)))) problems.push(`script ${path}: ${prog} (via env) missing`);
      }
    }
  }
  // readelf over every ELF file, in batches (one process per batch, not per file).
  const info = new Map();
  for (let i = 0; i < elfs.length; i += 200) {
    const batch = elfs.slice(i, i + 200);
    const out = execFileSync("readelf", ["-h", "-l", "-d", "-W", ...batch.map((p) => join(root, p))], {
      encoding: "utf8",
      maxBuffer: 1 << 28,
      stdio: ["ignore", "pipe", "pipe"],
    });
    // With several files readelf prefixes each with "File: <path>".
    const chunks = out.split(/^File: /m).filter((c) => c.trim());
    for (const c of chunks) {
      const nl = c.indexOf("\n");
      const file = c.slice(0, nl).trim();
      const rel = "/" + file.slice(root.replace(/\/$/, "").length + 1);
      const cls = /Class:\s+(\S+)/.exec(c)?.[1];
      const machine = /Machine:\s+(.+)/.exec(c)?.[1]?.trim();
      const interp = /Requesting program interpreter: ([^\]]+)\]/.exec(c)?.[1];
      const needed = [...c.matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1]);
      const runpath = [...c.matchAll(/\((?:RUNPATH|RPATH)\)\s+Library r(?:un)?path: \[([^\]]+)\]/g)].flatMap((m) => m[1].split(":"));
      info.set(rel, { cls, machine, interp, needed, runpath });
    }
  }
  const libdirs = ["/lib/i386-linux-gnu", "/usr/lib/i386-linux-gnu", "/lib", "/usr/lib"];
  let neededCount = 0;
  for (const [path, e] of info) {
    if (e.cls !== "ELF32" || !/80386/.test(e.machine ?? "")) {
      problems.push(`${path}: not an i386 ELF32 file (${e.cls}, ${e.machine})`);
      continue;
    }
    if (e.interp && !resolveIn(root, e.interp)) problems.push(`${path}: interpreter ${e.interp} missing`);
    for (const lib of e.needed) {
      neededCount++;
      const dirs = [...e.runpath.map((d) => d.replace("$ORIGIN", posix.dirname(path))), ...libdirs];
      if (!dirs.some((d) => resolveIn(root, posix.join(d, lib)))) problems.push(`${path}: NEEDED ${lib} not found`);
    }
  }
  if (problems.length) {
    console.error(`closure check of ${root}: ${problems.length} problem(s)`);
    for (const p of problems) console.error("  MISSING: " + p);
    process.exit(1);
  }
  console.log(`closure check of ${root}: ${info.size} ELF files, ${neededCount} NEEDED entries, all present`);
}

// ---------------------------------------------------------------------------------------------
// ext2: set every used inode's times to a constant.
function fixtimes(image, epochStr) {
  const epoch = Number(epochStr) >>> 0;
  const fd = openSync(image, "r+");
  const sb = Buffer.alloc(1024);
  readSync(fd, sb, 0, 1024, 1024);
  if (sb.readUInt16LE(56) !== 0xef53) throw new Error("not an ext2 image");
  const inodesCount = sb.readUInt32LE(0);
  const blocksCount = sb.readUInt32LE(4);
  const firstDataBlock = sb.readUInt32LE(20);
  const blockSize = 1024 << sb.readUInt32LE(24);
  const blocksPerGroup = sb.readUInt32LE(32);
  const inodesPerGroup = sb.readUInt32LE(40);
  const inodeSize = sb.readUInt32LE(76) >= 1 ? sb.readUInt16LE(88) : 128;
  const incompat = sb.readUInt32LE(96);
  if (incompat & 0x80) throw new Error("64bit feature not supported here");
  const groups = Math.ceil((blocksCount - firstDataBlock) / blocksPerGroup);
  const gdt = Buffer.alloc(groups * 32);
  readSync(fd, gdt, 0, gdt.length, (firstDataBlock + 1) * blockSize);
  let patched = 0;
  for (let g = 0; g < groups; g++) {
    const inodeBitmap = gdt.readUInt32LE(g * 32 + 4);
    const inodeTable = gdt.readUInt32LE(g * 32 + 8);
    const bitmap = Buffer.alloc(Math.ceil(inodesPerGroup / 8));
    readSync(fd, bitmap, 0, bitmap.length, inodeBitmap * blockSize);
    const table = Buffer.alloc(inodesPerGroup * inodeSize);
    readSync(fd, table, 0, table.length, inodeTable * blockSize);
    let dirty = false;
    for (let i = 0; i < inodesPerGroup; i++) {
      if (g * inodesPerGroup + i >= inodesCount) break;
      if (!(bitmap[i >> 3] & (1 << (i & 7)))) continue;
      const o = i * inodeSize;
      if (table.readUInt16LE(o) === 0 && table.readUInt16LE(o + 26) === 0) continue; // mode 0, no links: reserved, unused
      table.writeUInt32LE(epoch, o + 8); // atime
      table.writeUInt32LE(epoch, o + 12); // ctime
      table.writeUInt32LE(epoch, o + 16); // mtime
      if (inodeSize > 128) {
        const extra = table.readUInt16LE(o + 128);
        if (extra >= 8) table.writeUInt32LE(0, o + 132); // ctime_extra
        if (extra >= 12) table.writeUInt32LE(0, o + 136); // mtime_extra
        if (extra >= 16) table.writeUInt32LE(0, o + 140); // atime_extra
        if (extra >= 20) table.writeUInt32LE(epoch, o + 144); // crtime
        if (extra >= 24) table.writeUInt32LE(0, o + 148); // crtime_extra
      }
      dirty = true;
      patched++;
    }
    if (dirty) writeSync(fd, table, 0, table.length, inodeTable * blockSize);
  }
  closeSync(fd);
  console.log(`fixtimes: ${patched} inodes set to ${epoch}`);
}

// ---------------------------------------------------------------------------------------------
function chunks(image, outdir, chunkSizeStr) {
  const chunkSize = Number(chunkSizeStr);
  const data = readFileSync(image);
  if (data.length % chunkSize) throw new Error(`image size ${data.length} is not a multiple of ${chunkSize}`);
  mkdirSync(outdir, { recursive: true });
  for (const f of readdirSync(outdir)) if (f.endsWith(".img.zst") || f === "rootfs.json") rmSync(join(outdir, f));
  const tmp = join(dirname(image), "chunk.tmp");
  const zero = Buffer.alloc(chunkSize);
  let zeroZst = null;
  let total = 0,
    zeros = 0;
  const n = data.length / chunkSize;
  for (let i = 0; i < n; i++) {
    const start = i * chunkSize;
    const part = data.subarray(start, start + chunkSize);
    const name = join(outdir, `rootfs-${start}-${start + chunkSize}.img.zst`);
    const isZero = part.equals(zero);
    let zst;
    if (isZero && zeroZst) zst = zeroZst;
    else {
      writeFileSync(tmp, part);
      zst = execFileSync("zstd", ["-q", "-19", "--no-check", "-c", tmp], { maxBuffer: 1 << 26 });
      if (isZero) zeroZst = zst;
    }
    if (isZero) zeros++;
    writeFileSync(name, zst);
    total += zst.length;
  }
  rmSync(tmp, { force: true });
  const sha256 = createHash("sha256").update(data).digest("hex");
  const zstdVersion = execFileSync("zstd", ["--version"], { encoding: "utf8" }).trim();
  const info = { size: data.length, chunkSize, chunks: n, sha256, compressedBytes: total, zeroChunks: zeros, compressor: `${zstdVersion}; -19 --no-check` };
  writeFileSync(join(outdir, "rootfs.json"), JSON.stringify(info, null, 2) + "\n");
  console.log(`chunks: ${n} x ${chunkSize} bytes (${zeros} all-zero), ${total} bytes compressed, sha256 ${sha256}`);
}

if (cmd === "closure") closure(args[0]);
else if (cmd === "fixtimes") fixtimes(args[0], args[1]);
else if (cmd === "chunks") chunks(args[0], args[1], args[2]);
else {
  console.error("usage: rootfs-tools.mjs closure|fixtimes|chunks ...");
  process.exit(2);
}
