import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { buildGrid } from '../../src/audit/grid.js';
import { renderJunit, xmlEscape } from '../../src/audit/junit.js';
import { EventScript, sampleRun } from './events.js';
import { recordsOf } from './records.js';

// A real XML parser (Python's expat via ElementTree) reads the document back: well-formedness
// and escaping are checked by something other than the code that wrote it.
const parse = (xml: string): unknown =>
  JSON.parse(
    execFileSync('python3', ['-c', `
import sys, json, xml.etree.ElementTree as ET
root = ET.fromstring(sys.stdin.buffer.read())
def walk(e): return {"tag": e.tag, "attrib": e.attrib, "text": (e.text or "").strip(), "children": [walk(c) for c in e]}
print(json.dumps(walk(root)))
`], { input: xml }).toString(),
  );

interface El { tag: string; attrib: Record<string, string>; text: string; children: El[] }

describe('renderJunit', () => {
  it('writes one testsuite per phase and one testcase per (step, node), counts matching', () => {
    const root = parse(renderJunit(buildGrid(recordsOf(sampleRun().events)))) as El;
    expect(root.tag).toBe('testsuites');
    expect(root.children.map((s) => [s.attrib['name'], s.attrib['tests'], s.attrib['skipped']])).toEqual([['prepare', '4', '0'], ['restore', '11', '3']]);
    expect(root.attrib).toMatchObject({ tests: '15', failures: '0', errors: '0', skipped: '3' });
    const tc = root.children[1]?.children[1];
    expect(tc).toMatchObject({ tag: 'testcase', attrib: { name: 'restore-etcd@cp-2', classname: 'etcd-restore.restore.restore-etcd', time: '4.800' } });
  });

  it('maps command failures to <failure>, infrastructure outcomes to <error>, undone pairs to <skipped>', () => {
    const s = new EventScript()
      .start()
      .phase('p', (x) => x.step('a', 'p', { n1: { outcome: 'failed', exitCode: 2, error: 'etcdctl: no such file' }, n2: { outcome: 'unreachable' }, n3: { outcome: 'timed-out' }, n4: {} }))
      .undo('a', ['n4'])
      .end('rolled-back');
    const suite = (parse(renderJunit(buildGrid(recordsOf(s.events)))) as El).children[0];
    expect(suite?.attrib).toMatchObject({ tests: '4', failures: '2', errors: '1', skipped: '1' });
    expect(suite?.children.map((c) => [c.attrib['name'], c.children[0]?.tag, c.children[0]?.attrib['type']])).toEqual([
      ['a@n1', 'failure', 'failed'],
      ['a@n2', 'error', 'unreachable'],
      ['a@n3', 'failure', 'timed-out'],
      ['a@n4', 'skipped', undefined],
    ]);
    expect(suite?.children[0]?.children[0]?.attrib['message']).toBe('failed (exit code 2): etcdctl: no such file');
  });

  it('escapes names and messages with markup, quotes and control characters', () => {
    const evil = `<x y="1" z='2'>&amp;\u0007\u001b[31m`;
    const s = new EventScript().start({ runbook: evil }).phase(evil, (x) => x.step(`st<${evil}`, evil, { [`n&${evil}`]: { outcome: 'failed', error: `boom ${evil} ]]>` } })).end('failed');
    const xml = renderJunit(buildGrid(recordsOf(s.events)));
    const root = parse(xml) as El;
    const clean = evil.replaceAll('\u0007', '').replaceAll('\u001b', '');
    expect(root.children[0]?.attrib['name']).toBe(clean);
    expect(root.children[0]?.children[0]?.attrib['name']).toBe(`st<${clean}@n&${clean}`);
    expect(root.children[0]?.children[0]?.children[0]?.attrib['message']).toBe(`failed (exit code 1): boom ${clean} ]]>`);
    expect(xmlEscape('a\u0000b\uD800c\uD83D\uDE00')).toBe('abc\uD83D\uDE00');
  });
});
