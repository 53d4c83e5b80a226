import { createHash, randomBytes } from 'node:crypto';

// A small PDF writer for the tests' PDFs: text in Helvetica (WinAnsi) or in a CJK font that uses a
// predefined CMap (UniJIS-UCS2-H, not embedded, so pdf.js needs its cMaps to read it), image-only pages, and
// the standard security handler (RC4, 128-bit, revision 3), all written by hand so no package is needed.

/** One run of text placed at (x, y) in points, from the page's bottom-left corner. */
export interface PdfText {
  x: number;
  y: number;
  text: string;
  size?: number;
  /** `cjk` writes the text with the Japanese font (Adobe-Japan1, UniJIS-UCS2-H). */
  font?: 'helvetica' | 'cjk';
}

export interface PdfPage {
  texts?: PdfText[];
  /** Draws one gray image over the page and nothing else (a scan). */
  image?: boolean;
}

export interface PdfOptions {
  pages: PdfPage[];
  /** Encrypts with the standard security handler; the user password opens it. */
  password?: { user: string; owner?: string };
}

export const PAGE_WIDTH = 612;
export const PAGE_HEIGHT = 792;

/** Writes a PDF with one content stream per page; deterministic but for the encryption's file id. */
export function writePdf({ pages, password }: PdfOptions): Uint8Array {
  const objects: (string | Buffer)[] = [];
  const add = (body: string | Buffer) => {
    objects.push(body);
    return objects.length;
  };
  const fileId = password ? randomBytes(16) : Buffer.alloc(16, 7);
  const security = password
    ? standardSecurity(password.user, password.owner ?? `${password.user}-owner`, fileId)
    : null;
  const encrypt = (num: number, data: Buffer) => (security ? rc4(objectKey(security.key, num), data) : data);

  const catalog = add('');
  const pageTree = add('');
  const helvetica = add('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>');
  const descriptor = add(
    '<< /Type /FontDescriptor /FontName /KozMinPr6N-Regular /Flags 6 /FontBBox [-437 -340 1147 1317] /ItalicAngle 0 /Ascent 1317 /Descent -349 /CapHeight 742 /StemV 80 >>',
  );
  const cidFont = add(
    `<< /Type /Font /Subtype /CIDFontType0 /BaseFont /KozMinPr6N-Regular /CIDSystemInfo << /Registry (Adobe) /Ordering (Japan1) /Supplement 6 >> /FontDescriptor ${descriptor} 0 R /DW 1000 >>`,
  );
  const cjk = add(
    `<< /Type /Font /Subtype /Type0 /BaseFont /KozMinPr6N-Regular-UniJIS-UCS2-H /Encoding /UniJIS-UCS2-H /DescendantFonts [${cidFont} 0 R] >>`,
  );
  const image = add('');
  const grayPixels = Buffer.alloc(64 * 64, 0x80);
  objects[image - 1] = streamObject(
    '/Type /XObject /Subtype /Image /Width 64 /Height 64 /ColorSpace /DeviceGray /BitsPerComponent 8',
    encrypt(image, grayPixels),
  );

  const pageIds: number[] = [];
  for (const page of pages) {
    const contentNum = add('');
    objects[contentNum - 1] = streamObject('', encrypt(contentNum, Buffer.from(contentOf(page), 'latin1')));
    pageIds.push(
      add(
        `<< /Type /Page /Parent ${pageTree} 0 R /MediaBox [0 0 ${PAGE_WIDTH} ${PAGE_HEIGHT}] /Contents ${contentNum} 0 R /Resources << /Font << /F1 ${helvetica} 0 R /F2 ${cjk} 0 R >> /XObject << /Im1 ${image} 0 R >> >> >>`,
      ),
    );
  }
  objects[catalog - 1] = `<< /Type /Catalog /Pages ${pageTree} 0 R >>`;
  objects[pageTree - 1] =
    `<< /Type /Pages /Kids [${pageIds.map((id) => `${id} 0 R`).join(' ')}] /Count ${pageIds.length} >>`;
  const encryptNum = security
    ? add(
        `<< /Filter /Standard /V 2 /R 3 /Length 128 /P ${security.permissions} /O <${security.owner.toString('hex')}> /U <${security.user.toString('hex')}> >>`,
      )
    : null;

  const chunks: Buffer[] = [Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n', 'latin1')];
  let length = chunks[0]?.length ?? 0;
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(length);
    const bytes = Buffer.concat([
      Buffer.from(`${i + 1} 0 obj\n`, 'latin1'),
      typeof body === 'string' ? Buffer.from(body, 'latin1') : body,
      Buffer.from('\nendobj\n', 'latin1'),
    ]);
    chunks.push(bytes);
    length += bytes.length;
  });
  const xref = [
    'xref',
    `0 ${objects.length + 1}`,
    '0000000000 65535 f ',
    ...offsets.map((offset) => `${String(offset).padStart(10, '0')} 00000 n `),
    'trailer',
    `<< /Size ${objects.length + 1} /Root ${catalog} 0 R${encryptNum ? ` /Encrypt ${encryptNum} 0 R` : ''} /ID [<${fileId.toString('hex')}> <${fileId.toString('hex')}>] >>`,
    'startxref',
    String(length),
    '%%EOF',
    '',
  ].join('\n');
  chunks.push(Buffer.from(xref, 'latin1'));
  return new Uint8Array(Buffer.concat(chunks));
}

