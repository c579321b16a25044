import { parse, validate, type DocumentNode, type GraphQLError, type GraphQLSchema } from 'graphql';

/**
 * Subscribe documents parsed and validated once per text (or per persisted document object), not
 * once per subscriber: thousands of dashboards send the same few subscriptions, and each subscriber
 * keeps its document for as long as it is subscribed, so sharing one tree also shares that memory.
 * Validation reads only the schema and the document, so a cached verdict is the verdict. Bounded:
 * the oldest text goes first.
 */
export class CheckedDocuments {
  private readonly byText = new Map<string, DocumentNode>();
  private readonly verdicts = new WeakMap<DocumentNode, readonly GraphQLError[]>();

  constructor(
    private readonly schema: GraphQLSchema,
    /** @default 1000 */
    private readonly limit = 1000,
  ) {}

  /** The document of `text`; throws graphql's syntax error as parse does. */
  parse(text: string): DocumentNode {
    let document = this.byText.get(text);
    if (!document) {
      document = parse(text);
      if (this.byText.size >= this.limit) this.byText.delete(this.byText.keys().next().value!);
      this.byText.set(text, document);
    }
    return document;
  }

  validate(document: DocumentNode): readonly GraphQLError[] {
    let errors = this.verdicts.get(document);
    if (!errors) {
      errors = validate(this.schema, document);
      this.verdicts.set(document, errors);
    }
    return errors;
  }
}
