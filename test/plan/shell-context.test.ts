// Where a template stands in a shell field: a bare word (safe, the renderer single-quotes it) or
// inside a construct where the shell would parse the value again (refused).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { validateTexts } from '../../src/app/validate.js';
import { unsafeTemplates } from '../../src/plan/shell-context.js';

const ctx = (t: string): string[] => unsafeTemplates(t).map((u) => u.context);

describe('unsafeTemplates', () => {
  it.each([
    ['echo {{ params.v }}'],
    ['etcdctl --name={{ node.name }} --data-dir {{ params.dir }}'],
    ['v={{ params.v }}; echo "value is $v"'],
    ['if [ -e {{ params.f }} ]; then (cd {{ params.d }} && ls); fi'],
    ["echo 'literal' ; echo {{ params.v }}"],
    ["cat <<'EOF'\nkept as text\nEOF\necho {{ params.v }}"],
    ['cat <<"EOF" > f\n{{ params.v }}\nEOF'],
    ['cat <<EOF\nstatic\nEOF\necho {{ params.v }}'],
    ['echo {{ params.v | raw }} "{{ params.w | raw }}"'],
    ['# "{{ params.v }}" in a comment\necho ok'],
    ["sh -c 'echo \"$1\"' _ {{ params.v }}"],
    ['echo $# {{ params.v }} ${#x}'],
    ['[ "$x" = y ] && echo {{ params.v }}'],
  ])('a bare word is safe: %j', (t) => expect(ctx(t)).toEqual([]));

  it.each([
    ['echo "value is {{ params.v }}"', 'double quotes'],
    ["echo 'value is {{ params.v }}'", 'single quotes'],
    ['echo `cat {{ params.v }}`', 'backticks'],
    ['echo $(cat {{ params.v }})', '$(...)'],
    ['echo "$(cat {{ params.v }})"', '$(...)'],
    ['echo $(( 1 + {{ params.n }} ))', '$((...))'],
    ['(( n = {{ params.n }} ))', '$((...))'],
    ['echo ${x:-{{ params.v }}}', '${...}'],
    ['cat <<EOF > /etc/x.conf\nname={{ params.v }}\nEOF', 'an unquoted heredoc'],
    ['cat <<-END\n\tname={{ params.v }}\n\tEND\necho ok', 'an unquoted heredoc'],
    ['eval {{ params.cmd }}', 'eval'],
    ['x=1; eval echo {{ params.cmd }}', 'eval'],
    ['bash -c {{ params.cmd }}', 'sh -c'],
    ['echo "a \\" {{ params.v }}"', 'double quotes'],
  ])('refuses %j (%s)', (t, want) => expect(ctx(t)).toEqual([want]));

  it('tracks the context across lines and after a heredoc ends', () => {
    const t = 'cat <<EOF\n{{ params.a }}\nEOF\necho {{ params.b }} "{{ params.c }}"';
    expect(unsafeTemplates(t)).toEqual([
      { expr: '{{ params.a }}', needle: '{{ params.a }}', context: 'an unquoted heredoc' },
      { expr: '{{ params.c }}', needle: 'echo {{ params.b }} "{{ params.c }}', context: 'double quotes' },
    ]);
  });
});

describe('validate refuses an unsafe template', () => {
  const inventory = { text: readFileSync('test/fixtures/inventories/three-masters.yaml', 'utf8'), source: 'inv.yaml' };
  const runbook = (field: string): { text: string; source: string } => ({
    source: 'rb.yaml',
    text: `apiVersion: kubedr.io/v1alpha1\nkind: Runbook\nmetadata: { name: t }\nparams:\n  v: { type: string, default: x }\nphases:\n  - name: p\n    steps:\n${field}`,
  });
  it.each([
    ['shell', `      - id: s\n        targets: { roles: [control-plane] }\n        shell: |\n          echo ok\n          echo "value is {{ params.v }}"\n`, 13, 26],
    ['local', `      - id: s\n        local: echo "value is {{ params.v }}"\n`, 10, 31],
    ['undo', `      - id: s\n        targets: { roles: [control-plane] }\n        shell: echo {{ params.v }}\n        undo: { shell: "cat <<EOF\\n{{ params.v }}\\nEOF" }\n`, 12, 36],
    ['wait', `      - id: s\n        targets: { roles: [control-plane] }\n        wait: { command: "test $(cat {{ params.v }}) = 1", timeout: 1m }\n`, 11, 38],
  ])('in a %s command: file:line:col, a stable code and the fix; nothing is planned', (_, field, line, col) => {
    const report = validateTexts(runbook(field), inventory, []);
    const p = report.problems.find((x) => x.code === 'RUNBOOK_UNSAFE_TEMPLATE_CONTEXT');
    expect(p).toMatchObject({ severity: 'error', pos: { file: 'rb.yaml', line, col }, hint: expect.stringContaining('bare word') });
    expect(p?.message).toContain('{{ params.v }}');
  });
});
