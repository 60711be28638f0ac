/**
 * A strict JSON reader for the files people edit by hand (expectation files, tlsfuzzer's scripts
 * JSON). `JSON.parse` on Node 20 does not always say where the text went wrong, and it keeps the last
 * of two equal keys without a word; this reader names the line and column of the first error and
 * rejects duplicate keys (RFC 8259 §4: names within an object SHOULD be unique).
 */

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export class JsonTextError extends Error {
  override readonly name = 'JsonTextError';
  constructor(
    readonly detail: string,
    /** Offset in UTF-16 code units. */
    readonly offset: number,
    /** 1-based. */
    readonly line: number,
    /** 1-based. */
    readonly column: number,
  ) {
    super(`line ${line}, column ${column}: ${detail}`);
  }
}

const ESCAPES: Readonly<Record<string, string>> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

export function parseJsonText(text: string): JsonValue {
  let pos = 0;

  const fail = (detail: string, at = pos): never => {
    let line = 1;
    let lineStart = 0;
    for (let i = 0; i < at && i < text.length; i++) {
      if (text[i] === '\n') {
        line++;
        lineStart = i + 1;
      }
    }
    throw new JsonTextError(detail, at, line, at - lineStart + 1);
  };
  const describe = (): string => (pos >= text.length ? 'end of input' : JSON.stringify(text[pos]));
  const skipSpace = (): void => {
    while (pos < text.length && (text[pos] === ' ' || text[pos] === '\t' || text[pos] === '\n' || text[pos] === '\r')) pos++;
  };
  const expect = (ch: string, what: string): void => {
    skipSpace();
    if (text[pos] !== ch) fail(`expected ${what}, found ${describe()}`);
    pos++;
  };

  const readString = (): string => {
    const start = pos;
    pos++; // the opening quote
    let out = '';
    for (;;) {
      if (pos >= text.length) fail('unterminated string', start);
      const ch = text[pos];
      if (ch === '"') {
        pos++;
        return out;
      }
      if (ch < ' ') fail(`control character U+${ch.charCodeAt(0).toString(16).padStart(4, '0')} in a string (escape it)`);
      if (ch !== '\\') {
        out += ch;
        pos++;
        continue;
      }
      const esc = text[pos + 1];
      if (esc === 'u') {
        const hex = text.slice(pos + 2, pos + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail('bad \\u escape: four hex digits expected');
        out += String.fromCharCode(parseInt(hex, 16));
        pos += 6;
      } else if (esc !== undefined && ESCAPES[esc] !== undefined) {
        out += ESCAPES[esc];
        pos += 2;
      } else {
        fail(`bad escape ${JSON.stringify(`\\${esc ?? ''}`)}`);
      }
    }
  };

  const readValue = (depth: number): JsonValue => {
    if (depth > 200) fail('nested too deeply');
    skipSpace();
    const ch = text[pos];
    if (ch === '{') {
      pos++;
      const obj: { [key: string]: JsonValue } = {};
      const seen = new Set<string>();
      skipSpace();
      if (text[pos] === '}') {
        pos++;
        return obj;
      }
      for (;;) {
        skipSpace();
        if (text[pos] !== '"') fail(`expected a property name in double quotes, found ${describe()}`);
        const keyAt = pos;
        const key = readString();
        if (seen.has(key)) fail(`duplicate key ${JSON.stringify(key)}`, keyAt);
        seen.add(key);
        expect(':', "':' after the property name");
        // defineProperty: a key named __proto__ is data, not the prototype.
        Object.defineProperty(obj, key, { value: readValue(depth + 1), enumerable: true, writable: true, configurable: true });
        skipSpace();
        if (text[pos] === ',') {
          pos++;
          skipSpace();
          if (text[pos] === '}') fail('trailing comma before }');
          continue;
        }
        if (text[pos] === '}') {
          pos++;
          return obj;
        }
        fail(`expected ',' or '}' after a property, found ${describe()}`);
      }
    }
    if (ch === '[') {
      pos++;
      const arr: JsonValue[] = [];
      skipSpace();
      if (text[pos] === ']') {
        pos++;
        return arr;
      }
      for (;;) {
        arr.push(readValue(depth + 1));
        skipSpace();
        if (text[pos] === ',') {
          pos++;
          skipSpace();
          if (text[pos] === ']') fail('trailing comma before ]');
          continue;
        }
        if (text[pos] === ']') {
          pos++;
          return arr;
        }
        fail(`expected ',' or ']' after an array element, found ${describe()}`);
      }
    }
    if (ch === '"') return readString();
    for (const [word, value] of [['true', true], ['false', false], ['null', null]] as const) {
      if (text.startsWith(word, pos)) {
        pos += word.length;
        return value;
      }
    }
    NUMBER.lastIndex = pos;
    const m = NUMBER.exec(text);
    if (m !== null && m[0] !== '' && m[0] !== '-') {
      pos += m[0].length;
      return Number(m[0]);
    }
    return fail(`expected a value, found ${describe()}`);
  };

  const value = readValue(0);
  skipSpace();
  if (pos < text.length) fail(`unexpected ${describe()} after the JSON value`);
  return value;
}

/** The JSON type name of a value, for error messages. */
export function jsonType(v: JsonValue | undefined): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

export function isJsonObject(v: JsonValue | undefined): v is { [key: string]: JsonValue } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
