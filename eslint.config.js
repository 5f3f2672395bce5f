import js from '@eslint/js';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/**
 * The layers (README "Layout"), enforced at any depth: each zone forbids `target` files to import from `from`.
 * The paths are resolved, so `../../../engine/api.ts` is caught as surely as `../engine/api.ts`.
 */
const layer = (name, ...forbidden) => forbidden.map((from) => ({ target: `./src/${name}`, from: `./src/${from}`, message: LAYER_WHY[name] }));
const LAYER_WHY = {
  core: 'src/core is pure (no DOM, no Node): it imports nothing outside src/core.',
  engine: 'src/engine (the worker and its API) knows nothing of the page: no state, ui, pwa or cli.',
  state: 'src/state renders nothing and is no command: no ui, pwa or cli.',
  ui: 'src/ui renders state and sends intents: it reaches the engine only through src/state.',
  storage: 'src/storage holds browser storage adapters over the core: only src/core.',
  pwa: 'src/pwa is the service worker glue: no engine, ui, storage or cli.',
  cli: 'src/cli runs the in-process engine in Node: no page code (state, ui, pwa, browser storage).',
};
const LAYERS = [
  { target: './src/core', from: './src', except: ['./core'], message: LAYER_WHY.core },
  { target: './src/core', from: './test', message: LAYER_WHY.core },
  ...layer('engine', 'state', 'ui', 'pwa', 'cli'),
  ...layer('state', 'ui', 'pwa', 'cli'),
  ...layer('ui', 'engine', 'cli'),
  ...layer('storage', 'engine', 'state', 'ui', 'pwa', 'cli'),
  ...layer('pwa', 'engine', 'ui', 'storage', 'cli'),
  ...layer('cli', 'state', 'ui', 'pwa', 'storage'),
  // the worker client (main thread) is the state layer's alone; the CLI and the engine use engine.ts in-process
  ...['engine', 'cli', 'main.tsx'].map((target) => ({
    target: `./src/${target}`,
    from: './src/engine/client.ts',
    message: 'Only src/state talks to the engine worker (src/engine/client.ts).',
  })),
  { target: './src/main.tsx', from: './src/engine', message: LAYER_WHY.ui },
];

export default tseslint.config(
  { ignores: ['.scratch', '.device', 'dist', 'dist-cli', 'node_modules', 'test-results', 'playwright-report', 'public', 'tools', '.cache'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
    plugins: { 'react-hooks': reactHooks, 'import-x': importX },
    settings: {
      // parse TypeScript dependencies too, or no-cycle sees no edges
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts', '.tsx'] },
      'import-x/extensions': ['.ts', '.tsx', '.js', '.mjs'],
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.tsx', '.js', '.mjs', '.json'] })],
    },
    rules: {
      ...reactHooks.configs.recommended.rules,
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-imports': 'off',
      // one import style: relative imports name the file with its extension, as Node's ESM and Vite resolve it
      'import-x/extensions': ['error', 'always', { ignorePackages: true, checkTypeImports: true }],
      'import-x/no-unresolved': ['error', { ignore: ['^virtual:', '\\?(url|raw|worker)$'] }],
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
    },
  },
  {
    files: ['src/**/*.{ts,tsx}'],
    ignores: ['src/**/*.test.ts'],
    rules: { 'import-x/no-restricted-paths': ['error', { zones: LAYERS }] },
  },
  {
    // The core is pure: no DOM, no React, no Node built-ins (tests excepted).
    files: ['src/core/**/*.ts'],
    ignores: ['src/core/**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['node:*', 'react', 'react-dom', 'zustand', 'comlink'] }],
    },
  },
);
