// The folder the host shares with the guest for file transfers: v86's virtio-9p device over an
// in-memory filesystem (`filesystem: {}`, mount tag "host9p"). Files go in and out whole on the
// host's side; in the guest, a command that asks for the folder (ExecOptions.sharedFolder) gets it
// mounted in a mount namespace of its own, so no other process (the learner's shells, `mount`,
// /proc/mounts) ever sees it. Everything in the folder is part of a saved state: files are
// removed as soon as their transfer is done, and a save waits until the folder is empty.
import type { V86 } from "./v86-events";

/** Where a command given the shared folder finds it (also $CONTAINED_SHARE in its environment). */
export const SHARE_DIR = "/run/contained/share";
/**
 * 9p messages of up to this size (a read of ~500 KiB is one round trip to the host): the most
 * Linux 6.1's virtio transport takes (PAGE_SIZE * (VIRTQUEUE_NUM - 3)); more is cut to it, with
 * a line in the kernel's log.
 */
const MSIZE = 4096 * 125;

/** The part of v86's 9p filesystem (lib/filesystem.js) used here. */
interface FS9p {
  SearchPath(path: string): { id: number; parentid: number; name: string };
  Unlink(parentid: number, name: string): number;
  DeleteData(id: number): Promise<void>;
  read_file(path: string): Promise<Uint8Array | null>;
  CreateBinaryFile(name: string, parentid: number, data: Uint8Array): Promise<number>;
  inodedata: Record<number, Uint8Array>;
  inodes: Array<{ size: number }>;
}

function fs9p(emulator: V86): FS9p {
  const fs = (emulator as unknown as { fs9p?: FS9p }).fs9p;
  if (!fs) throw new Error("the machine has no shared folder (its image predates it)");
  return fs;
}

/** Quotes a word for sh. */
function quote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/**
 * `command` as a shell command that runs it with the shared folder mounted at SHARE_DIR, in a
 * mount namespace of its own whose mounts propagate nowhere. (busybox's unshare and mount:
 * util-linux's cost 3x the guest instructions, 9 M per command against 3 M, measured.)
 */
export function withSharedFolder(command: string): string {
  const mount = `busybox mount -t 9p -o trans=virtio,version=9p2000.L,msize=${MSIZE} host9p "$CONTAINED_SHARE"`;
  return (
    `export CONTAINED_SHARE=${SHARE_DIR}; [ -d "$CONTAINED_SHARE" ] || mkdir -p "$CONTAINED_SHARE"; ` +
    `exec busybox unshare -m --propagation private sh -c ${quote(`${mount} && eval "$1"`)} sh ${quote(command)}`
  );
}

export class SharedFolder {
  private readonly files = new Set<string>();
  private emptied: Array<() => void> = [];
  private counter = 0;

  constructor(private readonly emulator: V86) {}

  /** Puts `bytes` in the folder; resolves to the file's name there. */
  async put(bytes: Uint8Array): Promise<string> {
    const name = this.newName();
    const fs = fs9p(this.emulator);
    this.files.add(name);
    try {
      // (the bytes themselves become the file's: CreateBinaryFile and create_file copy them)
      const id = await fs.CreateBinaryFile(name, 0, new Uint8Array(0));
      fs.inodedata[id] = bytes;
      fs.inodes[id].size = bytes.length;
    } catch (e) {
      this.forget(name);
      throw e;
    }
    return name;
  }

  /**
   * A file of `size` zero bytes for the guest to write over (a download: with `dd conv=notrunc`,
   * the guest's writes land in this one buffer, which v86 would otherwise grow by copying).
   */
  reserve(size: number): Promise<string> {
    return this.put(new Uint8Array(size));
  }

  /** Reads a file the guest wrote, and removes it. */
  async take(name: string): Promise<Uint8Array> {
    const fs = fs9p(this.emulator);
    const bytes = this.files.has(name) ? await fs.read_file(`/${name}`) : null;
    if (!bytes) {
      this.forget(name);
      throw new Error(`the shared folder has no file ${name}`);
    }
    // read_file gives a view of the filesystem's own buffer, which remove() lets go of
    const file = bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
    await this.remove(name);
    return file;
  }

  /** Removes a file (nothing if it is not there). */
  async remove(name: string): Promise<void> {
    const fs = fs9p(this.emulator);
    const { id, parentid } = fs.SearchPath(`/${name}`);
    if (id !== -1) {
      fs.Unlink(parentid, name);
      await fs.DeleteData(id);
    }
    this.forget(name);
  }

  /** Whether a transfer has files in the folder. */
  get inUse(): boolean {
    return this.files.size > 0;
  }

  /** Resolves once the folder has no files (at once if it has none). */
  whenEmpty(): Promise<void> {
    if (!this.inUse) return Promise.resolve();
    return new Promise((resolve) => this.emptied.push(resolve));
  }

  /** Removes every file (a save that waited too long, a restore that replaced the folder). */
  async clear(): Promise<void> {
    for (const name of [...this.files]) await this.remove(name);
  }

  /**
   * Zeroes what the 9p device keeps of the last message (up to 2 * msize bytes of a transferred
   * file's data), which a saved state would otherwise carry.
   */
  scrub(): void {
    const device = (this.emulator as unknown as { v86: { cpu: { devices: { virtio_9p?: { replybuffer?: Uint8Array } } } } }).v86.cpu.devices.virtio_9p;
    device?.replybuffer?.fill(0);
  }

  private newName(): string {
    return `transfer-${++this.counter}-${Math.random().toString(36).slice(2, 10)}`;
  }

  private forget(name: string): void {
    this.files.delete(name);
    if (this.inUse) return;
    const waiters = this.emptied;
    this.emptied = [];
    for (const w of waiters) w();
  }
}
