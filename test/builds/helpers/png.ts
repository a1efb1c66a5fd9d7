/**
 * Just enough of a PNG decoder for the tests to count pixels of a colour in a browser's
 * screenshot: 8-bit RGB or RGBA, not interlaced (what Chromium and Firefox write).
 */
import { inflateSync } from 'node:zlib';

export interface Pixels {
  width: number;
  height: number;
  channels: number;
  data: Buffer;
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

export function decodePng(png: Buffer): Pixels {
  let off = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat: Buffer[] = [];
  while (off < png.length) {
    const len = png.readUInt32BE(off);
    const type = png.toString('latin1', off + 4, off + 8);
    const body = png.subarray(off + 8, off + 8 + len);
    if (type === 'IHDR') {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      const [depth, colour, , , interlace] = [body[8], body[9], body[10], body[11], body[12]];
      if (depth !== 8 || interlace !== 0 || (colour !== 2 && colour !== 6))
        throw new Error(`unsupported PNG (depth ${depth}, colour ${colour}, interlace ${interlace})`);
      channels = colour === 6 ? 4 : 3;
    } else if (type === 'IDAT') idat.push(body);
    off += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const data = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const src = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? data[y * stride + x - channels]! : 0;
      const b = y > 0 ? data[(y - 1) * stride + x]! : 0;
      const c = x >= channels && y > 0 ? data[(y - 1) * stride + x - channels]! : 0;
      const v = src[x]!;
      const out = [v, v + a, v + b, v + ((a + b) >> 1), v + paeth(a, b, c)][filter];
      if (out === undefined) throw new Error(`bad PNG filter ${filter}`);
      data[y * stride + x] = out & 0xff;
    }
  }
  return { width, height, channels, data };
}

/** How many pixels are within `tolerance` of the colour on every channel. */
export function countColour(p: Pixels, rgb: [number, number, number], tolerance = 8): number {
  let n = 0;
  for (let i = 0; i < p.data.length; i += p.channels) {
    if (
      Math.abs(p.data[i]! - rgb[0]) <= tolerance &&
      Math.abs(p.data[i + 1]! - rgb[1]) <= tolerance &&
      Math.abs(p.data[i + 2]! - rgb[2]) <= tolerance
    )
      n++;
  }
  return n;
}
