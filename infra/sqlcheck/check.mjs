// Parses SQL files as Trino SQL (the dialect of Athena engine 3) and reports every syntax error.
// Usage: node --import ./infra/sqlcheck/register.mjs infra/sqlcheck/check.mjs FILE...
// Prints one JSON object: {"FILE": [errors...]}; exits 1 when any file has an error.
import { readFileSync } from 'node:fs';
import { TrinoSQL } from 'dt-sql-parser';

const parser = new TrinoSQL();
const report = {};
let failed = false;
for (const file of process.argv.slice(2)) {
  const errors = parser.validate(readFileSync(file, 'utf8'));
  report[file] = errors.map((e) => ({ line: e.startLine, column: e.startColumn, message: e.message }));
  if (errors.length > 0) failed = true;
}
console.log(JSON.stringify(report));
process.exit(failed ? 1 : 0);
