/**
 * A migration file's text with a position index: libpg-query reports UTF-8 byte offsets,
 * users see 1-based lines and columns that count characters.
 */
import { isUtf8 } from 'node:buffer';
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
    checkUtf8(bytes, path);
    // Offsets from the parser refer to these bytes: the text's, without a byte order mark.
    this.bytes = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes;
    this.text = this.bytes.toString('utf8');
    this.lineStarts = [0];
    for (let i = this.bytes.indexOf(0x0a); i !== -1; i = this.bytes.indexOf(0x0a, i + 1)) this.lineStarts.push(i + 1);
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

/** Binary or non-UTF-8 content is a usage error naming the file. */
function checkUtf8(bytes: Buffer, path: string): void {
  if (bytes.includes(0)) throw new UsageError(`${path}: binary file (contains NUL bytes), not a SQL migration`, { location: path });
  if (!isUtf8(bytes)) throw new UsageError(`${path}: not valid UTF-8 text`, { location: path });
}
