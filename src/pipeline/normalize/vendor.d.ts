// Minimal typings for the untyped libraries normalize uses.

declare module 'rdf-canonize' {
  export function canonize(input: unknown, options: Record<string, unknown>): Promise<string>;
  /** The N-Quads serializer canonize writes its output with. */
  export const NQuads: { serializeQuadComponents(s: unknown, p: unknown, o: unknown, g: unknown): string };
}

/** rdf-canonize's serializer on its own (a digest-disk.ts hit needs nothing else of it). */
declare module 'rdf-canonize/lib/NQuads.js' {
  const NQuads: { serializeQuadComponents(s: unknown, p: unknown, o: unknown, g: unknown): string };
  export default NQuads;
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
