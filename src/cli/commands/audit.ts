// `kubedr audit RUN_ID [--output json] [--junit FILE] [--html] [--verify]`: what ran where.
// --verify checks the hash chain only; exit 1 when it does not hold.
import { escapeControls, escapeJsonControls } from '../../errors/escape.js';
import { Option, type Command } from 'commander';
import type { RegisterCommand } from './index.js';

interface AuditFlags {
  output: 'text' | 'json';
  junit?: string;
  html?: boolean;
  verify?: boolean;
  expectHead?: string;
  stateDir?: string;
}

export const registerAudit: RegisterCommand = (program: Command) => {
  program
    .command('audit <run-id>')
    .description('step × node grid of a run with outcomes, exit codes and durations; --verify checks the hash chain')
    .addOption(new Option('-o, --output <format>', 'text grid or JSON').choices(['text', 'json']).default('text'))
    .option('--junit <file>', 'also write JUnit XML (one test case per step and node)')
    .option('--html', 'also (re)write report.html in the run directory')
    .option('--verify', 'only verify the hash chain of the audit log (exit 1 if any record was changed)')
    .option('--expect-head <hash>', 'with --verify: the head hash recorded elsewhere, to detect truncation')
    .option('--state-dir <dir>', 'where runs live (default .kubedr)')
    .action(async (runId: string, f: AuditFlags) => {
      const { auditRun, verifyRun } = await import('../../app/audit.js');
      const stateDir = f.stateDir !== undefined ? { stateDir: f.stateDir } : {};
      if (f.verify) {
        const v = verifyRun({ runId, output: f.output, ...stateDir, ...(f.expectHead !== undefined ? { expectHead: f.expectHead } : {}) });
        (v.exitCode === 0 ? process.stdout : process.stderr).write(f.output === 'json' ? escapeJsonControls(v.rendered) : escapeControls(v.rendered));
        process.exitCode = v.exitCode;
        return;
      }
      const r = auditRun({ runId, output: f.output, html: f.html ?? false, ...stateDir, ...(f.junit !== undefined ? { junit: f.junit } : {}) });
      // Records quote node output and values: shown escaped, never interpreted by the terminal.
      process.stdout.write(f.output === 'json' ? escapeJsonControls(r.rendered) : escapeControls(r.rendered));
      for (const file of r.files) process.stderr.write(`wrote ${file}\n`);
      process.exitCode = r.verdict.ok ? 0 : 1;
    });
};
