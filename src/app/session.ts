// What one executing invocation (run, resume, rollback) wires around the engine: the SSH
// transport from the inventory, a local transport, the audit log (report.html at every session
// end), the reporter, approvals. Host keys are checked for every node before anything runs.
import { createAuditSink, operatorIdentity, type AuditSink, type SecretSource } from '../audit/index.js';
import type { Approve, EventSink } from '../engine/index.js';
import { KubedrError } from '../errors/index.js';
import type { InventoryNode, Plan, RunEvent, Transport } from '../model/index.js';
import type { Reporter } from '../reporters/index.js';
import { createLocalTransport, TransportError, type RecordedHostKey, type SshTransport } from '../transport/index.js';
import { writeReportIn } from './audit.js';
import { resolveSecrets, type Prompt } from './secrets.js';
import { nodeTransport, sessionAgentsWanted } from './ssh.js';

/** Builds the progress reporter once the plan is known (the CLI picks listr2, plain or json). */
export type ReporterFactory = (plan: Plan, secrets: SecretSource) => Reporter;

export interface SessionOptions {
  plan: Plan;
  nodes: readonly InventoryNode[];
  runDir: string;
  runId: string;
  secrets: Record<string, string>;
  env: Record<string, string | undefined>;
  /** Record unknown host keys instead of refusing them. @default false */
  acceptNewHostKeys?: boolean;
  /** ssh_config whose Host aliases apply to node addresses. @default none */
  sshConfigPath?: string;
  reporter?: ReporterFactory;
  prompt?: Prompt;
  /** Told each host key recorded under --accept-new-host-keys (the CLI prints it). */
  onHostKey?: (e: Extract<RunEvent, { kind: 'host-key' }>) => void;
  /**
   * Told each question that could not be asked (no terminal, no --yes): the CLI prints it, so
   * the operator can read it and approve with --yes. @default questions are dropped
   */
  onUnasked?: (question: string) => void;
  /** Replaces the SSH transport (tests of the wiring without a lab). */
  transport?: Transport;
  /** @default a zx transport on this machine */
  localTransport?: Transport;
}

export interface Session {
  transport: Transport;
  localTransport: Transport;
  sinks: EventSink[];
  approve: Approve;
  /** Hand to the engine: each secret learned at run time is scrubbed from audit and console too. */
  onSecret: (value: string) => void;
  /** Connects to every node of the plan; refuses (exit 2) on unknown or changed host keys. */
  preflight(): Promise<void>;
  /** Flushes the reporter, closes the audit log and every connection. Idempotent. */
  close(): Promise<void>;
}

/**
 * The run's secrets (--param-from-env, else asked at the terminal), resolved before the session
 * opens. The SSH settings from the environment are checked first: a bad
 * KUBEDR_SSH_SESSION_AGENT is refused before the operator types a secret, not after.
 */
export function sessionSecrets(plan: Plan, nodes: readonly InventoryNode[], o: { paramFromEnv?: string[]; prompt?: Prompt }, env: Record<string, string | undefined>): Promise<Record<string, string>> {
  sessionAgentsWanted(env);
  return resolveSecrets(plan, nodes, { fromEnv: o.paramFromEnv ?? [], env, ...(o.prompt ? { prompt: o.prompt } : {}) });
}

