import WebSocket from 'ws';

/** One CDP event, with the flat session it came from (none: the browser's own). */
export interface CdpEvent {
  method: string;
  params: Record<string, unknown>;
  sessionId?: string;
}

/**
 * A CDP connection of its own to the browser, over the DevTools WebSocket (`ws`). Playwright's CDP sessions
 * cannot address child sessions, and browser-level `Target.setAutoAttach` takes flat sessions only: each
 * command names its session, and each event says which one it came from.
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

/** Connects to `ws://host:port/devtools/browser/...`. */
export async function connectCdp(webSocketUrl: string): Promise<CdpConnection> {
  // CDP messages can be large (a response body, a target list): no size limit on what the browser sends.
  const socket = new WebSocket(webSocketUrl, { perMessageDeflate: false, maxPayload: 0 });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', (error) => reject(new Error(`No WebSocket at ${webSocketUrl}: ${error.message}`)));
  });
  let lastId = 0;
  const replies = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  const listeners: ((event: CdpEvent) => void)[] = [];
  let closed: Error | undefined;

  socket.on('message', (data) => {
    const message = JSON.parse(data.toString()) as {
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
  });
  socket.on('close', () => {
    closed = new Error('The CDP connection closed');
    for (const reply of replies.values()) reply.reject(closed);
    replies.clear();
  });
  // An error is followed by 'close', which rejects what is waiting; handled here so it is not thrown.
  socket.on('error', () => {});

  return {
    send(method, params = {}, sessionId) {
      if (closed) return Promise.reject(closed);
      const id = ++lastId;
      return new Promise((resolve, reject) => {
        replies.set(id, { resolve: resolve as (value: unknown) => void, reject });
        socket.send(JSON.stringify({ id, method, params, sessionId }));
      });
    },
    onEvent(listener) {
      listeners.push(listener);
    },
    close() {
      socket.close();
    },
  };
}
