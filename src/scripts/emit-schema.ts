import fs from 'node:fs';
import path from 'node:path';
import { createSchema, schemaText } from '../graphql/schema';

/** Writes schema.graphql at the repository root from the resolvers. */
async function main() {
  const root = path.resolve(__dirname, __dirname.includes(`${path.sep}dist${path.sep}`) ? '../../..' : '../..');
  const file = path.join(root, 'schema.graphql');
  fs.writeFileSync(file, schemaText(await createSchema()));
  console.log(`wrote ${file}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
