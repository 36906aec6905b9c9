// Minimal typings for the untyped libraries normalize uses.

declare module 'rdf-canonize' {
  export function canonize(input: unknown, options: Record<string, unknown>): Promise<string>;
  /** The N-Quads serializer canonize writes its output with. */
  export const NQuads: { serializeQuadComponents(s: unknown, p: unknown, o: unknown, g: unknown): string };
}

declare module 'shacl-engine' {
  export class Validator {
    constructor(shapes: unknown, options: { factory: unknown; [k: string]: unknown });
    validate(
      data: { dataset: unknown; terms?: Iterable<unknown> },
      shapes?: Array<{ terms: unknown[] }>,
    ): Promise<{ conforms: boolean; results: unknown[] }>;
  }
}
