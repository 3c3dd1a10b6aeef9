import { mkdir } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import S3rver from 's3rver';

/** s3rver's built-in account: any S3 client signing with these keys is accepted. */
export const EMBEDDED_S3_KEYS = { accessKey: 'S3RVER', secretKey: 'S3RVER' } as const;

export interface EmbeddedS3 {
  url: string;
  port: number;
  close(): Promise<void>;
  /** Starts it again after `close()`, on the same port and data (for outage tests). */
  restart(): Promise<void>;
}

/**
 * An S3-compatible server on the loopback interface, keeping objects under `directory`.
 * The functions reach it only through the minio client, exactly as they would reach MinIO.
 */
export async function startEmbeddedS3(options: { directory: string; port?: number }): Promise<EmbeddedS3> {
  await mkdir(options.directory, { recursive: true });
  let running = await listen(options.directory, options.port ?? 0);
  const port = running.port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () => running.close(),
    restart: async () => {
      await running.close();
      running = await listen(options.directory, port);
    },
  };
}

async function listen(directory: string, port: number): Promise<{ port: number; close(): Promise<void> }> {
  const s3 = new S3rver({ address: '127.0.0.1', port, directory, silent: true, resetOnClose: false });
  await s3.run();
  const server = (s3 as unknown as { httpServer: Server }).httpServer;
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  return {
    port: (server.address() as { port: number }).port,
    close: () =>
      new Promise<void>((resolve) => {
        if (!server.listening) return resolve();
        server.close(() => resolve());
        // Keep-alive connections from the functions would hold the close open.
        for (const socket of sockets) socket.destroy();
      }),
  };
}
