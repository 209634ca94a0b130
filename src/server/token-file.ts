import { readTextFile } from '../core/text-file-check.js';

/** The largest file a token is read from: a token is tens of characters, a key file a few KiB. */
export const MAX_TOKEN_FILE_BYTES = 64 * 1024;

/**
 * The token a file holds, trimmed. Only a regular file of at most `MAX_TOKEN_FILE_BYTES` is read: a device
 * (`/dev/zero` was read until the process ran out of memory and aborted), a directory or a FIFO (which would
 * wait for a writer) is refused before it is opened.
 * @param what names the setting that gave the file, for the error (`tokenFile`, an environment variable)
 * @throws Error naming `what`, the file and why it cannot be read (`it is a device, not a file`, `no such file`)
 */
export async function readTokenFile(file: string, what: string): Promise<string> {
  try {
    return (await readTextFile(file, { maxBytes: MAX_TOKEN_FILE_BYTES, pipes: false, strictUtf8: true })).trim();
  } catch (error) {
    throw new Error(`${what} '${file}': cannot read the token: ${(error as Error).message}`, { cause: error });
  }
}
