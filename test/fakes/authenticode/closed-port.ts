/**
 * A loopback URL nothing listens on (a port we bound and released), for "timestamp server down"
 * cases: the connection is refused, as with a real server that is down.
 */
import { createServer } from 'node:net';

export async function closedPortUrl(path = '/ts'): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}${path}`;
}
