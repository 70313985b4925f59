// Executes one PlannedAction on one node and reports an outcome; never throws for a node's
// failure. All text that leaves this file (output, errors) is redacted.
import { decide, notApprovedError } from './approval.js';
import type { OnTransferProgress, PlannedAction, PlannedEnsureFiles, PlannedPlaceManifest, PlanStep, RenderedManifestEdit, TaskOutcome, TaskProgress, Transport } from '../model/index.js';
import { LOCAL_NODE } from '../model/index.js';
import type { ManifestEditOp } from '../etcd/manifest.js';
import { resolveText } from '../plan/text.js';
import type { RunContext } from './context.js';
import { editManifestText, fileSizeCommand, KEPT_EARLIER, manifestBackupPath, readManifestCommand, restoreManifestScript, writeManifestScript } from './manifest-action.js';
import { ensureFiles } from './ensure-files.js';
import { classifyError } from './outcome.js';
import { OutputTail } from './output.js';
import { TransferMeter, WaitMeter } from './progress.js';
import { placeManifest } from './place-manifest.js';
import type { PrimitiveIo } from './primitive-io.js';
import { REDACTED } from './redact.js';
import { lookupRef } from './refs.js';
import { withWatchdog } from './watchdog.js';

export interface ActionResult {
  outcome: TaskOutcome;
  exitCode?: number;
  stdout: string;
  stderr: string;
  error?: string;
  permanent: boolean;
  /** Captured value (trailing newlines cut), for capture actions that succeeded. */
  capture?: string;
  /**
   * false only when the action knows it changed nothing (a manifest edit whose result equals
   * the file, in the first attempt of this run that wrote it): `onlyIfChanged` steps then skip.
   */
  changed?: boolean;
}

interface ExecSpec {
  transport: Transport;
  node: string;
  command: string;
  sudo: boolean;
  stream: boolean;
  stdin?: string;
}

export async function runAction(ctx: RunContext, step: PlanStep, node: string, action: PlannedAction): Promise<ActionResult> {
  try {
    return await dispatch(ctx, step, node, action);
  } catch (err) {
    // Resolution and manifest-edit errors land here: a failure of this task, with a clear message.
    const c = classifyError(err, ctx.redactor);
    return { outcome: c.outcome, stdout: '', stderr: '', error: c.error, permanent: c.permanent };
  }
}

/** The undo of a task: its own `undo`, or for a manifest edit, putting the backup back. */
export async function runUndo(ctx: RunContext, step: PlanStep, node: string, action: PlannedAction, undo: PlannedAction | undefined): Promise<ActionResult> {
  if (undo !== undefined) return runAction(ctx, step, node, undo);
  if (action.kind !== 'manifest') return { outcome: 'done', stdout: '', stderr: '', permanent: false };
  try {
    const file = resolveText(action.file, lookupRef(ctx, node));
    const script = restoreManifestScript(file, manifestBackupPath(file, ctx.opts.runId, step.id));
    return await execOn(ctx, step, { transport: ctx.deps.transport, node, command: script, sudo: action.sudo, stream: true });
  } catch (err) {
    const c = classifyError(err, ctx.redactor);
    return { outcome: c.outcome, stdout: '', stderr: '', error: c.error, permanent: c.permanent };
  }
}

