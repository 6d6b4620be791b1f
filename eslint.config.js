// Lint rules that keep the engine async-safe and its folders honest.
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'dashboard/dist/', 'eslint.config.js'] },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { 'import-x': importX },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'import-x/no-default-export': 'error',
      'no-restricted-syntax': ['error', { selector: 'TSEnumDeclaration', message: 'Use an as-const object and a union type.' },
        { selector: 'ExportAllDeclaration', message: 'Export names explicitly.' }],
    },
  },
  // Folders meet through their index.ts: no deep imports across folders.
  ...[
    { files: ['gateways/**/*.ts', 'adapters/**/*.ts'], engine: true, gateways: false },
    { files: ['engine/**/*.ts'], engine: false, gateways: true },
    { files: ['bench/**/*.ts', 'test/**/*.ts'], engine: true, gateways: true },
  ].map(({ files, engine, gateways }) => ({
    files,
    rules: {
      'no-restricted-imports': ['error', {
        paths: [{ name: 'zod', message: "Import z from engine/validation.ts (gateways, bench, tests: through engine/index.ts): one configuration for every parse." }],
        patterns: [
          ...(engine ? [{ regex: '(^|/)engine/(?!index\\.js$|cli/index\\.js$|testing/index\\.js$)', message: 'Import the engine through engine/index.ts (or engine/cli/index.ts; tests: engine/testing/index.ts).' }] : []),
          ...(gateways ? [{ regex: '(^|/)gateways/(?!index\\.js$)', message: 'Import the gateways through gateways/index.ts.' }] : []),
        ],
      }],
    },
  })),
  // The one place that imports the schema library itself.
  { files: ['engine/validation.ts'], rules: { 'no-restricted-imports': 'off' } },
  {
    files: ['engine/domain/**/*.ts'],
    rules: {
      'no-restricted-properties': ['error',
        { object: 'Date', property: 'now', message: 'Decisions take time as an input (Clock).' },
        { object: 'Math', property: 'random', message: 'Decisions are deterministic.' }],
    },
  },
);
