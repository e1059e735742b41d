// ESLint flat config: TypeScript rules plus Nx module boundaries (apps → libs, I/O
// packages only in their adapter libs). See docs/architecture.md for the tags.
import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

const ioBans = {
  'io:none': ['@grpc/*', 'etcd3', 'nats', 'dockerode'],
  'io:grpc': ['etcd3', 'nats', 'dockerode'],
  // The etcd adapter speaks etcd's gRPC API over node:http2 itself (libs/storage/src/etcd-client.ts).
  'io:etcd': ['@grpc/*', 'etcd3', 'nats', 'dockerode'],
  'io:nats': ['@grpc/*', 'etcd3', 'dockerode'],
  'io:docker': ['@grpc/*', 'etcd3', 'nats'],
  'io:exec': ['@grpc/*', 'etcd3', 'nats', 'dockerode'],
};

export default [
  { ignores: ['**/node_modules/**', '**/dist/**', '**/generated/**', 'deploy/images/**', 'libs/api-types/src/index.ts', '.nx/**', 'tmp/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { '@nx': nx },
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@nx/enforce-module-boundaries': [
        'error',
        {
          allow: [],
          depConstraints: [
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:feature', 'type:data-access', 'type:util', 'type:api'] },
            { sourceTag: 'type:feature', onlyDependOnLibsWithTags: ['type:feature', 'type:data-access', 'type:util', 'type:api'] },
            { sourceTag: 'type:data-access', onlyDependOnLibsWithTags: ['type:data-access', 'type:util', 'type:api'] },
            { sourceTag: 'type:util', onlyDependOnLibsWithTags: ['type:util', 'type:api'] },
            { sourceTag: 'type:api', onlyDependOnLibsWithTags: ['type:api'] },
            { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['*'] },
            { sourceTag: 'type:e2e', onlyDependOnLibsWithTags: ['*'] },
            { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
            { sourceTag: 'scope:apiserver', onlyDependOnLibsWithTags: ['scope:apiserver', 'scope:shared'] },
            { sourceTag: 'scope:cli', onlyDependOnLibsWithTags: ['scope:cli', 'scope:shared'] },
            { sourceTag: 'scope:kubelet', onlyDependOnLibsWithTags: ['scope:kubelet', 'scope:shared'] },
            { sourceTag: 'scope:scheduler', onlyDependOnLibsWithTags: ['scope:scheduler', 'scope:shared'] },
            { sourceTag: 'scope:controllers', onlyDependOnLibsWithTags: ['scope:controllers', 'scope:shared'] },
            { sourceTag: 'scope:proxy', onlyDependOnLibsWithTags: ['scope:proxy', 'scope:shared'] },
            { sourceTag: 'scope:dns', onlyDependOnLibsWithTags: ['scope:dns', 'scope:shared'] },
            { sourceTag: 'scope:testing', onlyDependOnLibsWithTags: ['*'] },
            ...Object.entries(ioBans).map(([sourceTag, bannedExternalImports]) => ({ sourceTag, bannedExternalImports })),
          ],
        },
      ],
    },
  },
  {
    // Tests may use the harness and fakes of any lib.
    files: ['**/*.test.ts', '**/*.contract.ts', '**/*.fixture.ts', 'bench/**/*.ts', 'test/**/*.ts'],
    rules: { '@nx/enforce-module-boundaries': 'off', '@typescript-eslint/no-floating-promises': 'off', '@typescript-eslint/no-explicit-any': 'off' },
  },
];
