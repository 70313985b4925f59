// Regenerates the committed fixtures from a throwaway etcd 3.4:
//   npx tsx test/etcd/snapshot/make-fixtures.ts
// Writes cluster-{a,b}.db (etcdctl snapshot save) and cluster-{a,b}.expected.json holding what
// etcdctl reports for them (snapshot status, live keys), so unit tests need no etcd binary.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeClusterA, writeClusterBChanges } from './cluster-writes.js';
import { etcdctlStatus, startEtcd, type ThrowawayEtcd } from './throwaway-etcd.js';

const dir = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');

async function saveFixture(etcd: ThrowawayEtcd, name: string): Promise<void> {
  const file = join(dir, `${name}.db`);
  await etcd.save(file);
  const expected = { status: await etcdctlStatus(file), liveKeys: (await etcd.keys()).sort() };
  writeFileSync(join(dir, `${name}.expected.json`), `${JSON.stringify(expected, null, 2)}\n`);
}

const etcd = await startEtcd();
try {
  await writeClusterA(etcd);
  await saveFixture(etcd, 'cluster-a');
  await writeClusterBChanges(etcd);
  await saveFixture(etcd, 'cluster-b');
} finally {
  await etcd.stop();
}
