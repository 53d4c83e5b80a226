import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import type { Socket } from 'node:net';

/** One CDP event, with the flat session it came from (none: the browser's own). */
export interface CdpEvent {
  method: string;
  params: Record<string, unknown>;
  sessionId?: string;
}

/**
 * A CDP connection of its own to the browser, over the DevTools WebSocket. Playwright's CDP sessions cannot
 * address child sessions, and browser-level `Target.setAutoAttach` takes flat sessions only: each command
 * names its session, and each event says which one it came from.
 */
export interface CdpConnection {
  send<T = Record<string, unknown>>(
    method: string,
    params?: Record<string, unknown>,
    sessionId?: string,
  ): Promise<T>;
  onEvent(listener: (event: CdpEvent) => void): void;
  close(): void;
}

/** Connects to `ws://host:port/devtools/browser/...` (a small client: text frames, ping, close). */
export async function connectCdp(webSocketUrl: string): Promise<CdpConnection> {
  const socket = await upgrade(webSocketUrl);
  let lastId = 0;
  const replies = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  const listeners: ((event: CdpEvent) => void)[] = [];
  let closed: Error | undefined;

  const onMessage = (text: string) => {
    const message = JSON.parse(text) as {
      id?: number;
      result?: unknown;
      error?: { message: string };
      method?: string;
      params?: Record<string, unknown>;
      sessionId?: string;
    };
    if (message.id !== undefined) {
      const reply = replies.get(message.id);
      replies.delete(message.id);
      if (message.error) reply?.reject(new Error(message.error.message));
      else reply?.resolve(message.result);
    } else if (message.method) {
      const event = { method: message.method, params: message.params ?? {}, sessionId: message.sessionId };
      for (const listener of listeners) listener(event);
    }
  };
  const onClose = () => {
    closed = new Error('The CDP connection closed');
    for (const reply of replies.values()) reply.reject(closed);
    replies.clear();
  };
  readFrames(socket, onMessage, (payload) => writeFrame(socket, 0xa, payload), onClose);

  return {
    send(method, params = {}, sessionId) {
      if (closed) return Promise.reject(closed);
      const id = ++lastId;
      return new Promise((resolve, reject) => {
        replies.set(id, { resolve: resolve as (value: unknown) => void, reject });
        writeFrame(socket, 0x1, Buffer.from(JSON.stringify({ id, method, params, sessionId })));
      });
    },
    onEvent(listener) {
      listeners.push(listener);
    },
    close() {
      writeFrame(socket, 0x8, Buffer.alloc(0));
      socket.end();
    },
  };
}

function upgrade(webSocketUrl: string): Promise<Socket> {
  const url = new URL(webSocketUrl);
  return new Promise((resolve, reject) => {
    const handshake = request({
      host: url.hostname,
      port: url.port,
      path: url.pathname,
      headers: {
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Key': randomBytes(16).toString('base64'),
      },
    });
    handshake.on('upgrade', (_response, socket) => resolve(socket));
    handshake.on('response', (response) =>
      reject(new Error(`No WebSocket at ${webSocketUrl}: HTTP ${response.statusCode}`)),
    );
    handshake.on('error', reject);
    handshake.end();
  });
}

// RFC 6455: a client masks what it sends; the server's frames come unmasked.
function writeFrame(socket: Socket, opcode: number, payload: Buffer): void {
  const length = payload.length;
  const header = length < 126 ? Buffer.alloc(2) : length < 0x10000 ? Buffer.alloc(4) : Buffer.alloc(10);
  header[0] = 0x80 | opcode;
  if (length < 126) header[1] = 0x80 | length;
  else if (length < 0x10000) {
    header[1] = 0x80 | 126;
    header.writeUInt16BE(length, 2);
  } else {
    header[1] = 0x80 | 127;
    header.writeBigUInt64BE(BigInt(length), 2);
  }
  const mask = randomBytes(4);
  const masked = Buffer.alloc(length);
  for (let i = 0; i < length; i++) masked[i] = (payload[i] as number) ^ (mask[i % 4] as number);
  socket.write(Buffer.concat([header, mask, masked]));
}

function readFrames(
  socket: Socket,
  onText: (text: string) => void,
  onPing: (payload: Buffer) => void,
  onClose: () => void,
): void {
  let buffered = Buffer.alloc(0);
  let fragments: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    for (;;) {
      if (buffered.length < 2) return;
      const fin = ((buffered[0] as number) & 0x80) !== 0;
      const opcode = (buffered[0] as number) & 0x0f;
      let length = (buffered[1] as number) & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (buffered.length < 4) return;
        length = buffered.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (buffered.length < 10) return;
        length = Number(buffered.readBigUInt64BE(2));
        offset = 10;
      }
      if (buffered.length < offset + length) return;
      const payload = buffered.subarray(offset, offset + length);
      buffered = buffered.subarray(offset + length);
      if (opcode === 0x9) onPing(Buffer.from(payload));
      else if (opcode === 0x8) socket.end();
      else if (opcode === 0x0 || opcode === 0x1) {
        fragments.push(Buffer.from(payload));
        if (fin) {
          const text = Buffer.concat(fragments).toString('utf8');
          fragments = [];
          onText(text);
        }
      }
    }
  });
  socket.on('close', onClose);
  socket.on('error', onClose);
}
