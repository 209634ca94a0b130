import { rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * Writes the primary's address (`host:port` and a newline; an empty line when the group has none) to `file`
 * atomically (a temporary file renamed over it), so a client or proxy that reads it never sees half a line.
 * Writes are serialised: the file always ends with the last address asked for.
 */
export class AddressFile {
  private chain: Promise<void> = Promise.resolve();
  private last: string | undefined;

  constructor(readonly file: string) {}

  /** Writes `address` unless it is what the file already holds; failures are reported to `onError`. */
  write(address: string, onError: (error: unknown) => void): Promise<void> {
    if (address === this.last) return this.chain;
    this.last = address;
    const temporary = path.join(path.dirname(this.file), `.${path.basename(this.file)}.${process.pid}.tmp`);
    this.chain = this.chain.then(async () => {
      try {
        await writeFile(temporary, `${address}\n`);
        await rename(temporary, this.file);
      } catch (error) {
        this.last = undefined;
        onError(error);
      }
    });
    return this.chain;
  }
}
