/**
 * A migration file's text with a position index: libpg-query reports UTF-8 byte offsets,
 * users see 1-based lines and columns that count characters.
 */
import { UsageError } from '../errors.js';

export interface Position {
  line: number;
  column: number;
}

export class SourceText {
  readonly text: string;
  readonly bytes: Buffer;
  /** Byte offset of the start of each line. */
  private readonly lineStarts: number[];

  constructor(bytes: Buffer, readonly path: string) {
    this.text = decodeUtf8(bytes, path);
    // libpg-query re-encodes the JS string, so offsets refer to these bytes (BOM stripped).
    this.bytes = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? Buffer.from(this.text, 'utf8') : bytes;
    this.lineStarts = [0];
    for (let i = 0; i < this.bytes.length; i++) if (this.bytes[i] === 0x0a) this.lineStarts.push(i + 1);
  }

  static fromString(text: string, path = '<sql>'): SourceText {
    return new SourceText(Buffer.from(text, 'utf8'), path);
  }

  /** 1-based line and character column of a UTF-8 byte offset. */
  positionOfByte(offset: number): Position {
    const o = Math.max(0, Math.min(offset, this.bytes.length));
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid] <= o) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: countChars(this.bytes, this.lineStarts[lo], o) + 1 };
  }

  /** Byte offset of a 0-based character (code point) index into the text. */
  byteOfChar(charIndex: number): number {
    let chars = 0;
    let i = 0;
    while (i < this.bytes.length && chars < charIndex) {
      i += utf8Length(this.bytes[i]);
      chars++;
    }
    return Math.min(i, this.bytes.length);
  }

  /** The text between two byte offsets. */
  slice(start: number, end: number): string {
    return this.bytes.subarray(start, end).toString('utf8');
  }

  /** Byte offset where 1-based `line` starts. */
  lineStart(line: number): number {
    return this.lineStarts[Math.max(0, Math.min(line - 1, this.lineStarts.length - 1))];
  }

  get lineCount(): number {
    return this.lineStarts.length;
  }
}

function utf8Length(lead: number): number {
  if (lead < 0x80) return 1;
  if (lead >= 0xf0) return 4;
  if (lead >= 0xe0) return 3;
  if (lead >= 0xc0) return 2;
  return 1;
}

/** Code points between two byte offsets (continuation bytes are not counted). */
function countChars(bytes: Buffer, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) if ((bytes[i] & 0xc0) !== 0x80) n++;
  return n;
}

/** Strict UTF-8 decode; binary or non-UTF-8 content is a usage error naming the file. */
function decodeUtf8(bytes: Buffer, path: string): string {
  if (bytes.includes(0)) throw new UsageError(`${path}: binary file (contains NUL bytes), not a SQL migration`, { location: path });
  try {
    const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
    return text;
  } catch {
    throw new UsageError(`${path}: not valid UTF-8 text`, { location: path });
  }
}
