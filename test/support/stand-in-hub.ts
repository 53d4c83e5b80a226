import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join, relative } from 'node:path';

/*
 * A stand-in for the Hugging Face hub, as the downloader sees it: `resolve/{revision}/{path}` with HTTP
 * Range requests (206 and Content-Range), and the tree API with sizes, git blob ids and, for LFS files,
 * SHA-256 (`lfs.oid`), the shape huggingface.co answers. Used by a Node HTTP server (integration tests) and
 * by Playwright routes (the production build in Chromium). A response can be cut at a given byte offset.
 */

/** What to answer: a status, headers and the body (which a cut may end early). */
export interface HubAnswer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  /** Set when the body is cut short of what the headers promise: the connection should then be dropped. */
  cut: boolean;
  /** Set when the body is to be held part-way (only a real server can): bytes before `at` go first. */
  hold?: { at: number; held: Hold };
}

/** A response held part-way through its body, until the test lets it go on. */
export interface HeldResponse {
  /** Resolves once the bytes before the hold are written to the connection. */
  readonly reached: Promise<void>;
  /** Resolves when the client closes the connection before the body is complete (a stopped read). */
  readonly closed: Promise<void>;
  /** The file's offset up to which bytes were written to the connection. */
  sentUpTo(): number;
  /** Sends the rest of the body (nothing, once the client has closed). */
  release(): void;
}

/** A held response, as the server drives it. */
interface Hold extends HeldResponse {
  offset: number;
  markSent(upTo: number): void;
  markClosed(): void;
  onRelease(send: () => void): void;
}

function createHold(offset: number): Hold {
  let sent = 0;
  let reach!: () => void;
  let close!: () => void;
  let released = false;
  let sendRest: (() => void) | undefined;
  const reached = new Promise<void>((resolve) => (reach = resolve));
  const closed = new Promise<void>((resolve) => (close = resolve));
  return {
    offset,
    reached,
    closed,
    sentUpTo: () => sent,
    release() {
      released = true;
      sendRest?.();
    },
    markSent(upTo) {
      sent = upTo;
      if (upTo >= offset) reach();
    },
    markClosed: () => close(),
    onRelease(send) {
      sendRest = send;
      if (released) send();
    },
  };
}

export interface StandInHub {
  /** Answers a GET or HEAD for a hub path (`/org/repo/resolve/rev/file` or `/api/models/...`). */
  answer(path: string, range: string | null): HubAnswer;
  /** The next response for a file whose path ends with `suffix` stops after this absolute byte offset. */
  cutNextAt(suffix: string, offset: number): void;
  /**
   * The next response for a file whose path ends with `suffix` sends the bytes before this absolute offset,
   * then waits for `release()` (served by `serveHub` only: Playwright's routes send a body at once).
   */
  holdNextAt(suffix: string, offset: number): HeldResponse;
  /** Every file request's path and Range header, in order. */
  readonly requests: { path: string; range: string | null }[];
  /** The bytes of a file, as served. */
  bytes(path: string): Buffer;
}

/** Files at least this large are "LFS" files: listed with their SHA-256, as the hub does for weights. */
const LFS_MIN_BYTES = 10_000;

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? walk(join(dir, entry.name))
      : entry.name.startsWith('.')
        ? []
        : [join(dir, entry.name)],
  );
}

