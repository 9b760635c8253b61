/**
 * Issue 9 item 6: deploy/k8s validated against the Kubernetes OpenAPI schemas (the
 * `kubernetes-models` classes validate themselves; no cluster needed), plus the wiring
 * the schemas cannot see: selectors, probes on the right ports, Secret vs ConfigMap,
 * hardening, and that the environment is one Tessera's own config accepts.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { ConfigMap, Namespace, Secret, Service } from 'kubernetes-models/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { Job } from 'kubernetes-models/batch/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { loadConfig } from '../../src/config.js';

const DIR = 'deploy/k8s';
const SECRET_KEYS = ['DATABASE_URL', 'ESDB_URL', 'JWT_SECRET', 'REDIS_URL', 'SMTP_URL'];

const MODELS: Record<string, new (data: any) => { validate(): void }> = {
  'v1/Namespace': Namespace,
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'batch/v1/Job': Job,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
};

interface Manifest {
  file: string;
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  spec?: any;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

/** Throws unless the object passes the OpenAPI schema of its apiVersion/kind. */
function validateManifest(doc: Manifest): void {
  const Model = MODELS[`${doc.apiVersion}/${doc.kind}`];
  if (!Model) throw new Error(`${doc.file}: no schema for ${doc.apiVersion} ${doc.kind}`);
  new Model(doc).validate();
}

const kustomization = parse(readFileSync(path.join(DIR, 'kustomization.yaml'), 'utf8')) as {
  resources: string[];
  images: Array<{ name: string; newName?: string; newTag?: string }>;
};
const files = readdirSync(DIR).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml');
const manifests: Manifest[] = files.flatMap((file) =>
  parseAllDocuments(readFileSync(path.join(DIR, file), 'utf8')).map((doc) => {
    if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0]!.message}`);
    return { ...(doc.toJS() as Omit<Manifest, 'file'>), file };
  }),
);
const find = (kind: string, name: string): Manifest => {
  const found = manifests.find((m) => m.kind === kind && m.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name}`);
  return found;
};
const deployments = manifests.filter((m) => m.kind === 'Deployment');
const podSpecs = [...deployments, find('Job', 'tessera-migrate')].map((m) => ({ name: m.metadata.name, spec: m.spec.template.spec }));
const clone = <T>(value: T): T => structuredClone(value);

