// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Import boundaries from ../shared/STYLE.md: data flows one way, cli → app → the rest.
const boundaries = {
  model: ['cli', 'app', 'errors', 'actions', 'schema', 'inventory', 'runbook', 'plan', 'transport', 'engine', 'journal', 'audit', 'etcd', 'reporters'],
  errors: ['cli', 'app', 'actions', 'schema', 'inventory', 'runbook', 'plan', 'transport', 'engine', 'journal', 'audit', 'etcd', 'reporters'],
  plan: ['cli', 'app', 'actions', 'transport', 'engine', 'journal', 'audit', 'reporters'],
  engine: ['cli', 'app', 'transport', 'reporters'],
  transport: ['cli', 'app', 'engine', 'journal', 'audit', 'reporters'],
  journal: ['cli', 'app', 'engine', 'transport', 'reporters'],
  audit: ['cli', 'app', 'engine', 'transport', 'reporters'],
  reporters: ['cli', 'app', 'engine', 'transport'],
  etcd: ['cli', 'app', 'actions', 'engine', 'transport', 'reporters'],
  inventory: ['cli', 'app', 'engine', 'transport', 'reporters', 'plan'],
  runbook: ['cli', 'app', 'engine', 'transport', 'reporters', 'plan'],
  schema: ['cli', 'app', 'actions', 'engine', 'transport', 'reporters', 'plan', 'inventory', 'runbook'],
  // DR actions expand to model Actions: pure, no I/O. Of src/plan only the quoting and the
  // template parser (the renderer quotes what they produce); etcd's pure helpers are allowed.
  actions: ['cli', 'app', 'engine', 'transport', 'journal', 'audit', 'reporters', 'inventory', 'runbook', 'schema'],
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'bench/results/**', '.kubedr/**', 'src/schema/generated/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': [
        'error',
        { selector: "MemberExpression[object.name='process'][property.name='exit']", message: 'Only src/cli may exit the process.' },
      ],
    },
  },
  { files: ['src/cli/**', 'test/**', 'scripts/**', 'bench/**'], rules: { 'no-restricted-syntax': 'off' } },
  ...Object.entries(boundaries).map(([folder, forbidden]) => ({
    files: [`src/${folder}/**/*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: forbidden.map((f) => ({ group: [`../${f}/*`, `../${f}`, `../../${f}/*`], message: `src/${folder} must not import src/${f} (see STYLE.md import boundaries).` })) },
      ],
    },
  })),
  {
    files: ['src/actions/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...boundaries.actions.map((f) => ({ group: [`../${f}/*`, `../${f}`, `../../${f}/*`], message: `src/actions must not import src/${f} (see STYLE.md import boundaries).` })),
            { regex: '^\\.\\./plan(/(?!quote\\.js$|template\\.js$).*)?$', message: 'src/actions may use src/plan/quote and src/plan/template only.' },
          ],
        },
      ],
    },
  },
  { files: ['**/*.js', '**/*.mjs'], ...tseslint.configs.disableTypeChecked },
);
