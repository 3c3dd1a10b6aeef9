import { describe, expect, it } from 'vitest';
import { isYamlFile, parseYamlDocs, repoFiles } from './support/repo.ts';

describe('YAML files', () => {
  const files = repoFiles().filter(isYamlFile);

  it('include the stack, the workspace and the deploy manifests', () => {
    expect(files).toContain('stack.yml');
    expect(files).toContain('pnpm-workspace.yaml');
    expect(files).toContain('deploy/kustomization.yaml');
    expect(files.filter((f) => f.startsWith('deploy/')).length).toBeGreaterThan(10);
  });

  it.each(files)('%s parses', (file) => {
    expect(() => parseYamlDocs(file)).not.toThrow();
    expect(parseYamlDocs(file).length).toBeGreaterThan(0);
  });
});
