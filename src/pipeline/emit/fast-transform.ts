/**
 * Nunjucks compiles a template in four steps: lex, parse, transform, generate code. The transform
 * (nunjucks/src/transformer.js) rewrites the tree for async rendering and `super()`: it lifts
 * async filters and async extension calls out of expressions, replaces `super()` inside a block,
 * and turns an `if`/`for` holding something async into its async form. Its convertStatements walks
 * the whole subtree of every `if` and `for`, so it costs ~25% of a compile here (~40 ms of a spec
 * edit's emit, more of a template edit's).
 *
 * For a tree with no block, no async filter, no extension call and no async node, every one of
 * those rewrites finds nothing to do and the transform returns the tree as it was given (its walks
 * copy a node only when a child changed). So such a tree skips it, after one walk that visits what
 * the transform's walks visit; any other tree goes through the original. The generated code is
 * the same either way (test/pipeline/fast-transform.test.ts compares it for every template of the
 * packs).
 */

/** The node classes of nunjucks/src/nodes.js this needs. */
export interface Nodes {
  Node: abstract new (...a: never[]) => object;
  NodeList: abstract new (...a: never[]) => object;
  Block: abstract new (...a: never[]) => object;
  IfAsync: abstract new (...a: never[]) => object;
  AsyncEach: abstract new (...a: never[]) => object;
  AsyncAll: abstract new (...a: never[]) => object;
  FilterAsync: abstract new (...a: never[]) => object;
  CallExtension: abstract new (...a: never[]) => object;
}
type Transform = (ast: unknown, asyncFilters?: string[], name?: string) => unknown;
interface TransformerModule {
  transform: Transform & { ggenFast?: boolean };
}

/** Whether the transform could change `ast` (false: it would return `ast` itself). */
export function transformChanges(ast: unknown, asyncFilters: readonly string[] | undefined, nodes: Nodes): boolean {
  if (asyncFilters && asyncFilters.length > 0) return true;
  const stack: unknown[] = [ast];
  while (stack.length > 0) {
    const n = stack.pop();
    // The transform's walks pass over anything that is not a node (as a field holding an array).
    if (!(n instanceof nodes.Node)) continue;
    if (
      n instanceof nodes.Block ||
      n instanceof nodes.IfAsync ||
      n instanceof nodes.AsyncEach ||
      n instanceof nodes.AsyncAll ||
      n instanceof nodes.FilterAsync ||
      n instanceof nodes.CallExtension
    )
      return true;
    if (n instanceof nodes.NodeList) {
      for (const c of (n as unknown as { children: unknown[] }).children) stack.push(c);
    } else {
      const fields = (n as unknown as { fields: string[] }).fields;
      for (const f of fields) stack.push((n as Record<string, unknown>)[f]);
    }
  }
  return false;
}

/** Makes nunjucks' transformer skip trees it would return unchanged (once per loaded nunjucks). */
export function installFastTransform(transformer: TransformerModule, nodes: Nodes): void {
  if (transformer.transform.ggenFast) return;
  const original = transformer.transform;
  const fast: Transform & { ggenFast?: boolean } = (ast, asyncFilters, name) =>
    transformChanges(ast, asyncFilters, nodes) ? original(ast, asyncFilters, name) : ast;
  fast.ggenFast = true;
  transformer.transform = fast;
}
