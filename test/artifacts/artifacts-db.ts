import { env } from 'cloudflare:test';

/** Artifact rows, part rows and audit events of an organization, in one statement. */
export async function artifactCounts(orgId: string) {
  const row = await env.DB.prepare(
    `SELECT
       (SELECT count(*) FROM artifact WHERE org_id = ?1) AS artifacts,
       (SELECT count(*) FROM artifact WHERE org_id = ?1 AND status = 'COMPLETE') AS complete,
       (SELECT count(*) FROM artifact_part WHERE org_id = ?1) AS parts,
       (SELECT count(*) FROM audit_event WHERE org_id = ?1) AS audit`,
  )
    .bind(orgId)
    .first<{ artifacts: number; complete: number; parts: number; audit: number }>();
  if (!row) throw new Error('no counts');
  return row;
}

export function artifactRow(id: string) {
  return env.DB.prepare('SELECT * FROM artifact WHERE id = ?').bind(id).first<{
    id: string;
    status: string;
    r2_key: string;
    size_bytes: number;
    sha256: string;
    encryption_key_id: string | null;
  }>();
}

/** Objects R2 holds under an organization's prefix. */
export async function r2Keys(orgId: string): Promise<string[]> {
  const listed = await env.ARTIFACTS.list({ prefix: `orgs/${orgId}/` });
  return listed.objects.map((object) => object.key);
}
