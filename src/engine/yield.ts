/**
 * Lets queued events (a Stop, a port message) run between model steps, which on one WASM thread block the
 * event loop. A MessageChannel round trip avoids the 4 ms clamp of nested `setTimeout(0)`.
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
