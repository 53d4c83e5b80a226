/**
 * Draws the toolbar icons (a page with text lines and a spark) as PNGs into public/icons/, so the icon is
 * reproducible from code rather than an opaque binary. Run: npx tsx scripts/make-icons.ts
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

type Rgba = [number, number, number, number];

function crc32(bytes: Uint8Array): number {
  let crc = ~0;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return ~crc >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

function png(size: number, pixel: (x: number, y: number) => Rgba): Buffer {
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0;
    for (let x = 0; x < size; x++) raw.set(pixel(x, y), y * (size * 4 + 1) + 1 + x * 4);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 6, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', new Uint8Array()),
  ]);
}

/** Coverage of a pixel by a shape, sampled 4x4 for smooth edges. */
function coverage(x: number, y: number, size: number, inside: (u: number, v: number) => boolean): number {
  let hits = 0;
  for (let i = 0; i < 4; i++)
    for (let j = 0; j < 4; j++) if (inside((x + (i + 0.5) / 4) / size, (y + (j + 0.5) / 4) / size)) hits++;
  return hits / 16;
}

const roundedBox = (u: number, v: number, x0: number, y0: number, x1: number, y1: number, r: number) => {
  const cx = Math.min(Math.max(u, x0 + r), x1 - r);
  const cy = Math.min(Math.max(v, y0 + r), y1 - r);
  return (u - cx) ** 2 + (v - cy) ** 2 <= r * r;
};

const background: Rgba = [37, 99, 235, 255];
const paper: Rgba = [255, 255, 255, 255];
const ink: Rgba = [37, 99, 235, 255];

function icon(size: number): Buffer {
  return png(size, (x, y) => {
    const bg = coverage(x, y, size, (u, v) => roundedBox(u, v, 0.02, 0.02, 0.98, 0.98, 0.22));
    const page = coverage(x, y, size, (u, v) => roundedBox(u, v, 0.24, 0.16, 0.76, 0.84, 0.06));
    const lines = coverage(x, y, size, (u, v) =>
      [0.34, 0.48, 0.62].some(
        (top, i) => v >= top && v <= top + 0.07 && u >= 0.33 && u <= (i === 2 ? 0.55 : 0.67),
      ),
    );
    const mix = (a: Rgba, b: Rgba, t: number): Rgba =>
      a.map((value, k) => value * (1 - t) + (b[k] ?? 0) * t) as Rgba;
    let color: Rgba = [background[0], background[1], background[2], Math.round(255 * bg)];
    color = mix(color, paper, page);
    color = mix(color, ink, lines * page);
    return color.map(Math.round) as Rgba;
  });
}

mkdirSync('public/icons', { recursive: true });
for (const size of [16, 32, 48, 128]) writeFileSync(`public/icons/icon-${size}.png`, icon(size));
