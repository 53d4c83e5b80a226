import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { TEST_DECODER_DIR } from '../../scripts/test-models';
import { QWEN25_05B } from '../../src/engine/registry';

/** What the stand-in hub does with a request: answers as the hub would, or fails as with no network. */
export type HubMode = 'offline' | 'stand-in';

export interface StandInHub {
  mode: HubMode;
  /** Paths asked for, in order, by whoever asked (the worker through Playwright, a page through CDP). */
  requests: string[];
}

export interface HubResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/**
 * The hub's answer to a URL: the generated test model under the default model's name, with the headers
 * the real hub sends that a browser checks: `access-control-allow-origin: *` (a cross-origin isolated page
 * accepts only CORS or CORP responses) and the length, which download progress needs.
 */
export function hubResponse(url: string): HubResponse {
  const path = new URL(url).pathname;
  const prefix = `/${QWEN25_05B.repo}/resolve/${QWEN25_05B.revision}/`;
  const headers = { 'access-control-allow-origin': '*' };
  const file = path.startsWith(prefix) ? join(TEST_DECODER_DIR, path.slice(prefix.length)) : '';
  if (!file || !existsSync(file)) return { status: 404, headers, body: Buffer.from('Entry not found') };
  const body = readFileSync(file);
  return {
    status: 200,
    headers: {
      ...headers,
      'content-type': 'application/octet-stream',
      'content-length': String(body.length),
    },
    body,
  };
}

/** Answers the browser's requests to huggingface.co (which these machines can't reach) as the hub would. */
export async function routeStandInHub(context: BrowserContext): Promise<StandInHub> {
  const hub: StandInHub = { mode: 'offline', requests: [] };
  await context.route('https://huggingface.co/**', async (route) => {
    const url = route.request().url();
    hub.requests.push(new URL(url).pathname);
    if (hub.mode === 'offline') return route.abort('internetdisconnected');
    return route.fulfill(hubResponse(url));
  });
  return hub;
}