async function dispatch(ctx: RunContext, step: PlanStep, node: string, action: PlannedAction): Promise<ActionResult> {
  const text = (t: Parameters<typeof resolveText>[0]): string => resolveText(t, lookupRef(ctx, node));
  const t = ctx.deps.transport;
  switch (action.kind) {
    case 'shell':
      return execOn(ctx, step, { transport: t, node, command: text(action.script), sudo: action.sudo, stream: true });
    case 'local':
      return execOn(ctx, step, { transport: ctx.deps.localTransport, node: LOCAL_NODE, command: text(action.command), sudo: false, stream: true });
    case 'capture':
      return capture(ctx, step, node, text(action.command), action.secret, action.sudo);
    case 'wait':
      return waitFor(ctx, step, node, text(action.command), action);
    case 'confirm':
      return confirm(ctx, step, text(action.message));
    case 'manifest':
      return editManifest(ctx, step, node, text(action.file), action.edits, text, action.sudo);
    case 'upload': {
      const r = await t.upload(node, text(action.src), text(action.dest), {
        sudo: true,
        onProgress: transferProgress(ctx, step, node, 'upload'),
        ...(action.mode !== undefined ? { mode: parseInt(action.mode, 8) } : {}),
        ...(ctx.deps.signal ? { signal: ctx.deps.signal } : {}),
      });
      return checkSha(r.sha256, action.sha256 ? text(action.sha256) : undefined);
    }
    case 'download': {
      const r = await t.download(node, text(action.src), text(action.dest), { sudo: true, onProgress: transferProgress(ctx, step, node, 'download'), ...(ctx.deps.signal ? { signal: ctx.deps.signal } : {}) });
      return checkSha(r.sha256, undefined);
    }
    case 'placeManifest':
    case 'ensureFiles':
      return runPrimitive(ctx, step, node, action, text);
  }
}

function emitProgress(ctx: RunContext, step: PlanStep, node: string, p: TaskProgress | undefined): void {
  if (p !== undefined) ctx.emit({ kind: 'task-progress', stepId: step.id, node, at: ctx.iso(), ...p });
}

/** The transport's byte counter → throttled task-progress events (rate, ETA) for the reporters. */
function transferProgress(ctx: RunContext, step: PlanStep, node: string, what: 'upload' | 'download'): OnTransferProgress {
  const meter = new TransferMeter(what, ctx.deps.now);
  return (bytes, total) => emitProgress(ctx, step, node, meter.update(bytes, total));
}

/** placeManifest / ensureFiles: their own modules decide; this adapts exec, upload and output. */
async function runPrimitive(ctx: RunContext, step: PlanStep, node: string, action: PlannedPlaceManifest | PlannedEnsureFiles, text: PrimitiveIo['text']): Promise<ActionResult> {
  let stdout = '';
  const io: PrimitiveIo = {
    exec: (n, command, o) =>
      execOn(ctx, step, { transport: n === LOCAL_NODE ? ctx.deps.localTransport : ctx.deps.transport, node: n, command, sudo: o.sudo, stream: false, ...(o.stdin !== undefined ? { stdin: o.stdin } : {}) }),
    upload: (n, local, remote, mode) => ctx.deps.transport.upload(n, local, remote, { mode, sudo: true, onProgress: transferProgress(ctx, step, n, 'upload'), ...(ctx.deps.signal ? { signal: ctx.deps.signal } : {}) }),
    text,
    say: (line) => {
      const chunk = `${ctx.redactor.redact(line)}\n`;
      stdout += chunk;
      ctx.emit({ kind: 'task-output', stepId: step.id, node, stream: 'stdout', chunk });
    },
    runId: ctx.opts.runId,
  };
  const r = action.kind === 'placeManifest' ? await placeManifest(io, node, action) : await ensureFiles(io, node, action);
  if (r.ok) return { outcome: 'done', stdout, stderr: '', permanent: false };
  return { outcome: 'failed', stdout, stderr: '', error: ctx.redactor.redact(r.error ?? 'failed'), permanent: true };
}

function checkSha(actual: string, expected: string | undefined): ActionResult {
  const ok = expected === undefined || expected.trim().toLowerCase() === actual.toLowerCase();
  return ok
    ? { outcome: 'done', stdout: `sha256 ${actual}\n`, stderr: '', permanent: false }
    : { outcome: 'failed', stdout: '', stderr: '', error: `sha256 mismatch: expected ${expected ?? ''}, got ${actual}`, permanent: true };
}

type TextOf = (t: Parameters<typeof resolveText>[0]) => string;

