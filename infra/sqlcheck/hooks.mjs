// Resolve the bundler-style imports of dt-sql-parser's ES build (directories and files named
// without their .js extension), which Node does not resolve on its own.
import { existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export async function resolve(specifier, context, next) {
  try {
    return await next(specifier, context);
  } catch (err) {
    if (!specifier.startsWith('.') || !context.parentURL) throw err;
    const base = new URL(specifier, context.parentURL);
    const path = fileURLToPath(base);
    for (const candidate of [path + '.js', path + '/index.js']) {
      if (existsSync(candidate) && statSync(candidate).isFile()) {
        return next(new URL('file://' + candidate).href, context);
      }
    }
    throw err;
  }
}
