import { buildSchema, GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { CheckedDocuments } from './checked-documents.js';

const schema = buildSchema(`type Query { ok: Boolean } type Subscription { tick(every: Int): Int }`);

describe('subscribe documents checked once per text', () => {
  it('gives subscribers of the same text one shared document and one verdict', () => {
    const checked = new CheckedDocuments(schema);
    const first = checked.parse('subscription { tick }');
    expect(checked.parse('subscription { tick }')).toBe(first);
    expect(checked.validate(first)).toEqual([]);
    const wrong = checked.parse('subscription { tock }');
    expect(checked.validate(wrong).map((e) => e.message)).toEqual([expect.stringContaining('Cannot query field "tock"')]);
    expect(checked.validate(wrong)).toBe(checked.validate(wrong));
  });

  it('refuses a syntax error every time, caching nothing for it', () => {
    const checked = new CheckedDocuments(schema);
    expect(() => checked.parse('subscription {')).toThrow(GraphQLError);
    expect(() => checked.parse('subscription {')).toThrow(GraphQLError);
  });

  it('keeps at most `limit` texts, dropping the oldest', () => {
    const checked = new CheckedDocuments(schema, 2);
    const a = checked.parse('subscription A { tick }');
    checked.parse('subscription B { tick }');
    checked.parse('subscription C { tick }');
    expect(checked.parse('subscription A { tick }')).not.toBe(a);
  });
});
