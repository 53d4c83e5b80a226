import { fakeBrowser } from '@webext-core/fake-browser';
import { vi } from 'vitest';
import type { Runtime } from 'webextension-polyfill';

type Listener<A extends unknown[]> = (...args: A) => void;

function event<A extends unknown[]>() {
  const listeners: Listener<A>[] = [];
  return {
    addListener: (l: Listener<A>) => void listeners.push(l),
    removeListener: (l: Listener<A>) => void listeners.splice(listeners.indexOf(l), 1),
    hasListener: (l: Listener<A>) => listeners.includes(l),
    emit: (...args: A) => {
      for (const l of [...listeners]) l(...args);
    },
  };
}

export interface FakePort extends Runtime.Port {
  /** The other end. */
  peer: FakePort;
}

type PortImpl = FakePort & {
  peer: PortImpl;
  connected: boolean;
  onMessage: ReturnType<typeof event<[unknown, Runtime.Port]>>;
  onDisconnect: ReturnType<typeof event<[Runtime.Port]>>;
};

function createPortPair(name: string, sender: Runtime.MessageSender): [PortImpl, PortImpl] {
  const make = (portSender?: Runtime.MessageSender) => {
    const onMessage = event<[unknown, Runtime.Port]>();
    const onDisconnect = event<[Runtime.Port]>();
    const port = {
      name,
      sender: portSender,
      onMessage,
      onDisconnect,
      connected: true,
      postMessage(message: unknown) {
        if (!port.connected) throw new Error('Attempting to use a disconnected port object');
        const copy = structuredClone(message);
        // Chrome delivers port messages as separate tasks, never synchronously.
        setTimeout(() => {
          if (port.peer.connected) port.peer.onMessage.emit(copy, port.peer);
        }, 0);
      },
      disconnect() {
        if (!port.connected) return;
        port.connected = false;
        port.peer.connected = false;
        setTimeout(() => port.peer.onDisconnect.emit(port.peer), 0);
      },
    } as unknown as PortImpl;
    return port;
  };
  const client = make();
  const server = make(sender);
  client.peer = server;
  server.peer = client;
  return [client, server];
}

/**
 * Ports for unit tests (fake-browser has none): `runtime.connect` from "a page" reaches the listeners
 * registered with `runtime.onConnect` in "the worker", with the given sender.
 */
export function installFakePorts(sender: Runtime.MessageSender) {
  const onConnect = event<[Runtime.Port]>();
  const connected: FakePort[] = [];
  vi.spyOn(fakeBrowser.runtime.onConnect, 'addListener').mockImplementation(onConnect.addListener as never);
  vi.spyOn(fakeBrowser.runtime.onConnect, 'removeListener').mockImplementation(
    onConnect.removeListener as never,
  );
  vi.spyOn(fakeBrowser.runtime, 'connect').mockImplementation(((info?: { name?: string }) => {
    const [client, server] = createPortPair(info?.name ?? '', sender);
    connected.push(server);
    setTimeout(() => onConnect.emit(server), 0);
    return client;
  }) as never);
  return { serverPorts: connected };
}
