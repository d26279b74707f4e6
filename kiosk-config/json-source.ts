/**
 * A strict JSON reader for hand-written config files. Same values as JSON.parse, plus what a
 * technician needs when a file is wrong: the line and column of a syntax error (on every Node
 * version), the line of every value (so schema errors can say where), and duplicate keys —
 * which JSON.parse silently resolves by keeping the last one.
 */

export interface SourcePosition {
  /** 1-based */
  line: number;
  /** 1-based, in characters */
  column: number;
}

export class JsonSyntaxError extends Error {
  override readonly name = 'JsonSyntaxError';
  constructor(
    readonly detail: string,
    readonly offset: number,
    readonly position: SourcePosition,
  ) {
    super(`line ${position.line}, column ${position.column}: ${detail}`);
  }
}

export interface DuplicateKey {
  path: (string | number)[];
  first: SourcePosition;
  again: SourcePosition;
}

export interface JsonSource {
  value: unknown;
  /** where the value at `path` starts; undefined if there is no such value */
  positionOf(path: readonly PropertyKey[]): SourcePosition | undefined;
  duplicateKeys: DuplicateKey[];
}

const MAX_DEPTH = 200;

export function parseJsonSource(input: string): JsonSource {
  const text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  const bomShift = text.length === input.length ? 0 : 1;
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) lineStarts.push(i + 1);
  const posAt = (offset: number): SourcePosition => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - lineStarts[lo]! + 1 };
  };
  const positions = new Map<string, number>();
  const duplicateKeys: DuplicateKey[] = [];
  let i = 0;

  const fail = (detail: string, at = i): never => {
    throw new JsonSyntaxError(detail, at + bomShift, posAt(at));
  };
  const describeAt = (at: number) => (at >= text.length ? 'the end of the file' : `${JSON.stringify(text[at])}`);
  const skipWs = () => {
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
      else break;
    }
  };

  // eslint-disable-next-line no-control-regex -- JSON forbids raw control characters in strings; this is how we find them
  const STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;
  const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

  const readString = (): string => {
    STRING.lastIndex = i;
    const m = STRING.exec(text);
    if (!m) {
      // find out why, to say it precisely
      let j = i + 1;
      while (j < text.length && text[j] !== '"') {
        const c = text.charCodeAt(j);
        if (c < 0x20) fail(c === 0x0a ? 'string not closed before the end of the line' : 'control character inside a string', j);
        if (text[j] === '\\') {
          if (!/["\\/bfnrtu]/.test(text[j + 1] ?? '')) fail(`invalid escape "\\${text[j + 1] ?? ''}" in a string`, j);
          if (text[j + 1] === 'u' && !/^[0-9a-fA-F]{4}$/.test(text.slice(j + 2, j + 6))) fail('invalid \\u escape: expected 4 hex digits', j);
          j += 2;
        } else j++;
      }
      fail('string not closed', i);
    }
    i += m![0].length;
    return JSON.parse(m![0]) as string;
  };

  const key = (path: (string | number)[]) => JSON.stringify(path);

  const readValue = (path: (string | number)[], depth: number): unknown => {
    if (depth > MAX_DEPTH) fail(`nesting deeper than ${MAX_DEPTH} levels`);
    skipWs();
    positions.set(key(path), i);
    const c = text[i];
    if (c === '{') {
      i++;
      const obj: Record<string, unknown> = {};
      const keyAt = new Map<string, number>();
      skipWs();
      if (text[i] === '}') {
        i++;
        return obj;
      }
      for (;;) {
        skipWs();
        if (text[i] !== '"') fail(text[i] === '}' ? 'trailing comma before "}"' : `expected a property name in double quotes, found ${describeAt(i)}`);
        const kAt = i;
        const k = readString();
        skipWs();
        if (text[i] !== ':') fail(`expected ":" after the property name "${k}", found ${describeAt(i)}`);
        i++;
        const childPath = [...path, k];
        const prev = keyAt.get(k);
        if (prev !== undefined) duplicateKeys.push({ path: childPath, first: posAt(prev), again: posAt(kAt) });
        keyAt.set(k, kAt);
        const v = readValue(childPath, depth + 1);
        Object.defineProperty(obj, k, { value: v, enumerable: true, writable: true, configurable: true });
        skipWs();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return obj;
        }
        fail(`expected "," or "}" after the value of "${k}", found ${describeAt(i)}`);
      }
    }
    if (c === '[') {
      i++;
      const arr: unknown[] = [];
      skipWs();
      if (text[i] === ']') {
        i++;
        return arr;
      }
      for (;;) {
        arr.push(readValue([...path, arr.length], depth + 1));
        skipWs();
        if (text[i] === ',') {
          i++;
          skipWs();
          if (text[i] === ']') fail('trailing comma before "]"');
          continue;
        }
        if (text[i] === ']') {
          i++;
          return arr;
        }
        fail(`expected "," or "]" after a list item, found ${describeAt(i)}`);
      }
    }
    if (c === '"') return readString();
    if (c === 't' && text.startsWith('true', i)) return (i += 4), true;
    if (c === 'f' && text.startsWith('false', i)) return (i += 5), false;
    if (c === 'n' && text.startsWith('null', i)) return (i += 4), null;
    NUMBER.lastIndex = i;
    const m = NUMBER.exec(text);
    if (m && m[0].length > 0) {
      i += m[0].length;
      return Number(m[0]);
    }
    if (c === "'") fail('strings must use double quotes');
    if (c === '/') fail('comments are not allowed in JSON');
    return fail(i >= text.length ? 'unexpected end of the file: a value is missing' : `expected a value, found ${describeAt(i)}`);
  };

  const value = readValue([], 0);
  skipWs();
  if (i < text.length) fail(`unexpected ${describeAt(i)} after the end of the document`);
  return {
    value,
    duplicateKeys,
    positionOf(path) {
      const at = positions.get(JSON.stringify(path));
      return at === undefined ? undefined : posAt(at);
    },
  };
}
