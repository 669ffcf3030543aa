// zstd decompression with the decoder compiled into v86.wasm (v86 uses it for its own .zst
// files): a second instance of the already compiled module, with its own memory, that never
// runs the emulator. About 1 ms per 128 KiB disk chunk, where a JavaScript decoder took 7-9 ms,
// and the emulator and the decoder share one thread.

interface ZstdExports {
  memory: WebAssembly.Memory;
  zstd_create_ctx(srcLength: number): number;
  zstd_get_src_ptr(ctx: number): number;
  zstd_read(ctx: number, length: number): number;
  zstd_read_free(ptr: number, length: number): void;
  zstd_free_ctx(ctx: number): void;
}

export class ZstdError extends Error {}

/** An instance of v86.wasm whose imports (the emulator's devices) all throw. */
function instantiate(module: WebAssembly.Module): ZstdExports {
  const env: Record<string, WebAssembly.ImportValue> = {};
  for (const { name, kind } of WebAssembly.Module.imports(module)) {
    if (kind === "table") env[name] = new WebAssembly.Table({ element: "anyfunc", initial: 1024 });
    else if (kind === "function")
      env[name] = () => {
        throw new ZstdError(`the zstd decoder called the emulator's ${name}`);
      };
  }
  return new WebAssembly.Instance(module, { env }).exports as unknown as ZstdExports;
}

const decoders = new WeakMap<WebAssembly.Module, WasmZstd>();

export class WasmZstd {
  private wasm: ZstdExports | null = null;

  /** `module` is the compiled v86.wasm. */
  constructor(private readonly module: WebAssembly.Module) {}

  /** The one decoder for `module` (an instance's memory grows to the largest output and stays). */
  static for(module: WebAssembly.Module): WasmZstd {
    let decoder = decoders.get(module);
    if (!decoder) decoders.set(module, (decoder = new WasmZstd(module)));
    return decoder;
  }

  /** Decompresses one zstd frame whose decompressed size is known (v86's decoder stops after the first frame). Throws on damaged input. */
  decompress(src: Uint8Array, size: number): Uint8Array {
    const out = new Uint8Array(size);
    this.decompressInto(src, out);
    return out;
  }

  /** Decompresses `src` into all of `target` (its length is the decompressed size). */
  decompressInto(src: Uint8Array, target: Uint8Array): void {
    if (!isZstdFrame(src)) throw new ZstdError("not zstd data");
    const size = target.length;
    const w = (this.wasm ??= instantiate(this.module));
    const ctx = w.zstd_create_ctx(src.length);
    try {
      new Uint8Array(w.memory.buffer, w.zstd_get_src_ptr(ctx) >>> 0, src.length).set(src);
      const ptr = w.zstd_read(ctx, size) >>> 0;
      target.set(new Uint8Array(w.memory.buffer, ptr, size));
      w.zstd_read_free(ptr, size);
      w.zstd_free_ctx(ctx);
    } catch (e) {
      this.wasm = null; // a trap may leave its heap inconsistent: the next call starts afresh
      throw new ZstdError(`damaged zstd data: ${(e as Error).message}`);
    }
  }
}

function isZstdFrame(src: Uint8Array): boolean {
  return src.length >= 4 && src[0] === 0x28 && src[1] === 0xb5 && src[2] === 0x2f && src[3] === 0xfd;
}
