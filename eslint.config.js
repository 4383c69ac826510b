// Lint rules: typescript-eslint recommended plus the house rules (no any, node: imports, curly).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'demo-out/', 'coverage/', 'bench/out/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', ReadableStream: 'readonly', AbortController: 'readonly', TextEncoder: 'readonly', TextDecoder: 'readonly', fetch: 'readonly', structuredClone: 'readonly' },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      curly: ['error', 'all'],
      'no-restricted-imports': ['error', { patterns: [{ regex: '^(fs|path|os|crypto|zlib|stream|http|https|url|util|child_process|events|net|tls)(/.*)?$', message: 'use the node: prefix' }] }],
    },
  },
  {
    files: ['scripts/**/*.js', 'bench/**/*.js', 'bin/**/*.js'],
    rules: { '@typescript-eslint/consistent-type-imports': 'off' },
  },
);
