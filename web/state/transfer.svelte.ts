// File transfers between the learner's computer and the guest, one at a time, with progress,
// a way to cancel, and a message at the end.
import { errorCode } from "../../worker/errors";
import { TransferCancelled, baseName, checkUploadSize, downloadFile, formatBytes, uploadFile, type TransferGuest } from "../files/transfer";

export interface TransferInProgress {
  kind: "upload" | "download";
  name: string;
  done: number;
  total: number;
}

export interface TransferMessage {
  kind: "done" | "error";
  text: string;
}

/** What uploads need from a dropped or chosen file (a File has it). */
export interface HostFile {
  name: string;
  size: number;
  arrayBuffer(): Promise<ArrayBuffer>;
}

export class FileTransfer {
  current = $state<TransferInProgress | null>(null);
  message = $state<TransferMessage | null>(null);
  percent = $derived(this.current && this.current.total > 0 ? Math.floor((100 * this.current.done) / this.current.total) : 0);

  private queue: Promise<unknown> = Promise.resolve();
  private abort: AbortController | null = null;

  constructor(private readonly guest: TransferGuest) {}

  /** Uploads files into /root, one after another. */
  upload(files: HostFile[]): Promise<void> {
    return this.enqueue(async () => {
      const written: string[] = [];
      for (const file of files) {
        this.current = { kind: "upload", name: file.name, done: 0, total: file.size };
        checkUploadSize(file.name, file.size);
        written.push(await uploadFile(this.guest, file.name, new Uint8Array(await file.arrayBuffer()), this.options()));
      }
      return `Uploaded ${written.join(", ")}`;
    });
  }

  /** Reads a guest file; resolves to its name and bytes, or null when it failed (see `message`). */
  download(path: string): Promise<{ name: string; bytes: Uint8Array } | null> {
    let file: { name: string; bytes: Uint8Array } | null = null;
    return this.enqueue(async () => {
      this.current = { kind: "download", name: path, done: 0, total: 0 };
      const bytes = await downloadFile(this.guest, path.trim(), this.options());
      file = { name: baseName(path.trim()), bytes };
      return `Downloaded ${path.trim()} (${formatBytes(bytes.length)})`;
    }).then(() => file);
  }

  /** Stops the transfer under way (after the chunk in flight); an upload's partial file is removed. */
  cancel(): void {
    this.abort?.abort();
  }

  dismiss(): void {
    this.message = null;
  }

  private options() {
    return { onProgress: (done: number, total: number) => this.progress(done, total), signal: this.abort?.signal };
  }

  private progress(done: number, total: number): void {
    if (this.current) this.current = { ...this.current, done, total };
  }

  private enqueue(task: () => Promise<string>): Promise<void> {
    const run = async () => {
      this.message = null;
      this.abort = new AbortController();
      try {
        this.message = { kind: "done", text: await task() };
      } catch (e) {
        const name = this.current?.name;
        // (a restore or reset gives up the transfer: the machine it was for is gone)
        if (e instanceof TransferCancelled) this.message = { kind: "done", text: `Cancelled ${this.current?.kind ?? "the transfer"} of ${name}` };
        else if (errorCode(e) === "abandoned")
          this.message = { kind: "error", text: "The transfer stopped: the machine was restored or reset while it ran. Try again." };
        else this.message = { kind: "error", text: e instanceof Error ? e.message : String(e) };
      } finally {
        this.current = null;
        this.abort = null;
      }
    };
    const result = this.queue.then(run);
    this.queue = result;
    return result;
  }
}
