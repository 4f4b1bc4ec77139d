// @ts-check
import { builtinModules } from 'node:module';
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

// Workflow code is replayed by Temporal's deterministic sandbox: Node built-ins there either fail
// at bundle time or, worse, make replays diverge. Ban every one of them, with and without `node:`.
/** @param {string[]} allowed @param {string} message */
const builtinsExcept = (allowed, message) => ({
  paths: builtinModules
    .filter((name) => !allowed.includes(name))
    .flatMap((name) => [name, `node:${name}`])
    .map((name) => ({ name, message })),
});

/**
 * One import rule per layer (flat config replaces a rule per file, it never merges two), from
 * `paths` of built-ins and `patterns` given as regular expressions.
 * @param {...({ paths: { name: string; message: string }[] } | { regex: string; message: string; allowTypeImports?: boolean })} parts
 */
const restrictImports = (...parts) => ({
  'no-restricted-imports': 'off',
  '@typescript-eslint/no-restricted-imports': [
    'error',
    {
      paths: parts.flatMap((part) => ('paths' in part ? part.paths : [])),
      patterns: parts.filter((part) => 'regex' in part),
    },
  ],
});

export default tseslint.config(
  { ignores: ['dist/', 'coverage/', 'node_modules/', '.temporal/', 'test/lint/fixtures/'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: globals.node,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'always'],
    },
  },
  // Folders are layers. Each rule says why; test/lint/boundaries.test.ts shows each one fires.
  {
    files: ['**/src/workflows/**/*.ts'],
    rules: restrictImports(
      builtinsExcept([], 'Workflow code is replayed in a deterministic sandbox: no Node built-ins (use an activity).'),
      {
        regex: '^\\.\\./(?!domain/|osigu/(envelope|families|ids)$|temporal/(failure-types|search-attributes)$|activities$)',
        message:
          'Workflow code is replayed: from src it imports only domain, the pure wire contract (osigu envelope, families, ids) and the constants of temporal/failure-types and temporal/search-attributes.',
      },
      {
        regex: '^\\.\\./activities$',
        allowTypeImports: true,
        message: 'Workflows call activities through proxyActivities: import their types only (`import type`).',
      },
      {
        regex: '^@temporalio/(?!workflow$|common$|interceptors-opentelemetry/lib/workflow$)',
        message:
          'Only @temporalio/workflow and @temporalio/common run in the workflow sandbox; the client, worker and activity packages do I/O.',
      },
      {
        regex: '^(pino|koa|@koa/|@grpc/|@opentelemetry/|zod$)',
        message: 'Workflow code is replayed: no logging, HTTP or I/O libraries (log with `log` from @temporalio/workflow).',
      },
    ),
  },
  {
    files: ['**/src/domain/**/*.ts'],
    rules: restrictImports(
      builtinsExcept([], 'src/domain is pure folds and rules, run inside workflows: no Node built-ins.'),
      {
        regex: '^\\.\\./(?!osigu/(envelope|families|ids)$)',
        message: 'src/domain is pure: it imports only itself and the pure wire contract (osigu envelope, families, ids).',
      },
      {
        regex: '^(@temporalio/|pino|koa|@koa/|@grpc/|@opentelemetry/)',
        message: 'src/domain knows nothing of Temporal, HTTP or logging: workflows call it, it calls nothing.',
      },
    ),
  },
  {
    files: ['**/src/osigu/**/*.ts'],
    rules: restrictImports(
      builtinsExcept(
        ['crypto'],
        'src/osigu is the wire contract, imported by every layer: no I/O (node:crypto only, for the signature and keyed ids).',
      ),
      { regex: '^\\.\\./', message: 'src/osigu is the wire contract: every layer imports it, it imports no other layer.' },
      {
        regex: '^(@temporalio/|pino|koa|@koa/|@grpc/|@opentelemetry/)',
        message: 'src/osigu is the wire contract: no Temporal, HTTP framework or logging.',
      },
    ),
  },
  {
    files: ['**/src/http/**/*.ts'],
    rules: restrictImports({
      regex: '^\\.\\./(workflows|activities)(/|$)',
      message: 'The receiver starts workflows by type name through src/temporal; it never loads workflow or activity code.',
    }),
  },
  {
    files: ['**/*.mjs', '**/*.js', '**/*.cjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  // Deliberate violations (test/lint/boundaries.test.ts lints them with --no-ignore): outside the
  // TypeScript project, their imports need not resolve.
  {
    files: ['test/lint/fixtures/**/*.ts'],
    ...tseslint.configs.disableTypeChecked,
  },
);