function streamObject(dict: string, data: Buffer): Buffer {
  return Buffer.concat([
    Buffer.from(`<< ${dict} /Length ${data.length} >>\nstream\n`, 'latin1'),
    data,
    Buffer.from('\nendstream', 'latin1'),
  ]);
}

function contentOf(page: PdfPage): string {
  const ops: string[] = [];
  if (page.image) ops.push(`q ${PAGE_WIDTH} 0 0 ${PAGE_HEIGHT} 0 0 cm /Im1 Do Q`);
  for (const { x, y, text, size = 10, font = 'helvetica' } of page.texts ?? []) {
    const shown = font === 'cjk' ? `<${ucs2Hex(text)}>` : `(${escapeLatin1(text)})`;
    ops.push(`BT /${font === 'cjk' ? 'F2' : 'F1'} ${size} Tf ${x} ${y} Td ${shown} Tj ET`);
  }
  return ops.join('\n');
}

function escapeLatin1(text: string): string {
  return text.replace(/[\\()]/g, (c) => `\\${c}`).replace(/[^\x20-\x7e]/g, '?');
}

function ucs2Hex(text: string): string {
  let hex = '';
  for (let i = 0; i < text.length; i++) hex += text.charCodeAt(i).toString(16).padStart(4, '0');
  return hex;
}

// ---- The standard security handler, revision 3 (ISO 32000-1, 7.6.3, algorithms 2, 3 and 5) ---------------

const PADDING = Buffer.from('28bf4e5e4e758a4164004e56fffa01082e2e00b6d0683e802f0ca9fe6453697a', 'hex');
const KEY_BYTES = 16;

function padded(password: string): Buffer {
  return Buffer.concat([Buffer.from(password, 'latin1'), PADDING]).subarray(0, 32);
}

const md5 = (...parts: Buffer[]) => {
  const hash = createHash('md5');
  for (const part of parts) hash.update(part);
  return hash.digest();
};

function standardSecurity(user: string, owner: string, fileId: Buffer) {
  // Every permission granted; the value is a signed 32-bit integer.
  const permissions = -4;
  let ownerKey = md5(padded(owner));
  for (let i = 0; i < 50; i++) ownerKey = md5(ownerKey);
  const ownerEntry = rc4Rounds(ownerKey.subarray(0, KEY_BYTES), padded(user));
  const p = Buffer.alloc(4);
  p.writeInt32LE(permissions);
  let key = md5(padded(user), ownerEntry, p, fileId).subarray(0, KEY_BYTES);
  for (let i = 0; i < 50; i++) key = md5(key).subarray(0, KEY_BYTES);
  const userEntry = Buffer.concat([rc4Rounds(key, md5(PADDING, fileId)), Buffer.alloc(16)]);
  return { key, owner: ownerEntry, user: userEntry, permissions };
}

/** RC4 with the key, then 19 more times with each byte of the key XOR the round number. */
function rc4Rounds(key: Buffer, data: Buffer): Buffer {
  let out = rc4(key, data);
  for (let round = 1; round <= 19; round++) out = rc4(Buffer.from(key.map((b) => b ^ round)), out);
  return out;
}

function objectKey(key: Buffer, num: number): Buffer {
  const suffix = Buffer.from([num & 0xff, (num >> 8) & 0xff, (num >> 16) & 0xff, 0, 0]);
  return md5(key, suffix).subarray(0, Math.min(KEY_BYTES + 5, 16));
}

/** RC4 by hand: OpenSSL 3 keeps it in its legacy provider, which Node does not load. */
function rc4(key: Buffer, data: Buffer): Buffer {
  const s = new Uint8Array(256).map((_, i) => i);
  for (let i = 0, j = 0; i < 256; i++) {
    j = (j + (s[i] as number) + (key[i % key.length] as number)) & 0xff;
    [s[i], s[j]] = [s[j] as number, s[i] as number];
  }
  const out = Buffer.alloc(data.length);
  for (let n = 0, i = 0, j = 0; n < data.length; n++) {
    i = (i + 1) & 0xff;
    j = (j + (s[i] as number)) & 0xff;
    [s[i], s[j]] = [s[j] as number, s[i] as number];
    out[n] = (data[n] as number) ^ (s[((s[i] as number) + (s[j] as number)) & 0xff] as number);
  }
  return out;
}
