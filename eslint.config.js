// Lint rules: typescript-eslint's recommended type-aware set, zero warnings allowed (see package.json).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['dist/**', 'coverage/**', 'node_modules/**', 'tapes/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': ['error', { allow: ['error', 'warn'] }],
    },
  },
  {
    // The web console's page runs in a browser.
    files: ['src/web/page/**'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    // Only the command line and the terminal UI own a terminal's stdout.
    files: ['src/cli/**', 'src/tui/**', 'bench/**', 'examples/**', 'test/**', 'bin/**', 'scripts/**'],
    rules: { 'no-console': 'off' },
  },
);
