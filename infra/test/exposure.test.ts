/**
 * What docker-compose.yml publishes (issue 14 items 4 and 12): only the API (and Caddy, behind
 * its profile) get host ports. The WhatsApp host's login endpoints and every /metrics are on the
 * internal network only; the API's own /metrics answers only METRICS_TOKEN (operations.test.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';

const ComposeSchema = z.object({
  services: z.record(
    z.string(),
    z.object({
      ports: z.array(z.string()).optional(),
      environment: z.record(z.string(), z.unknown()).optional(),
    }),
  ),
});

const compose = (file: string) =>
  ComposeSchema.parse(
    parse(readFileSync(join(import.meta.dirname, '..', '..', file), 'utf8'), { merge: true }),
  );

describe('published ports', () => {
  it('publishes the API and the HTTPS proxy only; the WhatsApp host and the workers stay internal', () => {
    for (const file of ['docker-compose.yml', 'docker-compose.gpu.yml']) {
      const published = Object.entries(compose(file).services)
        .filter(([, service]) => (service.ports ?? []).length > 0)
        .map(([name]) => name)
        .sort();
      expect(
        published.every((name) => ['api', 'caddy'].includes(name)),
        `${file}: ${published}`,
      ).toBe(true);
    }
    const services = compose('docker-compose.yml').services;
    expect(services['bot-host']?.ports).toBeUndefined();
    // biome-ignore lint/suspicious/noTemplateCurlyInString: compose's own ${VAR} syntax.
    expect(services.api?.ports).toEqual(['${API_PORT:-8000}:8000']);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: compose's own ${VAR} syntax.
    expect(services.api?.environment?.METRICS_TOKEN).toBe('${METRICS_TOKEN:-}');
  });
});
