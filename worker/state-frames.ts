// The pre-booted state is one zstd file made of frames of 4 MiB of raw state each
// (scripts/preboot.ts). Each frame decompresses on its own, so a first visit decompresses
// them while the rest of the file downloads, instead of leaving v86 to decompress all of it
// (about 0.2 s) once the download is done. (v86's own decoder reads only the first frame of a
// file: v86 is always given the state decompressed.)
import type { StateFrame } from "./manifest";
import type { WasmZstd } from "./zstd";

/** A state file in frames, decompressed all at once (when it was not while downloading). */
export function decompressFrames(frames: StateFrame[], rawSize: number, file: Uint8Array, zstd: WasmZstd): Uint8Array {
  return new StateFrames(frames, rawSize, zstd).finishNow(file);
}

export class StateFrames {
  private readonly raw: Uint8Array;
  private zstd: WasmZstd | null = null;
  /** The next frame to decompress, where it starts in the file, and where its bytes go. */
  private next = 0;
  private fileAt = 0;
  private rawAt = 0;
  private failure: unknown = null;

  /** `decoder` may come later than the first bytes: frames complete by then wait for it. */
  constructor(
    private readonly frames: StateFrame[],
    rawSize: number,
    private readonly decoder: WasmZstd | Promise<WasmZstd>,
  ) {
    this.raw = new Uint8Array(rawSize);
    if (decoder instanceof Promise) decoder.then((zstd) => (this.zstd = zstd)).catch(() => {});
    else this.zstd = decoder;
  }

  /** The file's first `loaded` bytes are in `file`: decompresses the frames now complete. */
  feed(file: Uint8Array, loaded: number): void {
    if (!this.zstd || this.failure) return;
    while (this.next < this.frames.length && this.fileAt + this.frames[this.next].size <= loaded) {
      const frame = this.frames[this.next];
      try {
        this.zstd.decompressInto(file.subarray(this.fileAt, this.fileAt + frame.size), this.raw.subarray(this.rawAt, this.rawAt + frame.rawSize));
      } catch (e) {
        this.failure = e;
        return;
      }
      this.next++;
      this.fileAt += frame.size;
      this.rawAt += frame.rawSize;
    }
  }

  /** The whole state decompressed, once all of `file` is there. Throws on damaged data. */
  async finish(file: Uint8Array): Promise<Uint8Array> {
    this.zstd ??= await this.decoder;
    return this.finishNow(file);
  }

  /** finish(), with the decoder given already. */
  finishNow(file: Uint8Array): Uint8Array {
    if (!this.zstd) throw new Error("no zstd decoder yet");
    this.feed(file, file.length);
    if (this.failure) throw this.failure;
    if (this.next < this.frames.length || this.fileAt !== file.length) throw new Error("the state file does not match its frames");
    return this.raw;
  }
}
