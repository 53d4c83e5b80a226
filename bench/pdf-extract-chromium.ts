import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { launchBrowser } from '../test/e2e/harness';
import { twoColumnPaper } from '../test/support/test-pdfs';

// The PDF reader in real Chromium, on the test build (`npm run build:test` first): how long injecting it into a
// PDF tab takes, and its reading time per page (fetch, open, header/footer sample and text, in batches of 20
// as the worker asks, up to the 400,000-character budget). `npx tsx bench/pdf-extract-chromium.ts`.

const files: Record<string, Uint8Array> = {
  '/p14.pdf': twoColumnPaper(14),
  '/p300.pdf': twoColumnPaper(300),
};
const server = createServer((request, response) => {
  const body = files[new URL(request.url ?? '/', 'http://x').pathname];
  response.writeHead(body ? 200 : 404, { 'content-type': 'application/pdf' }).end(body);
});
await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const browser = await launchBrowser();

interface Batch {
  ok: boolean;
  error?: unknown;
  value: { pages: { text: string }[]; next: number | null };
}

for (const name of Object.keys(files)) {
  for (let round = 0; round < 2; round++) {
    const { tabId } = await browser.openTab(`${origin}${name}?round=${round}`);
    const result = await browser.worker.evaluate(async (tabId) => {
      const started = performance.now();
      await chrome.scripting.executeScript({ target: { tabId, frameIds: [0] }, files: ['content/pdf.js'] });
      const injected = performance.now();
      let from: number | null = 1;
      let pages = 0;
      let chars = 0;
      while (from !== null && chars < 400_000) {
        const data = { password: null, from, maxChars: 400_000 - chars, maxPages: 20 };
        const reply: Batch = await chrome.tabs.sendMessage(
          tabId,
          { protocol: 'pagewise/1', name: 'readPdfPages', data },
          { frameId: 0 },
        );
        if (!reply.ok) throw new Error(JSON.stringify(reply.error));
        pages += reply.value.pages.length;
        chars += reply.value.pages.reduce((sum, page) => sum + page.text.length, 0);
        from = reply.value.next;
      }
      const read = performance.now() - injected;
      return {
        injectMs: Math.round(injected - started),
        readMs: Math.round(read),
        pages,
        msPerPage: +(read / pages).toFixed(1),
      };
    }, tabId);
    console.log(JSON.stringify({ file: name, round, ...result }));
  }
}
await browser.close();
server.close();