describe('deploy/k8s', () => {
  it('every manifest validates against the Kubernetes API schema', () => {
    expect(manifests.length).toBeGreaterThanOrEqual(9);
    for (const manifest of manifests) expect(() => validateManifest(manifest), `${manifest.file} ${manifest.kind}`).not.toThrow();
  });

  it('the check bites: a broken manifest fails validation', () => {
    const api = clone(find('Deployment', 'tessera-api'));
    api.spec.replicas = '3';
    expect(() => validateManifest(api)).toThrow(/replicas must be integer/);
    const nameless = clone(find('Job', 'tessera-migrate'));
    delete nameless.spec.template.spec.containers[0].name;
    expect(() => validateManifest(nameless)).toThrow(/containers\/0 must have required property name/);
    expect(() => validateManifest({ ...clone(api), apiVersion: 'extensions/v1beta1' })).toThrow(/no schema/);
  });

  it('kustomization lists every manifest but the example Secret, and pins the image', () => {
    expect([...kustomization.resources].sort()).toEqual(files.filter((f) => f !== 'secret.example.yaml').sort());
    expect(kustomization.images).toEqual([expect.objectContaining({ name: 'tessera', newTag: expect.stringMatching(/^\d+\.\d+\.\d+$/) })]);
    for (const { spec } of podSpecs) for (const c of spec.containers) expect(c.image).toBe('tessera');
  });

  it('runs api (N), projector (2, one active by advisory lock) and worker (N) with their roles', () => {
    const role = (m: Manifest) => m.spec.template.spec.containers[0].env.find((e: { name: string }) => e.name === 'PROCESS_ROLES')?.value;
    expect(Object.fromEntries(deployments.map((d) => [d.metadata.name, { replicas: d.spec.replicas, role: role(d) }]))).toEqual({
      'tessera-api': { replicas: 3, role: 'api' },
      'tessera-projector': { replicas: 2, role: 'projector' },
      'tessera-worker': { replicas: 2, role: 'worker' },
    });
    for (const d of deployments) expect(d.spec.template.metadata.labels).toEqual(expect.objectContaining(d.spec.selector.matchLabels));
  });

  it('probes /health/live and /health/ready on 3000 for the api and on HEALTH_PORT 3001 for the others', () => {
    const config = find('ConfigMap', 'tessera-config').data!;
    for (const d of deployments) {
      const container = d.spec.template.spec.containers[0];
      const port = d.metadata.name === 'tessera-api' ? 3000 : Number(config.HEALTH_PORT);
      expect(port).toBe(d.metadata.name === 'tessera-api' ? 3000 : 3001);
      const portOf = (probe: { httpGet: { port: string | number } }) =>
        typeof probe.httpGet.port === 'number' ? probe.httpGet.port : container.ports.find((p: { name: string }) => p.name === probe.httpGet.port)?.containerPort;
      expect(container.livenessProbe.httpGet.path, d.metadata.name).toBe('/health/live');
      expect(container.readinessProbe.httpGet.path, d.metadata.name).toBe('/health/ready');
      expect(container.startupProbe.httpGet.path, d.metadata.name).toBe('/health/live');
      for (const probe of [container.livenessProbe, container.readinessProbe, container.startupProbe]) expect(portOf(probe), d.metadata.name).toBe(port);
    }
  });

  it('puts a Service and a PodDisruptionBudget in front of the api pods', () => {
    const apiLabels = find('Deployment', 'tessera-api').spec.template.metadata.labels;
    const service = find('Service', 'tessera-api');
    expect(apiLabels).toEqual(expect.objectContaining(service.spec.selector));
    expect(service.spec.ports[0].targetPort).toBe('http');
    const pdb = find('PodDisruptionBudget', 'tessera-api');
    expect(apiLabels).toEqual(expect.objectContaining(pdb.spec.selector.matchLabels));
    expect(pdb.spec.maxUnavailable ?? pdb.spec.minAvailable).toBeDefined();
  });

  it('migrates in a Job with `tessera migrate`', () => {
    const job = find('Job', 'tessera-migrate');
    expect(job.spec.template.spec.containers[0].command).toEqual(['tessera', 'migrate']);
    expect(job.spec.template.spec.restartPolicy).toBe('OnFailure');
  });

  it('keeps credentials in the Secret and the rest in the ConfigMap, both wired into every pod', () => {
    const config = find('ConfigMap', 'tessera-config').data!;
    const secret = find('Secret', 'tessera-secrets').stringData!;
    expect(Object.keys(secret).sort()).toEqual(SECRET_KEYS);
    for (const key of SECRET_KEYS) expect(config).not.toHaveProperty(key);
    for (const { name, spec } of podSpecs) {
      expect(spec.containers[0].envFrom, name).toEqual([{ configMapRef: { name: 'tessera-config' } }, { secretRef: { name: 'tessera-secrets' } }]);
    }
  });

  it("is an environment Tessera's own config accepts, and the example Secret cannot boot as is", () => {
    const config = find('ConfigMap', 'tessera-config').data!;
    const secret = find('Secret', 'tessera-secrets').stringData!;
    expect(() => loadConfig({ ...config, ...secret })).toThrow(/JWT_SECRET must be at least 32 characters/);
    const loaded = loadConfig({ ...config, ...secret, JWT_SECRET: 'k'.repeat(48), PROCESS_ROLES: 'projector' });
    expect(loaded.eventStore).toEqual({ kind: 'esdb', url: secret.ESDB_URL });
    expect(loaded.mail.smtpUrl).toBe(secret.SMTP_URL);
  });

  it('runs non-root on a read-only root filesystem with requests and limits', () => {
    for (const { name, spec } of podSpecs) {
      expect(spec.securityContext, name).toEqual(expect.objectContaining({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } }));
      expect(spec.automountServiceAccountToken, name).toBe(false);
      for (const c of spec.containers) {
        expect(c.securityContext, name).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
        for (const kind of ['requests', 'limits']) expect(Object.keys(c.resources[kind]).sort(), `${name} ${kind}`).toEqual(['cpu', 'memory']);
        expect(c.volumeMounts, name).toEqual([{ name: 'tmp', mountPath: '/tmp' }]);
      }
    }
  });
});