/** Templates resolved; the probe edits' node files read (the db's size, the original manifest). */
async function resolveEdit(e: RenderedManifestEdit, text: TextOf, readNode: (command: string, what: string) => Promise<string>): Promise<ManifestEditOp> {
  switch (e.op) {
    case 'setFlag': return { op: 'setFlag', flag: e.flag, value: text(e.value) };
    case 'setHostPath': return { op: 'setHostPath', volume: e.volume, path: text(e.path) };
    case 'removeFlag': return e;
    case 'relaxProbes': {
      const path = text(e.dbFile);
      const size = (await readNode(fileSizeCommand(path), path)).trim();
      if (!/^\d+$/.test(size)) throw new Error(`cannot read the size of ${path}: got ${JSON.stringify(size.slice(0, 80))}`);
      return { op: 'relaxProbes', dbBytes: Number(size) };
    }
    case 'restoreProbes': {
      const path = text(e.from);
      return { op: 'restoreProbes', original: await readNode(readManifestCommand(path), path) };
    }
  }
}

/** Runs a command; `raw` is the unredacted stdout, for captures and `wait` matching only. */
async function execOn(ctx: RunContext, step: PlanStep, spec: ExecSpec): Promise<ActionResult & { raw: string }> {
  const { redactor, opts } = ctx;
  const emit = (stream: 'stdout' | 'stderr') => (chunk: string) => ctx.emit({ kind: 'task-output', stepId: step.id, node: spec.node, stream, chunk });
  const out = new OutputTail(redactor, opts.outputCap, spec.stream ? emit('stdout') : undefined);
  const err = new OutputTail(redactor, opts.outputCap, spec.stream ? emit('stderr') : undefined);
  let streamed = false;
  try {
    const r = await withWatchdog(ctx, step, spec.node, (signal) =>
      spec.transport.exec(spec.node, spec.command, {
        timeoutMs: step.timeoutMs,
        sudo: spec.sudo,
        ...(spec.stdin !== undefined ? { stdin: spec.stdin } : {}),
        signal,
        onStdout: (c) => ((streamed = true), out.push(c)),
        onStderr: (c) => ((streamed = true), err.push(c)),
      }),
    );
    if (!streamed) {
      out.push(r.stdout);
      err.push(r.stderr);
    }
    const ok = r.exitCode === 0;
    const stderr = err.finish();
    const why = ok ? '' : lastLines(stderr);
    return {
      outcome: ok ? 'done' : 'failed',
      exitCode: r.exitCode,
      stdout: out.finish(),
      stderr,
      permanent: false,
      raw: r.stdout,
      // The failure keeps its cause: the journal, audit, report and JUnit show these lines.
      ...(ok ? {} : { error: `exit code ${r.exitCode}${r.signal ? ` (signal ${r.signal})` : ''}${why ? `: ${why}` : ''}` }),
    };
  } catch (e) {
    const c = classifyError(e, redactor);
    return { outcome: c.outcome, stdout: out.finish(), stderr: err.finish(), error: c.error, permanent: c.permanent, raw: '' };
  }
}

async function capture(ctx: RunContext, step: PlanStep, node: string, command: string, secret: boolean, sudo: boolean): Promise<ActionResult> {
  // A secret is unknown until the command ends, so its output is never streamed.
  const r = await execOn(ctx, step, { transport: ctx.deps.transport, node, command, sudo, stream: !secret });
  const { raw, ...rest } = r;
  if (r.outcome !== 'done') return secret ? { ...rest, stdout: raw === '' ? '' : REDACTED } : rest;
  const value = raw.replace(/[\r\n]+$/, '');
  if (!secret) return { ...rest, capture: value };
  ctx.redactor.add(value);
  ctx.deps.onSecret?.(value);
  const stderr = ctx.redactor.redact(rest.stderr);
  if (stderr !== '') ctx.emit({ kind: 'task-output', stepId: step.id, node, stream: 'stderr', chunk: stderr });
  return { ...rest, stdout: REDACTED, stderr, capture: value };
}

/** A `wait` polls again after this long first, then twice as long each time, up to its interval. */
export const WAIT_FIRST_RETRY_MS = 100;

/**
 * Polls until exit 0 (or, with `match`, until stdout matches that regex), or the timeout. The
 * first poll is immediate; the next ones back off from WAIT_FIRST_RETRY_MS to the step's
 * interval, so that a condition met a moment later (a pod that exits within a second) is seen
 * then, not a whole interval later: three 1 s waits cost the ha-restore ~1.5 s of idle polling.
 */
