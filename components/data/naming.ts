// Pure naming rules of the data domain, shared by the components and the config's checks.
import * as crypto from "node:crypto";

/** RDS instance identifiers: 1-63 letters, digits and hyphens, a letter first, no `--`, no trailing hyphen. */
export const RDS_IDENTIFIER = /^[a-z](?!.*--)[a-z0-9-]{0,61}[a-z0-9]$|^[a-z]$/;

/** `prod`, `api` -> `prod-api`; restoring from a snapshot gives a new identifier (a new instance). */
export function instanceIdentifier(environment: string, app: string, restoreFromSnapshot?: string): string {
    const base = `${environment}-${app}`;
    if (!restoreFromSnapshot) return base;
    return `${base}-restored-${crypto.createHash("sha256").update(restoreFromSnapshot).digest("hex").slice(0, 8)}`;
}

/**
 * Where an app's containers find the database's CA bundle (`data.postgres.caBundle`): the ConfigMap's key is
 * mounted read-only as `ca.pem` in this directory, which libpq reads as `sslrootcert`.
 */
export const DATABASE_CA_DIR = "/etc/launchpad/db-ca";
export const DATABASE_CA_FILE = `${DATABASE_CA_DIR}/ca.pem`;