export function openSession(o: SessionOptions): Session {
  // Grows as the engine learns secrets (a captured join token): audit and reporter read it live.
  const secretValues = [...Object.values(o.secrets)];
  // Keys recorded before the audit log opens (pre-flight) are written right after run-start.
  const recordedKeys: RunEvent[] = [];
  let audit: AuditSink | undefined;
  const onHostKeyRecorded = (r: RecordedHostKey): void => {
    const e = { kind: 'host-key' as const, node: r.node, address: `${r.host}:${r.port}`, fingerprint: r.fingerprint, knownHostsFile: r.knownHostsFile, at: new Date().toISOString() };
    o.onHostKey?.(e);
    if (audit) audit.onEvent(e);
    else recordedKeys.push(e);
  };
  const transport = o.transport ?? nodeTransport({ onHostKeyRecorded, nodes: o.nodes, env: o.env, acceptNewHostKeys: o.acceptNewHostKeys, sshConfigPath: o.sshConfigPath, secrets: o.secrets });
  const localTransport = o.localTransport ?? createLocalTransport();
  const reporter = o.reporter?.(o.plan, () => secretValues);
  // Opened on the first event (run-start, after the run lock is held): a refused invocation
  // leaves no run directory behind.
  const auditEvent = (e: RunEvent): void => {
    // Progress is for the operator's screen; the audit log records what was done, not how fast.
    if (e.kind === 'task-progress') return;
    audit ??= createAuditSink({
      runDir: o.runDir,
      runId: o.runId,
      who: operatorIdentity(o.env),
      subject: { runbook: { name: o.plan.runbook.name, hash: o.plan.runbook.hash }, inventoryHash: o.plan.inventory.hash },
      secrets: () => secretValues,
      onRunEnd: (dir) => void writeReportIn(dir),
    });
    audit.onEvent(e);
    if (e.kind === 'run-start') for (const k of recordedKeys.splice(0)) audit.onEvent(k);
  };
  let closed = false;
  return {
    transport,
    localTransport,
    sinks: [auditEvent, ...(reporter ? [(e: RunEvent) => reporter.onEvent(e)] : [])],
    onSecret: (v) => void secretValues.push(v),
    approve: async (req) => {
      const question = `${req.kind === 'rollback' ? 'rollback' : `step ${req.stepId}`}: ${req.message}`;
      if (!o.prompt) {
        o.onUnasked?.(question);
        return { approved: false, how: 'no-terminal' };
      }
      const answer = (await o.prompt(`${question} [y/N] `, { secret: false })).trim();
      return { approved: /^y(es)?$/i.test(answer), how: 'prompt', answer };
    },
    preflight: () => ('connect' in transport ? checkHostKeys(transport as SshTransport, o.plan) : Promise.resolve()),
    async close() {
      if (closed) return;
      closed = true;
      try {
        await reporter?.close();
      } finally {
        audit?.close();
        await Promise.all([transport.close(), localTransport.close()]);
      }
    },
  };
}

/**
 * Host keys are a yes/no question for the whole run: a node with an unknown or changed key
 * refuses the run before any command (exit 2). Other connection failures are left to the
 * engine, which reports the node as unreachable with the step's failure policy.
 */
async function checkHostKeys(transport: SshTransport, plan: Plan): Promise<void> {
  const refused: TransportError[] = [];
  // Only nodes that something runs on: a `local`-only runbook opens no connection.
  const used = new Set(plan.phases.flatMap((p) => p.steps.flatMap((s) => s.tasks.map((t) => t.node))));
  await Promise.all(plan.nodes.filter((n) => used.has(n.name)).map(async (n) => {
    try {
      await transport.connect(n.name);
    } catch (err) {
      if (err instanceof TransportError && err.code.startsWith('TRANSPORT_HOST_KEY')) refused.push(err);
    }
  }));
  if (refused.length === 0) return;
  refused.sort((a, b) => a.node.localeCompare(b.node));
  throw new KubedrError(refused[0]?.code ?? 'TRANSPORT_HOST_KEY_UNKNOWN', `host key check refused ${refused.length} node(s); nothing was executed:\n  ${refused.map((e) => e.message).join('\n  ')}`, {
    hint: refused.some((e) => e.code === 'TRANSPORT_HOST_KEY_CHANGED')
      ? 'a changed host key may mean a man-in-the-middle: verify the node out of band, then fix its entry in known_hosts'
      : 'verify the fingerprints out of band, then run again with --accept-new-host-keys to record them',
    exitCode: 2,
  });
}
