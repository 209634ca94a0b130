// Lint: the loop code takes its time from the injected scheduler only, so that virtual-time tests and
// trace replay see the same behaviour as production.
import tseslint from 'typescript-eslint';

const wallClock = {
  'no-restricted-properties': ['error',
    { object: 'Date', property: 'now', message: 'Loop code reads time from the injected scheduler (scheduler.now()).' },
    { object: 'globalThis', property: 'setTimeout', message: 'Schedule work on the injected scheduler.' },
    { object: 'globalThis', property: 'setInterval', message: 'Schedule work on the injected scheduler.' },
  ],
  'no-restricted-globals': ['error',
    { name: 'setTimeout', message: 'Schedule work on the injected scheduler.' },
    { name: 'setInterval', message: 'Schedule work on the injected scheduler.' },
  ],
  'no-restricted-syntax': ['error',
    { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'Loop code reads time from the injected scheduler.' },
  ],
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'bench/results/**', '.bench-build/**', '.scratch/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src/sensors/**', 'src/analyzers/**', 'src/planners/**', 'src/policies/**', 'src/core/**', 'src/knowledge/**', 'policies/**'],
    rules: wallClock,
  },
);
