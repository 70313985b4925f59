import { describe, expect, it } from 'vitest';
import { expressionsOf, parseTemplate } from '../../src/plan/template.js';

describe('parseTemplate', () => {
  it('splits literals and expressions, with filters', () => {
    expect(parseTemplate('a {{ node.name }} b {{params.x|raw}}')).toEqual([
      { kind: 'lit', text: 'a ' },
      { kind: 'expr', path: ['node', 'name'], filters: [], source: '{{ node.name }}' },
      { kind: 'lit', text: ' b ' },
      { kind: 'expr', path: ['params', 'x'], filters: ['raw'], source: '{{params.x|raw}}' },
    ]);
  });

  it('accepts ids with dashes (steps.join-command.stdout)', () => {
    expect(expressionsOf('{{ steps.join-command.stdout | raw }}')[0]?.path).toEqual(['steps', 'join-command', 'stdout']);
  });

  it('turns a quoted string into literal text (escape for braces)', () => {
    expect(parseTemplate('{{ "{{" }}x')).toEqual([{ kind: 'lit', text: '{{' }, { kind: 'lit', text: 'x' }]);
  });

  it.each([
    ['echo {{ node.name', /unclosed/],
    ['{{ node..name }}', /not a variable path/],
    ['{{ node.name | upper }}', /unknown filter "upper"/],
    ['{{ }}', /not a variable path/],
  ])('reports %j as an error segment', (text, message) => {
    const errors = parseTemplate(text).filter((s) => s.kind === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]?.kind === 'error' && errors[0].message).toMatch(message);
  });

  it('returns the same parse for the same text (cached)', () => {
    expect(parseTemplate('x {{ run.id }}')).toBe(parseTemplate('x {{ run.id }}'));
  });
});
