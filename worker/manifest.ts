// images/manifest.json: the single description of the machine.

export interface FileEntry {
  path: string;
  sha256: string;
  size: number;
}

export interface DiskEntry {
  /** v86's part-file URL: chunks are `<base>-<start>-<end>.img.zst` beside it. */
  path: string;
  /** Size of the raw disk image in bytes. */
  size: number;
  chunkSize: number;
  /** sha256 of the raw image. */
  sha256: string;
  /** The chunk index (path, sha256, size of every chunk file). */
  index: FileEntry;
  /** Chunks a boot from the kernel reads, in the order it reads them (recorded by preboot). */
  bootChunks?: number[];
}

export interface StateEntry extends FileEntry {
  /** The image the state was saved from; it is used only when it equals the manifest's id. */
  imageId: string;
  v86Version: string;
  /** Size of the state decompressed (what v86 restores). */
  rawSize: number;
  /** The zstd frames the file is made of, in order: each decompresses on its own (worker/state-frames.ts). */
  frames: StateFrame[];
  /** What each terminal showed when the state was saved (base64), replayed after a restore. */
  screens: Partial<Record<"main" | "second", string>>;
}

export interface StateFrame {
  /** compressed */
  size: number;
  rawSize: number;
}

export type PortRole = "main" | "second" | "control" | "console";

/** Where a role's bytes go: an 8250 UART (`serial`, ttyS<index>) or a port of the virtio console (hvc<index>). */
export interface PortEntry {
  device: "serial" | "virtio-console";
  index: 0 | 1 | 2 | 3;
  /** The tty's path in the guest. */
  tty: string;
}

export interface Manifest {
  name: string;
  /** A hash of everything that defines the machine (kernel, disk, firmware, command line, memory). */
  id: string;
  v86Version: string;
  memorySize: number;
  /** v86's SVGA memory. The guest has no framebuffer; a small one keeps it out of every state. */
  vgaMemorySize: number;
  cmdline: string;
  ports: Record<PortRole, PortEntry>;
  /**
   * The machine has v86's virtio-9p device over an in-memory filesystem (mount tag "host9p"),
   * which file transfers go through (worker/shared-folder.ts). A state restores only into the
   * device set it was saved from, so this is part of the image.
   */
  sharedFolder?: boolean;
  files: { bios: FileEntry; vgaBios: FileEntry; kernel: FileEntry };
  disk: DiskEntry;
  state?: StateEntry;
  kernelSource: string;
  packages: Record<string, string>;
}

export class BadImageError extends Error {
  readonly code = "bad-image";
}

function isFileEntry(v: unknown): v is FileEntry {
  const f = v as FileEntry;
  return !!f && typeof f.path === "string" && typeof f.sha256 === "string" && typeof f.size === "number";
}

function isPortEntry(v: unknown): v is PortEntry {
  const p = v as PortEntry;
  return !!p && (p.device === "serial" || p.device === "virtio-console") && [0, 1, 2, 3].includes(p.index) && typeof p.tty === "string";
}

/** Whether the manifest has a pre-booted state for this very image. */
export function hasCurrentState(manifest: Manifest): manifest is Manifest & { state: StateEntry } {
  return !!manifest.state && manifest.state.imageId === manifest.id;
}

/** Whether a state lists its frames, and they add up to its sizes. */
function framesFit(state: StateEntry): boolean {
  if (!Array.isArray(state.frames) || !state.frames.every((f) => Number.isInteger(f?.size) && Number.isInteger(f?.rawSize) && f.size > 0 && f.rawSize > 0))
    return false;
  const sum = (key: keyof StateFrame) => state.frames.reduce((total, f) => total + f[key], 0);
  return sum("size") === state.size && sum("rawSize") === state.rawSize;
}

/** Checks the shape of a parsed manifest, so a broken one fails here with a clear message. */
export function parseManifest(json: unknown): Manifest {
  const m = json as Manifest;
  const problems: string[] = [];
  if (!m || typeof m !== "object") throw new BadImageError("manifest.json is not an object");
  if (typeof m.id !== "string") problems.push("id");
  if (typeof m.memorySize !== "number") problems.push("memorySize");
  if (typeof m.vgaMemorySize !== "number") problems.push("vgaMemorySize");
  if (typeof m.cmdline !== "string") problems.push("cmdline");
  if (!m.ports || [m.ports.main, m.ports.second, m.ports.control].some((p) => !isPortEntry(p))) problems.push("ports");
  if (!m.files || !isFileEntry(m.files.bios) || !isFileEntry(m.files.vgaBios) || !isFileEntry(m.files.kernel)) problems.push("files");
  if (!m.disk || typeof m.disk.path !== "string" || typeof m.disk.size !== "number" || typeof m.disk.chunkSize !== "number") problems.push("disk");
  if (m.state !== undefined && (!isFileEntry(m.state) || typeof m.state.rawSize !== "number" || !framesFit(m.state))) problems.push("state");
  if (problems.length) throw new BadImageError(`manifest.json is missing or has bad fields: ${problems.join(", ")}`);
  return m;
}
