import { describe, expect, it } from 'vitest';
import { buildGrid } from '../../src/audit/grid.js';
import { renderHtmlReport } from '../../src/audit/html.js';
import type { AuditVerdict } from '../../src/audit/verify.js';
import { EventScript, sampleRun } from './events.js';
import { recordsOf } from './records.js';

const ok: AuditVerdict = { ok: true, file: 'audit.jsonl', records: 3, headHash: 'a'.repeat(64) };
const render = (events: EventScript, verdict = ok): string => renderHtmlReport(buildGrid(recordsOf(events.events)), { verdict, generatedAt: '2026-11-23T17:00:00.000Z' });
const count = (html: string, re: RegExp): number => html.match(re)?.length ?? 0;

describe('renderHtmlReport', () => {
  it('draws one lane per node and one bar per (step, node) task, plus one per undo', () => {
    const html = render(sampleRun());
    expect(count(html, /<g class="lane" /g)).toBe(6);
    expect([...html.matchAll(/<g class="lane" data-node="([^"]*)"/g)].map((m) => m[1])).toEqual(['@local', 'cp-1', 'cp-2', 'cp-3', 'wk-1', 'wk-2']);
    // 1 + 3 + 3 + 5 tasks; the skipped step has none
    expect(count(html, /<g class="bar"/g)).toBe(12);
    expect(count(html, /<g class="bar undo"/g)).toBe(0);
    expect([...html.matchAll(/<g class="phase"><title>phase ([^<]*)<\/title>/g)].map((m) => m[1])).toEqual(['prepare', 'restore']);
    const undone = render(new EventScript().start().phase('p', (x) => x.step('a', 'p', { n1: {}, n2: {} })).undo('a', ['n1', 'n2']).end('rolled-back'));
    expect(count(undone, /<g class="bar undo"/g)).toBe(2);
  });

  it('colours bars by outcome and gives each a hover title', () => {
    const html = render(new EventScript().start().phase('p', (x) => x.step('a', 'p', { n1: { outcome: 'failed', exitCode: 7, ms: 2000 }, n2: { outcome: 'timed-out' } })).end('failed'));
    expect(html).toMatch(/<g class="bar" data-step="a" data-state="failed"><title>a on n1: failed, 2\.0s, exit 7<\/title><rect [^>]*fill="#e03131"/);
    expect(html).toMatch(/data-state="timed-out"><title>a on n2: timed out/);
  });

  it('is self-contained: no scripts, no external URLs', () => {
    const html = render(sampleRun());
    expect(html).not.toMatch(/<script|<link|@import|url\(|src=|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
  });

  it('escapes node names, step names and messages everywhere', () => {
    const evil = `<b>"x"&'y'</b>`;
    const s = new EventScript().start({ runbook: evil, cluster: evil }).phase(evil, (x) => x.step(`s${evil}`, evil, { [`n${evil}`]: { outcome: 'failed', error: evil } }, { approval: { by: evil, auto: true } })).end('failed');
    const html = render(s, { ok: false, file: 'f', records: 0, headHash: '', firstBadLine: 2, reason: evil });
    expect(html).not.toContain('<b>');
    expect(html).not.toContain(`"x"`);
    expect(html).toContain('&lt;b&gt;&quot;x&quot;&amp;&#39;y&#39;&lt;/b&gt;');
    expect(html).toContain(`data-node="n&lt;b&gt;&quot;x&quot;&amp;&#39;y&#39;&lt;/b&gt;"`);
    expect(html).toContain('Audit chain NOT verified: line 2');
  });
});
