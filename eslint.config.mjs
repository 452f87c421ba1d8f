// One lint configuration for the workspace: the recommended rules of ESLint and typescript-eslint,
// plus the few that guard this project's rules (no console in library code, no stray any).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/generated/**', '**/node_modules/**', '**/coverage/**', '**/*.js', '**/*.mjs', '**/*.cjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
    },
  },
  {
    // Library code never writes to the console: errors are typed and thrown, progress goes through the CLI's reporter.
    files: ['packages/field-crypto/src/**/*.ts', 'packages/prisma/src/**/*.ts'],
    ignores: ['**/*.test.ts', '**/__tests__/**', 'packages/prisma/src/generator/**'],
    rules: { 'no-console': 'error' },
  },
  {
    files: ['**/*.test.ts', '**/__tests__/**', 'tests/**', 'bench/**', 'examples/**'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off', '@typescript-eslint/no-explicit-any': 'off' },
  },
);
