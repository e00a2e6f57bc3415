// Import boundaries of ARCHITECTURE.md, "The layers", enforced per folder.
const tseslint = require('typescript-eslint');

const nodeBuiltins = require('module').builtinModules.flatMap((m) => [m, `node:${m}`]);
/** A project folder at any relative depth, itself or anything in it. */
const folder = (...names) => names.flatMap((n) => [`**/${n}`, `**/${n}/**`]);
const restrict = (patterns, paths = []) => ({
  'no-restricted-imports': ['error', { patterns, paths: paths.map((name) => ({ name, message: 'not allowed in this folder' })) }],
});

module.exports = tseslint.config(
  {
    ignores: [
      'node_modules/**',
      '**/dist/**',
      'test-results/**',
      '.tools/**',
      '.data/**',
      'coverage/**',
      'eslint.config.js',
      'jest.config.js',
      'test/support/**',
    ],
  },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
  {
    files: ['domain/**/*.ts'],
    rules: restrict([{ regex: '^(?!\\./)', message: 'domain/ is pure: it imports nothing but itself' }]),
  },
  {
    files: ['workflows/**/*.ts'],
    rules: restrict(
      [
        {
          group: [
            ...folder('db', 'api', 'worker', 'config', 'scripts'),
            'pg',
            'kysely',
            'fastify',
            '@temporalio/client',
            '@temporalio/worker',
            '@temporalio/activity',
          ],
          message: 'workflows import only @temporalio/workflow, domain/ and activity types',
        },
        { group: folder('activities'), allowTypeImports: true, message: 'workflows import only activity types (import type)' },
      ],
      nodeBuiltins,
    ),
  },
  {
    files: ['activities/**/*.ts'],
    rules: restrict([
      { group: [...folder('api', 'workflows', 'worker'), 'fastify', '@temporalio/workflow'], message: 'activities never use api/ or workflows/' },
    ]),
  },
  {
    files: ['db/**/*.ts'],
    rules: restrict([
      { group: [...folder('api', 'workflows', 'activities', 'worker'), '@temporalio/*', 'fastify'], message: 'db/ knows nothing of the layers above it' },
    ]),
  },
  {
    files: ['db/migrations/2*.ts'],
    rules: restrict([{ regex: '^(?!kysely$)', message: 'migrations import only kysely: they must never change with the code' }]),
  },
  {
    // The console is a client of the API: it shares only domain/'s pure arithmetic, never the server's code.
    files: ['console/**/*.ts', 'console/**/*.tsx'],
    rules: restrict([
      {
        group: folder('api', 'db', 'activities', 'workflows', 'worker', 'config', 'scripts'),
        message: 'the console talks to the API over HTTP; it imports only domain/',
      },
    ]),
  },
  {
    // Configuration owns itself: the environment's schema and defaults, from domain/ and packages, never a layer above.
    files: ['config/**/*.ts'],
    rules: restrict([{ regex: '^\\.\\./(?!domain(/|$))', message: 'config/ imports only domain/ (and packages)' }]),
  },
  {
    files: ['api/**/*.ts'],
    rules: {
      ...restrict([
        { group: [...folder('activities', 'worker'), '@temporalio/worker', '@temporalio/activity'], message: 'the API never runs activities or workers' },
        { regex: '(^|/)workflows(/(?!definitions$).*)?$', message: 'the API uses workflow definitions only' },
        { group: ['kysely', 'pg'], allowTypeImports: true, message: 'the API reads and writes through db/repositories/' },
      ]),
      // No query is built here either: SQL lives in db/.
      'no-restricted-syntax': [
        'error',
        {
          selector: 'CallExpression[callee.property.name=/^(selectFrom|selectNoFrom|insertInto|updateTable|deleteFrom|replaceInto|mergeInto|transaction)$/]',
          message: 'the API reads and writes through db/repositories/',
        },
      ],
    },
  },
);
