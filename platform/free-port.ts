import net from 'node:net';

/**
 * A TCP port free on 127.0.0.1 right now, chosen by the kernel. A random pick from a fixed range
 * can land on a port the kernel just handed out to an outgoing connection (the ephemeral range
 * overlaps it), and the server started on it then fails to bind.
 */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
