/**
 * Reading a request body under a byte limit, for the routes that verify raw bytes (webhooks,
 * Slack): a declared length over the limit is refused before anything is read, and a streamed
 * (chunked) body as soon as it passes the limit, so at most the limit plus one chunk is held.
 */
import { ApiError } from './http-errors.ts';

/** Reads the body, refusing with 413 a declared or actual size over `maxBytes`. */
export async function readLimitedBody(request: Request, maxBytes: number): Promise<Uint8Array> {
  const declared = request.headers.get('content-length')?.trim();
  if (declared && /^[0-9]+$/.test(declared) && Number(declared) > maxBytes) throw tooLarge(maxBytes);
  if (!request.body) return new Uint8Array(0);
  const reader = (request.body as ReadableStream<Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

function tooLarge(maxBytes: number): ApiError {
  return new ApiError(413, 'payload_too_large', `request body exceeds ${maxBytes} bytes`);
}
