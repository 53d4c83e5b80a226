/**
 * Lets queued events (a Stop, a port message) run between model steps. On one WASM thread a session run
 * blocks the event loop, so without this a Stop is only seen after generation ends. A MessageChannel round
 * trip is a real macrotask without the 4 ms clamp of nested `setTimeout(0)`.
 */
export function yieldToEventLoop(): Promise<void> {
  const scheduler = (globalThis as { scheduler?: { postTask?: (cb: () => void) => Promise<void> } })
    .scheduler;
  if (scheduler?.postTask) return scheduler.postTask(() => {});
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}
