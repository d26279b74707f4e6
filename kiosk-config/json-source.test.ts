import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { JsonSyntaxError, parseJsonSource } from './json-source.ts';

function syntaxError(text: string): JsonSyntaxError {
  try {
    parseJsonSource(text);
  } catch (e) {
    expect(e).toBeInstanceOf(JsonSyntaxError);
    return e as JsonSyntaxError;
  }
  throw new Error(`expected a syntax error for ${JSON.stringify(text)}`);
}

describe('JSON source reader', () => {
  it('reads the same values as JSON.parse and knows where each value starts', () => {
    const text = '{\n  "a": [1, {"b": "x\\u00e9"}],\n  "c": null\n}';
    const src = parseJsonSource(text);
    expect(src.value).toEqual(JSON.parse(text));
    expect(src.positionOf(['a', 1, 'b'])).toEqual({ line: 2, column: 18 });
    expect(src.positionOf(['c'])).toEqual({ line: 3, column: 8 });
    expect(src.positionOf(['nope'])).toBeUndefined();
  });

  it('says what is wrong and where', () => {
    expect(syntaxError('{"a": 1,}')).toMatchObject({ detail: 'trailing comma before "}"', position: { line: 1, column: 9 } });
    expect(syntaxError('[1,]')).toMatchObject({ detail: 'trailing comma before "]"', position: { line: 1, column: 4 } });
    expect(syntaxError("{'a': 1}")).toMatchObject({ detail: 'expected a property name in double quotes, found "\'"' });
    expect(syntaxError('{\n  "a": "x\n"}')).toMatchObject({ detail: 'string not closed before the end of the line', position: { line: 2, column: 10 } });
    expect(syntaxError('{"a": 1} // note')).toMatchObject({ detail: 'unexpected "/" after the end of the document' });
    expect(syntaxError('{"a": tru}')).toMatchObject({ detail: 'expected a value, found "t"', position: { line: 1, column: 7 } });
    expect(syntaxError('{"a": ')).toMatchObject({ detail: 'unexpected end of the file: a value is missing' });
    expect(syntaxError('')).toMatchObject({ position: { line: 1, column: 1 } });
    expect(syntaxError('"\\x"')).toMatchObject({ detail: 'invalid escape "\\x" in a string' });
    expect(syntaxError('['.repeat(500))).toMatchObject({ detail: 'nesting deeper than 200 levels' });
  });

  it('reports duplicate keys, which JSON.parse silently drops', () => {
    const src = parseJsonSource('{"a": 1,\n "b": {"c": 1, "c": 2},\n "a": 3}');
    expect(src.duplicateKeys).toEqual([
      { path: ['b', 'c'], first: { line: 2, column: 8 }, again: { line: 2, column: 16 } },
      { path: ['a'], first: { line: 1, column: 2 }, again: { line: 3, column: 2 } },
    ]);
    expect(src.value).toEqual({ a: 3, b: { c: 2 } });
  });

  it('does not let "__proto__" keys reach the prototype', () => {
    const v = parseJsonSource('{"__proto__": {"polluted": true}}').value as Record<string, unknown>;
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.keys(v)).toEqual(['__proto__']);
  });

  it('agrees with JSON.parse on random documents and random mutations of them (differential fuzz)', () => {
    const mutate = (text: string, at: number, op: number, ch: string) => {
      const i = text.length ? at % text.length : 0;
      if (op === 0) return text.slice(0, i) + text.slice(i + 1);
      if (op === 1) return text.slice(0, i) + ch + text.slice(i);
      return text.slice(0, i) + ch + text.slice(i + 1);
    };
    const chars = fc.constantFrom(...'{}[]",:0123456789-+.eEtrufalsn \n\t\\/\'x\u0000é');
    let checked = 0;
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), fc.boolean(), fc.array(fc.tuple(fc.nat(), fc.nat(2), chars), { maxLength: 3 }), (value, pretty, mutations) => {
        let text = JSON.stringify(value, null, pretty ? 2 : undefined);
        for (const [at, op, ch] of mutations) text = mutate(text, at, op, ch);
        let expected: { ok: true; value: unknown } | { ok: false };
        try {
          expected = { ok: true, value: JSON.parse(text) };
        } catch {
          expected = { ok: false };
        }
        checked++;
        if (expected.ok) expect(parseJsonSource(text).value).toEqual(expected.value);
        else expect(() => parseJsonSource(text)).toThrow(JsonSyntaxError);
      }),
      { numRuns: 20_000 },
    );
    expect(checked).toBe(20_000);
  });
});