/** Serves `dir` as the hub repository `repo`, at any revision. */
export function createStandInHub(repo: string, dir: string): StandInHub {
  const files = new Map(walk(dir).map((file) => [relative(dir, file).split('\\').join('/'), file]));
  const requests: { path: string; range: string | null }[] = [];
  const cuts: { suffix: string; offset: number }[] = [];
  const holds: { suffix: string; hold: Hold }[] = [];
  const resolvePrefix = `/${repo}/resolve/`;
  const treePrefix = `/api/models/${repo}/tree/`;

  const tree = () =>
    [...files].map(([path, file]) => {
      const data = readFileSync(file);
      const gitOid = createHash('sha1').update(`blob ${data.length}\0`).update(data).digest('hex');
      const entry: Record<string, unknown> = { type: 'file', path, size: data.length, oid: gitOid };
      if (data.length >= LFS_MIN_BYTES) {
        entry.lfs = {
          oid: createHash('sha256').update(data).digest('hex'),
          size: data.length,
          pointerSize: 134,
        };
        // The hub's `size` of an LFS file is the file's size too.
      }
      return entry;
    });

  const hub: StandInHub = {
    requests,
    bytes: (path) => readFileSync(files.get(path) ?? ''),
    cutNextAt(suffix, offset) {
      cuts.push({ suffix, offset });
    },
    holdNextAt(suffix, offset) {
      const hold = createHold(offset);
      holds.push({ suffix, hold });
      return hold;
    },
    answer(path, range): HubAnswer {
      const notFound: HubAnswer = {
        status: 404,
        headers: {},
        body: Buffer.from('Entry not found'),
        cut: false,
      };
      if (path.startsWith(treePrefix)) {
        return {
          status: 200,
          headers: { 'content-type': 'application/json', 'access-control-allow-origin': '*' },
          body: Buffer.from(JSON.stringify(tree())),
          cut: false,
        };
      }
      if (!path.startsWith(resolvePrefix)) return notFound;
      const filePath = decodeURIComponent(path.slice(resolvePrefix.length).split('/').slice(1).join('/'));
      const file = files.get(filePath);
      if (!file) return notFound;
      requests.push({ path: filePath, range });
      const size = statSync(file).size;
      const data = readFileSync(file);
      let start = 0;
      let status = 200;
      const headers: Record<string, string> = {
        // As the real hub: files are readable cross-origin (the offscreen page is cross-origin isolated).
        'access-control-allow-origin': '*',
        'accept-ranges': 'bytes',
        'content-type': 'application/octet-stream',
      };
      const match = /^bytes=(\d+)-$/.exec(range ?? '');
      if (match) {
        start = Number(match[1]);
        if (start >= size) {
          const headers = { 'content-range': `bytes */${size}` };
          return { status: 416, headers, body: Buffer.alloc(0), cut: false };
        }
        status = 206;
        headers['content-range'] = `bytes ${start}-${size - 1}/${size}`;
      }
      headers['content-length'] = String(size - start);
      let body = data.subarray(start);
      const cutIndex = cuts.findIndex((c) => filePath.endsWith(c.suffix));
      let cut = false;
      if (cutIndex >= 0) {
        const [{ offset } = { offset: size }] = cuts.splice(cutIndex, 1);
        if (offset > start && offset < size) {
          body = data.subarray(start, offset);
          cut = true;
        }
      }
      const holdIndex = holds.findIndex((h) => filePath.endsWith(h.suffix));
      const held = holdIndex >= 0 ? holds.splice(holdIndex, 1)[0]?.hold : undefined;
      if (held && held.offset > start && held.offset < start + body.length) {
        return { status, headers, body, cut, hold: { at: held.offset - start, held } };
      }
      return { status, headers, body, cut };
    },
  };
  return hub;
}

/**
 * Serves a stand-in hub over real HTTP on loopback (HTTPS with `tls`); a cut response drops the connection
 * mid-body, a held one waits mid-body until it is released.
 */
export async function serveHub(
  hub: StandInHub,
  tls?: { key: string; cert: string },
): Promise<{ host: string; port: number; close(): Promise<void> }> {
  const handle = (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://x');
    const range = request.headers.range ?? null;
    const answer = hub.answer(url.pathname, range);
    response.writeHead(answer.status, answer.headers);
    if (request.method === 'HEAD') {
      response.end();
      return;
    }
    if (answer.hold) {
      const { at, held } = answer.hold;
      const start = Number(/^bytes=(\d+)-$/.exec(range ?? '')?.[1] ?? 0);
      response.on('close', () => {
        if (!response.writableFinished) held.markClosed();
      });
      response.write(answer.body.subarray(0, at), () => held.markSent(start + at));
      held.onRelease(() => {
        if (!response.destroyed)
          response.end(answer.body.subarray(at), () => held.markSent(start + answer.body.length));
      });
      return;
    }
    if (answer.cut) {
      response.write(answer.body, () => response.socket?.destroy());
      return;
    }
    response.end(answer.body);
  };
  const server = tls
    ? (await import('node:https')).createServer(tls, handle)
    : (await import('node:http')).createServer(handle);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  return {
    host: `${tls ? 'https' : 'http'}://127.0.0.1:${port}/`,
    port,
    close: () =>
      new Promise((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
