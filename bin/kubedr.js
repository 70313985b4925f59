#!/usr/bin/env node
// Thin launcher over the compiled CLI (`npm run build`): the bundle in dist/bundle/ starts faster
// (scripts/bundle-cli.ts); without it, tsc's output in dist/cli/.
try {
  await import('../dist/bundle/entry.js');
} catch (e) {
  if (e?.code !== 'ERR_MODULE_NOT_FOUND' || !String(e.message).includes('dist/bundle/entry.js')) throw e;
  await import('../dist/cli/entry.js');
}
