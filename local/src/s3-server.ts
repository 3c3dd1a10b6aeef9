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
}

/**
 * An S3-compatible server on the loopback interface, keeping objects under `directory`.
 * The functions reach it only through the minio client, exactly as they would reach MinIO.
 */
export async function startEmbeddedS3(options: { directory: string; port?: number }): Promise<EmbeddedS3> {
  await mkdir(options.directory, { recursive: true });
  const s3 = new S3rver({
    address: '127.0.0.1',
    port: options.port ?? 0,
    directory: options.directory,
    silent: true,
    resetOnClose: false,
  });
  await s3.run();
  const server = (s3 as unknown as { httpServer: Server }).httpServer;
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Keep-alive connections from the functions would hold the close open.
        for (const socket of sockets) socket.destroy();
      }),
  };
}
