/**
 * The benchmarks' ORM `dynamicImportProvider`: under ts-node, Node's own import() cannot load
 * migrations/*.ts; require() goes through ts-node.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- require() is the point: ts-node hooks it
export const requireImport = (id: string) => Promise.resolve(require(id));
