import { createServer, request as httpRequest } from 'node:http';
import { type AddressInfo, connect, type Socket } from 'node:net';

/** One request Firefox sent through the proxy: `http://host:port/path`, or `https://host:port` (a tunnel). */
export interface ProxiedRequest {
  url: string;
  method: string;
}

export interface RecordingProxy {
  port: number;
  readonly requests: readonly ProxiedRequest[];
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * A loopback HTTP proxy that records every request and tunnel, forwards plain HTTP to loopback only (the test
 * pages), tunnels `host:443` to a loopback port where `tunnels` says so (the stand-in hub), and refuses
 * everything else: nothing leaves this machine, and every attempt is seen.
 */
export async function startRecordingProxy(tunnels: Record<string, number> = {}): Promise<RecordingProxy> {
  const requests: ProxiedRequest[] = [];
  const server = createServer((incoming, outgoing) => {
    const url = incoming.url ?? '';
    requests.push({ url, method: incoming.method ?? '' });
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      outgoing.writeHead(400).end();
      return;
    }
    if (target.protocol !== 'http:' || !LOOPBACK.has(target.hostname)) {
      outgoing.writeHead(502).end();
      return;
    }
    const forward = httpRequest(target, { method: incoming.method, headers: incoming.headers }, (answer) => {
      outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(outgoing);
    });
    forward.on('error', () => outgoing.writeHead(502).end());
    incoming.pipe(forward);
  });
  server.on('connect', (incoming, socket, head) => {
    const target = incoming.url ?? '';
    requests.push({ url: `https://${target}`, method: 'CONNECT' });
    const [host, port] = target.split(':');
    const local = port === '443' && host ? tunnels[host] : undefined;
    if (local === undefined) {
      socket.end('HTTP/1.1 502 Bad Gateway\r\n\r\n');
      return;
    }
    const upstream = connect(local, '127.0.0.1', () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
  });
  // Tunnels are no HTTP connections: `closeAllConnections` leaves them, so they are closed by hand.
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return {
    port: (server.address() as AddressInfo).port,
    requests,
    close: () =>
      new Promise((done) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => done());
      }),
  };
}
