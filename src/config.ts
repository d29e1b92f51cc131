import { uploadLimits } from './registry/artifact/artifact.ts';
import type { Config } from './registry/deps.ts';
import {
  DEFAULT_EDGE_ROW_BUDGET,
  DEFAULT_NODE_BUDGET,
} from './registry/lineage/traversal.service.ts';
import { usageSourceOf } from './registry/usage/usage-source.ts';

/** Upper bound for LINEAGE_NODE_BUDGET: past this a walk's answer outgrows a Worker's memory. */
export const MAX_NODE_BUDGET = 1_000_000;

/**
 * Nodes one lineage walk (lineage, impact, lineagePath) may visit per request, from the
 * LINEAGE_NODE_BUDGET variable (wrangler.jsonc `vars`); the default when unset or invalid.
 */
export function lineageNodeBudget(env: { LINEAGE_NODE_BUDGET?: string }): number {
  const configured = Number(env.LINEAGE_NODE_BUDGET);
  if (!Number.isInteger(configured) || configured < 1) return DEFAULT_NODE_BUDGET;
  return Math.min(configured, MAX_NODE_BUDGET);
}

/**
 * Edge rows one lineage request may hold (the memory budget, see DEFAULT_EDGE_ROW_BUDGET), from
 * LINEAGE_EDGE_ROW_BUDGET; null (the defaults, smaller with edge details) when unset or invalid.
 */
export function lineageEdgeRowBudget(env: { LINEAGE_EDGE_ROW_BUDGET?: string }): number | null {
  const configured = Number(env.LINEAGE_EDGE_ROW_BUDGET);
  if (!env.LINEAGE_EDGE_ROW_BUDGET || !Number.isInteger(configured) || configured < 1) return null;
  return Math.min(configured, DEFAULT_EDGE_ROW_BUDGET);
}

/** What `PERSISTED_OPERATIONS` allows: any document, or only the allow-list's. */
export type PersistedOperationsMode = 'off' | 'allow' | 'require';

/** The HTTP layer's settings, read from `vars` (wrangler.jsonc); see docs/limits-and-security.md. */
export interface HttpConfig {
  /** EXPOSE_ERRORS="true": internal errors keep their message and stack (development only). */
  exposeErrors: boolean;
  /** GRAPHQL_INTROSPECTION="false" refuses __schema and __type. */
  introspection: boolean;
  /** GRAPHIQL="false": GET /graphql from a browser is a 404-like JSON answer, not the IDE. */
  graphiql: boolean;
  /** PERSISTED_OPERATIONS: off (default), allow (hashes accepted too), require (hashes only). */
  persistedOperations: PersistedOperationsMode;
  /** CORS_ORIGINS: comma-separated origins allowed cross-origin; none by default. */
  corsOrigins: readonly string[];
  /** RATE_LIMIT="off" turns the per-token limit off (local default; see wrangler.jsonc). */
  rateLimit: boolean;
  /** ENVIRONMENT="production": adds Strict-Transport-Security. */
  production: boolean;
}

export interface HttpVars {
  ENVIRONMENT?: string;
  EXPOSE_ERRORS?: string;
  GRAPHQL_INTROSPECTION?: string;
  GRAPHIQL?: string;
  PERSISTED_OPERATIONS?: string;
  CORS_ORIGINS?: string;
  RATE_LIMIT?: string;
}

/** A boolean var: only "true"/"false" (any case) count; anything else is the default. */
function flag(value: string | undefined, fallback: boolean): boolean {
  const normalized = value?.trim().toLowerCase();
  if (normalized === 'true' || normalized === 'on') return true;
  if (normalized === 'false' || normalized === 'off') return false;
  return fallback;
}

function persistedOperationsMode(value: string | undefined): PersistedOperationsMode {
  const normalized = value?.trim().toLowerCase();
  return normalized === 'allow' || normalized === 'require' ? normalized : 'off';
}

/** An origin as browsers send it: scheme://host[:port], no path; anything else is dropped. */
function parseOrigins(value: string | undefined): string[] {
  const origins: string[] = [];
  for (const entry of (value ?? '').split(',')) {
    const trimmed = entry.trim();
    if (!trimmed) continue;
    try {
      const url = new URL(trimmed);
      if ((url.protocol === 'https:' || url.protocol === 'http:') && url.origin === trimmed) {
        origins.push(url.origin);
      }
    } catch {
      // not a URL: ignored rather than allowing something unintended
    }
  }
  return origins;
}

/**
 * The HTTP settings from the Worker's vars. Safe when a var is missing: errors masked,
 * introspection and GraphiQL on, persisted operations off, no cross-origin access, rate limit on.
 */
export function httpConfig(env: HttpVars): HttpConfig {
  // The guard and Yoga both ask on every request; the env object is the same for the isolate.
  let config = httpConfigs.get(env);
  if (!config) {
    config = readHttpConfig(env);
    httpConfigs.set(env, config);
  }
  return config;
}

const httpConfigs = new WeakMap<HttpVars, HttpConfig>();

function readHttpConfig(env: HttpVars): HttpConfig {
  return {
    exposeErrors: flag(env.EXPOSE_ERRORS, false),
    introspection: flag(env.GRAPHQL_INTROSPECTION, true),
    graphiql: flag(env.GRAPHIQL, true),
    persistedOperations: persistedOperationsMode(env.PERSISTED_OPERATIONS),
    corsOrigins: parseOrigins(env.CORS_ORIGINS),
    rateLimit: flag(env.RATE_LIMIT, true),
    production: env.ENVIRONMENT === 'production',
  };
}

/** The vars the services read (see Config), from the Worker's environment. */
export interface RegistryVars {
  LINEAGE_NODE_BUDGET?: string;
  LINEAGE_EDGE_ROW_BUDGET?: string;
  USAGE_ROLLUP?: string;
  ARTIFACT_MAX_REQUEST_BYTES?: string;
  ARTIFACT_UPLOAD_TTL_HOURS?: string;
  ARTIFACT_SSEC_KEYS?: string;
  WEBHOOK_SECRET_KEY?: string;
  ENVIRONMENT?: string;
}

/** The services' settings, parsed once per isolate (the env object is the same for it). */
export function registryConfig(env: RegistryVars): Config {
  let config = registryConfigs.get(env);
  if (!config) {
    config = {
      lineageNodeBudget: lineageNodeBudget(env),
      lineageEdgeRowBudget: lineageEdgeRowBudget(env),
      usageSource: usageSourceOf(env),
      uploadLimits: uploadLimits(env),
      ...(env.ARTIFACT_SSEC_KEYS ? { encryptionKeys: env.ARTIFACT_SSEC_KEYS } : {}),
      webhooks: {
        secretKey: env.WEBHOOK_SECRET_KEY ?? null,
        production: env.ENVIRONMENT === 'production',
      },
    };
    registryConfigs.set(env, config);
  }
  return config;
}

const registryConfigs = new WeakMap<RegistryVars, Config>();
