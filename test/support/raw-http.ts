/**
 * HTTP requests sent exactly as written (path not normalised, headers repeated when given as a
 * list), for the tests that probe what fetch would tidy up first.
 */
import { Agent, type IncomingHttpHeaders, request } from 'node:http';

export interface RawRequest {
  method: string;
  /** Sent as written: percent-encode what needs it. */
  path: string;
  /** A list sends the header once per value. */
  headers: Record<string, string | string[]>;
  body?: Buffer;
  /** Send the body with Transfer-Encoding: chunked rather than a Content-Length. */
  chunked?: boolean;
}

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** Sends one request; rejects when no answer comes within `timeoutMs` (a hang is a failure). */
export function sendRaw(baseUrl: string, req: RawRequest, options: { agent?: Agent; timeoutMs?: number } = {}): Promise<RawResponse> {
  const { hostname, port } = new URL(baseUrl);
  const timeoutMs = options.timeoutMs ?? 30_000;
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | string[]> = { ...req.headers };
    if (req.body && !req.chunked) headers['content-length'] = String(req.body.length);
    if (req.body && req.chunked) headers['transfer-encoding'] = 'chunked';
    let answered = false;
    const timer = setTimeout(() => {
      outgoing.destroy(new Error(`no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    const outgoing = request(
      { host: hostname, port: Number(port), method: req.method, path: req.path, headers, agent: options.agent, setHost: !('host' in headers) },
      (res) => {
        answered = true;
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) });
        });
        res.on('error', (err) => {
          clearTimeout(timer);
          reject(err);
        });
      },
    );
    outgoing.on('error', (err) => {
      // The server may answer (e.g. 413) and close before the whole body is sent: that is an answer.
      if (answered) return;
      clearTimeout(timer);
      reject(new Error(`${err.message}${outgoing.reusedSocket ? ' (on a reused connection)' : ''}`, { cause: err }));
    });
    if (req.body && req.body.length > 0) {
      if (req.chunked) {
        const half = Math.floor(req.body.length / 2);
        outgoing.write(req.body.subarray(0, half));
        outgoing.end(req.body.subarray(half));
      } else {
        outgoing.end(req.body);
      }
    } else {
      outgoing.end();
    }
  });
}