async function waitFor(ctx: RunContext, step: PlanStep, node: string, command: string, a: Extract<PlannedAction, { kind: 'wait' }>): Promise<ActionResult> {
  const deadline = ctx.deps.now() + a.timeoutMs;
  const re = a.match !== undefined ? new RegExp(a.match) : undefined;
  let delayMs = Math.min(WAIT_FIRST_RETRY_MS, a.intervalMs);
  const meter = new WaitMeter(a.timeoutMs, ctx.deps.now);
  for (;;) {
    const r = await execOn(ctx, step, { transport: ctx.deps.transport, node, command, sudo: a.sudo, stream: false });
    const { raw, ...rest } = r;
    const ok = re ? re.test(raw) : r.outcome === 'done';
    if (ok) return { ...rest, outcome: 'done', permanent: false };
    if (r.permanent || r.outcome === 'unreachable' || r.outcome === 'connection-lost') return rest;
    if (ctx.deps.now() + delayMs > deadline || ctx.deps.signal?.aborted) {
      return { ...rest, outcome: 'timed-out', error: `not ready after ${a.timeoutMs} ms (last: ${rest.error ?? 'no match'})` };
    }
    emitProgress(ctx, step, node, meter.polled());
    await ctx.deps.sleep(delayMs, ctx.deps.signal);
    delayMs = Math.min(delayMs * 2, a.intervalMs);
  }
}

async function confirm(ctx: RunContext, step: PlanStep, message: string): Promise<ActionResult> {
  const d = await decide(ctx, { kind: 'confirm', stepId: step.id, message });
  if (!d.approved) return { outcome: 'failed', stdout: '', stderr: '', error: notApprovedError(d), permanent: true };
  return { outcome: 'done', stdout: '', stderr: '', permanent: false };
}

async function editManifest(ctx: RunContext, step: PlanStep, node: string, file: string, rendered: RenderedManifestEdit[], text: TextOf, sudo: boolean): Promise<ActionResult> {
  const t = ctx.deps.transport;
  const readNode = async (command: string, what: string): Promise<string> => {
    const r = await execOn(ctx, step, { transport: t, node, command, sudo, stream: false });
    if (r.outcome !== 'done') throw new Error(`cannot read ${what} on ${node}: ${r.error ?? ''} ${r.stderr}`.trim());
    return r.raw;
  };
  let read: string;
  let edits: ManifestEditOp[];
  try {
    // The manifest and each edit's node file (a db's size, a kept original) at once.
    [read, ...edits] = await Promise.all([readNode(readManifestCommand(file), file), ...rendered.map((e) => resolveEdit(e, text, readNode))]);
  } catch (err) {
    return { outcome: 'failed', stdout: '', stderr: '', error: ctx.redactor.redact((err as Error).message), permanent: false };
  }
  const notes: string[] = [];
  const edited = editManifestText(read, edits, `${node}:${file}`, notes);
  const backup = manifestBackupPath(file, ctx.opts.runId, step.id);
  for (const n of notes) ctx.emit({ kind: 'task-output', stepId: step.id, node, stream: 'stdout', chunk: `${ctx.redactor.redact(n)}\n` });
  const { raw, ...rest } = await execOn(ctx, step, { transport: t, node, command: writeManifestScript(file, backup), sudo, stream: true, stdin: edited });
  // Unchanged only when this edit found the file as it leaves it and no earlier attempt wrote.
  const changed = edited !== read || raw.includes(KEPT_EARLIER);
  return { ...rest, changed, ...(notes.length > 0 ? { stdout: `${notes.join('\n')}\n${rest.stdout}` } : {}) };
}

/** The last few non-empty lines of (already redacted) stderr, joined and capped. */
function lastLines(text: string, lines = 5, chars = 600): string {
  const tail = text.split(/\r?\n/).map((l) => l.trimEnd()).filter((l) => l !== '').slice(-lines).join(' | ');
  return tail.length > chars ? `…${tail.slice(-chars)}` : tail;
}
