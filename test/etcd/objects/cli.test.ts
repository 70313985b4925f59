// The CLI's contract for bad input: exit 2, a stable code and a fix, nothing read or connected.
import { describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main.js';
import { fixturePath } from '../snapshot/fixtures.js';

async function capture(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((c: string | Uint8Array) => ((stdout += String(c)), true)) as typeof process.stdout.write;
  process.stderr.write = ((c: string | Uint8Array) => ((stderr += String(c)), true)) as typeof process.stderr.write;
  try {
    return { code: await main(args), stdout, stderr };
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
    process.exitCode = undefined;
  }
}

describe('kubedr objects (CLI)', () => {
  it('lists a snapshot as a table', async () => {
    const r = await capture(['objects', 'list', fixturePath('cluster-a'), '--select', 'configmaps/kube-system/cm-1*']);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toMatch(/^RESOURCE\s+NAMESPACE\s+NAME\s+APIVERSION\/KIND\s+UID\s+CREATED\s+ENCODING$/);
    expect(r.stdout).toMatch(/configmaps\s+kube-system\s+cm-10\s+v1\/ConfigMap\s+\S+\s+2026-01-01T00:00:10Z\s+protobuf/);
  });

  it.each([
    [['objects', 'list', 'x.db', '--select', 'configmaps//a'], 'OBJECTS_BAD_SELECTOR'],
    [['objects', 'get', 'x.db', 'Pods/x'], 'OBJECTS_BAD_SELECTOR'],
    [['objects', 'diff', 'x.db', '-i', 'no-such-inventory.yaml', '--prefix', '/etc/'], 'OBJECTS_PREFIX_OUTSIDE_REGISTRY'],
    [['objects', 'restore', 'x.db', '-i', 'no-such-inventory.yaml'], 'OBJECTS_NO_SELECTION'],
  ])('%j: exit 2 with %s and a fix, before opening anything', async (args, code) => {
    const r = await capture(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`error ${code}:`);
    expect(r.stderr).toContain('fix:');
  });
});
