// Prints the production dependency closure of the given packages, one package directory per line
// (relative to the repo root, e.g. node_modules/etcd3/node_modules/@grpc/proto-loader), sorted.
// Follows `dependencies` and the installed `optionalDependencies` of each package.json with Node's own
// lookup (nearest node_modules upwards), so nested copies npm made for version conflicts are kept.
// Usage (from the repo root): node deploy/images/closure.mjs dockerode
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = process.cwd();
const seen = new Set();

// The directory `name` resolves to from package directory `from` (Node's upward node_modules search).
function locate(name, from) {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dir === root || dir === dirname(dir)) return undefined;
  }
}

function visit(name, from, optional) {
  // Type-only packages (protobufjs lists @types/node as a dependency) are never loaded at run time.
  if (name.startsWith('@types/')) return;
  const dir = locate(name, from);
  if (!dir) {
    if (optional) return;
    throw new Error(`closure: ${name} (needed from ${relative(root, from) || '.'}) is not installed`);
  }
  if (seen.has(dir)) return;
  seen.add(dir);
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  for (const dep of Object.keys(pkg.dependencies ?? {})) visit(dep, dir, false);
  for (const dep of Object.keys(pkg.optionalDependencies ?? {})) visit(dep, dir, true);
}

for (const name of process.argv.slice(2)) visit(name, resolve(root), false);
console.log([...seen].map((d) => relative(root, d)).sort().join('\n'));
