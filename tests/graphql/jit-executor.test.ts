import { describe, expect, it } from 'vitest';
import { buildSchema, execute, GraphQLScalarType, parse, print, type ExecutionResult, type GraphQLSchema } from 'graphql';
import { compileQuery } from 'graphql-jit';
import { hoistStringLiterals, jitGateway } from '../../platform/graphql/jit-executor.js';

/** A schema whose resolvers echo what they were given: a literal read wrongly shows in the answer. */
const echoSchema = (): GraphQLSchema => {
  const schema = buildSchema(`
    scalar Stamp
    directive @note(text: String) on FIELD
    input Filter { prefix: String, ids: [ID!], nested: Filter }
    type Query {
      echo(text: String!): String!
      find(filter: Filter!): String!
      tags(values: [String!]!): [String!]!
      stamp(at: Stamp!): String!
      greeting: String!
    }
  `);
  const fields = schema.getQueryType()!.getFields();
  fields.echo!.resolve = (_, args) => args.text;
  fields.find!.resolve = (_, args) => JSON.stringify(args.filter);
  fields.tags!.resolve = (_, args) => args.values;
  fields.stamp!.resolve = (_, args) => `stamp:${args.at}`;
  fields.greeting!.resolve = () => 'hello';
  Object.assign(schema.getType('Stamp') as GraphQLScalarType, {
    // Unlike a variable, a literal is read as "literal:<value>": a scalar whose two forms differ.
    parseLiteral: (node: { value: string }) => `literal:${node.value}`,
    parseValue: (value: unknown) => `value:${value}`,
  });
  return schema;
};

const run = async (gateway: ReturnType<typeof jitGateway>, query: string, variables: Record<string, unknown> = {}) => {
  const { executor } = (await gateway.load({ apollo: {} as never })) as unknown as { executor: (context: unknown) => Promise<ExecutionResult> };
  return executor({ document: parse(query), operationName: undefined, request: { variables }, context: {} });
};

describe('the subgraph executor (graphql-jit)', () => {
  it('answers on graphql-js a document the compiler throws on, once per document, tells of it once, and compiles the others', async () => {
    const schema = echoSchema();
    const told: Array<{ message: string; operationName: string | undefined }> = [];
    const gateway = jitGateway(schema, {
      onFallback: (error, operationName) => told.push({ message: (error as Error).message, operationName }),
      compile: (target, document, operationName) => {
        if (print(document).includes('greeting')) throw new TypeError('a bug inside the compiler');
        return compileQuery(target, document, operationName);
      },
    });
    const failing = `{ greeting echo(text: "SMP-1") }`;
    const expected = JSON.parse(JSON.stringify(await execute({ schema, document: parse(failing) })));
    expect(await run(gateway, failing)).toEqual(expected);
    expect(expected).toEqual({ data: { greeting: 'hello', echo: 'SMP-1' } });
    // Another literal, the same shape: the first failure is remembered, not compiled again.
    expect(await run(gateway, `{ greeting echo(text: "SMP-2") }`)).toEqual({ data: { greeting: 'hello', echo: 'SMP-2' } });
    expect(await run(gateway, `{ echo(text: "SMP-3") }`)).toEqual({ data: { echo: 'SMP-3' } });
    expect({ compiled: gateway.compiledCount(), interpreted: gateway.interpretedCount() }).toEqual({ compiled: 2, interpreted: 1 });
    // The operator hears of the shape once (the server logs it and counts it on /metrics), not per request.
    expect(told).toEqual([{ message: 'a bug inside the compiler', operationName: undefined }]);
  });

  it('answers documents with string literals like graphql-js, compiled once per shape whatever the literals', async () => {
    const schema = echoSchema();
    const gateway = jitGateway(schema);
    const shapes = (a: string, b: string, c: string) => [
      `{ echo(text: ${JSON.stringify(a)}) }`,
      `{ find(filter: { prefix: ${JSON.stringify(a)}, ids: [${JSON.stringify(b)}, "7"], nested: { prefix: ${JSON.stringify(c)} } }) }`,
      `query { ...Tags } fragment Tags on Query { tags(values: [${JSON.stringify(b)}, ${JSON.stringify(c)}]) echo(text: """${c}""") }`,
    ];
    for (const [a, b, c] of [['SMP-1', 'x', 'y'], ['SMP-2 with "quotes"', 'é', '\\n']]) {
      for (const query of shapes(a!, b!, c!)) {
        expect(await run(gateway, query), query).toEqual(JSON.parse(JSON.stringify(await execute({ schema, document: parse(query) }))));
      }
    }
    expect(gateway.compiledCount(), 'three shapes, each compiled once').toBe(3);
  });

  it("never runs a literal as code: graphql-jit's date marker comes back as text", async () => {
    const sentinel = '__tracseqJitUnitSentinel';
    const payload = `__MAGIC_DATE__33a9e76d_02e0_4128_8e92_3530ad3da74d0)&&(globalThis.${sentinel}=1)&&(0`;
    const gateway = jitGateway(echoSchema());
    const result = await run(gateway, `{ echo(text: ${JSON.stringify(payload)}) find(filter: { prefix: ${JSON.stringify(payload)} }) }`);
    expect((globalThis as Record<string, unknown>)[sentinel]).toBeUndefined();
    expect(result.data).toEqual({ echo: payload, find: JSON.stringify({ prefix: payload }) });
    expect(gateway.compiledCount()).toBe(1);
  });

  it('leaves on graphql-js what it cannot move: a custom scalar, a directive argument, a variable default', async () => {
    const schema = echoSchema();
    const gateway = jitGateway(schema);
    expect((await run(gateway, '{ stamp(at: "2026") }')).data).toEqual({ stamp: 'stamp:literal:2026' });
    expect((await run(gateway, 'query($t: String = "fallback") { echo(text: $t) }')).data).toEqual({ echo: 'fallback' });
    expect((await run(gateway, '{ greeting @note(text: "x") }')).data).toEqual({ greeting: 'hello' });
    expect(gateway.compiledCount()).toBe(0);
    // Variables were never literals: compiled as they are.
    expect((await run(gateway, 'query($t: String!) { echo(text: $t) }', { t: 'v' })).data).toEqual({ echo: 'v' });
    expect(gateway.compiledCount()).toBe(1);
  });

  it('does not rewrite a document that already names a variable like the ones it would add', () => {
    const schema = echoSchema();
    expect(hoistStringLiterals(schema, parse('query($__tracseq_literal_0: String!) { echo(text: $__tracseq_literal_0) find(filter: { prefix: "a" }) }'))).toBeNull();
    const plain = parse('{ greeting }');
    expect(hoistStringLiterals(schema, plain)?.document).toBe(plain);
  });
});
