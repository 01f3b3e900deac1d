import { Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { nullable, nullableInner, stringEnum } from './common.js';
import { routes } from './routes.js';

describe('stringEnum', () => {
  const Colour = stringEnum(['red', 'green'], { description: 'a colour' });

  it('is a plain JSON Schema string enum, not a union the serializer must try branch by branch', () => {
    expect(JSON.parse(JSON.stringify(Colour))).toEqual({
      type: 'string',
      enum: ['red', 'green'],
      description: 'a colour',
    });
  });

  it('checks with TypeBox like the union it replaces', () => {
    expect(Value.Check(Colour, 'red')).toBe(true);
    expect(Value.Check(Colour, 'blue')).toBe(false);
    expect(Value.Check(Colour, 1)).toBe(false);
    expect(Value.Check(Type.Object({ c: Colour }), { c: 'green' })).toBe(true);
  });
});

describe('nullable', () => {
  const Media = Type.Object({ id: Type.String({ minLength: 2 }) }, { title: 'Media' });
  const MaybeMedia = nullable(Media);

  it("adds 'null' to the type, keeping the inner schema's keywords", () => {
    const json = JSON.parse(JSON.stringify(MaybeMedia)) as Record<string, unknown>;
    expect(json.type).toEqual(['object', 'null']);
    expect(json.required).toEqual(['id']);
    expect(nullableInner(MaybeMedia)).toBe(Media);
    expect(nullableInner(Media)).toBeUndefined();
  });

  it('accepts null and valid values of the inner schema, and nothing else', () => {
    expect(Value.Check(MaybeMedia, null)).toBe(true);
    expect(Value.Check(MaybeMedia, { id: 'ab' })).toBe(true);
    expect(Value.Check(MaybeMedia, { id: 'a' })).toBe(false);
    expect(Value.Check(MaybeMedia, 'ab')).toBe(false);
    expect(Value.Check(nullable(stringEnum(['a', 'b'])), null)).toBe(true);
    expect(Value.Check(nullable(stringEnum(['a', 'b'])), 'c')).toBe(false);
  });

  it('refuses inner schemas without one type (they would need a union)', () => {
    expect(() => nullable(Type.Union([Type.String(), Type.Number()]))).toThrow(TypeError);
  });
});

describe('response schemas', () => {
  // A union in a response makes fast-json-stringify validate each branch for every item it writes; lists of a
  // thousand VMs paid for that in time and garbage. Enums and nullables must stay unions-free.
  function unionsOfPrimitives(schema: unknown, path: string, out: string[]): void {
    if (Array.isArray(schema)) {
      schema.forEach((s, i) => unionsOfPrimitives(s, `${path}/${String(i)}`, out));
      return;
    }
    if (typeof schema !== 'object' || schema === null) return;
    const anyOf = (schema as { anyOf?: unknown[] }).anyOf;
    if (
      Array.isArray(anyOf) &&
      anyOf.every(
        (b) =>
          typeof b === 'object' && b !== null && ('const' in b || (b as { type?: unknown }).type === 'null'),
      )
    ) {
      out.push(path);
    }
    for (const [k, v] of Object.entries(schema)) unionsOfPrimitives(v, `${path}/${k}`, out);
  }

  it('have no unions of literals or with null', () => {
    const found: string[] = [];
    for (const [id, def] of Object.entries(routes)) unionsOfPrimitives(def.response, id, found);
    expect(found).toEqual([]);
  });
});
