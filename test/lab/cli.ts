// `npm run lab -- up|down|status`: a long-lived lab for the demo and for poking at by hand.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './inventory.js';
import { startLab } from './lab.js';
import { isOrphaned, LAB_ROOT_PREFIX, listLabs, teardown, TMP, type LabState } from './state.js';
import { isSameProcess } from './proc.js';

const CURRENT = join(REPO_ROOT, '.kubedr', 'lab', 'current');

function usage(): never {
  process.stderr.write('usage: npm run lab -- up [--control-planes N] [--workers M] | down [ID] [--all] | status\n');
  process.exit(2);
}

function intFlag(args: string[], name: string, dflt: number): number {
  const i = args.indexOf(name);
  if (i < 0) return dflt;
  const v = Number(args[i + 1]);
  if (!Number.isInteger(v)) usage();
  return v;
}

function describe(s: LabState): string {
  const alive = s.nodes.filter((n) => n.initPid !== undefined && isSameProcess(n.initPid, n.initStart)).length;
  const owner = s.owner ? `test pid ${s.owner.pid}${isOrphaned(s) ? ' (dead)' : ''}` : 'cli';
  return `${s.id}  127.${s.block}.0.0/16  nodes ${alive}/${s.nodes.length} running  owner ${owner}  ${s.root}`;
}

async function main(): Promise<void> {
  const [cmd, ...args] = process.argv.slice(2);
  if (cmd === 'up') {
    const t0 = Date.now();
    const lab = await startLab({ controlPlanes: intFlag(args, '--control-planes', 3), workers: intFlag(args, '--workers', 2), owned: false });
    lab.etcd.close();
    mkdirSync(join(REPO_ROOT, '.kubedr', 'lab'), { recursive: true });
    writeFileSync(CURRENT, lab.root);
    process.stdout.write(`lab ${lab.id} up in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
    for (const n of lab.nodes) process.stdout.write(`  ${n.name.padEnd(4)} ${n.address}:${n.sshPort}  ${n.roles.join(',')}\n`);
    process.stdout.write(`inventory:   ${lab.inventoryPath}\nlab.json:    ${join(lab.root, 'lab.json')}\nknown_hosts: ${lab.knownHostsPath}\n`);
    process.stdout.write(`try: ssh -i ${lab.clientKeyPath} -o UserKnownHostsFile=${lab.knownHostsPath} -p ${lab.nodes[0]?.sshPort} root@${lab.nodes[0]?.address} crictl ps\n`);
    return;
  }
  if (cmd === 'down') {
    const t0 = Date.now();
    const labs = listLabs();
    let targets: LabState[];
    if (args.includes('--all')) {
      // Crashed test runs anywhere, plus CLI labs of this checkout; never another developer's live run.
      targets = labs.filter((s) => isOrphaned(s) || (!s.owner && s.repo === REPO_ROOT));
    } else {
      const id = args.find((a) => !a.startsWith('-'));
      const root = id ? join(TMP, `${LAB_ROOT_PREFIX}${id}`) : existsSync(CURRENT) ? readFileSync(CURRENT, 'utf8').trim() : undefined;
      targets = labs.filter((s) => s.root === root);
      if (targets.length === 0) {
        process.stdout.write(root ? `no lab at ${root}\n` : 'no current lab (try: down --all, or status)\n');
      }
    }
    for (const s of targets) {
      await teardown(s);
      process.stdout.write(`lab ${s.id} down\n`);
    }
    if (existsSync(CURRENT) && !existsSync(readFileSync(CURRENT, 'utf8').trim())) rmSync(CURRENT);
    process.stdout.write(`down in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
    return;
  }
  if (cmd === 'status') {
    const labs = listLabs();
    if (labs.length === 0) process.stdout.write('no labs\n');
    for (const s of labs) process.stdout.write(`${describe(s)}\n`);
    return;
  }
  usage();
}

main().catch((e: unknown) => {
  process.stderr.write(`lab: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
