import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import * as aws from "../common/aws";
import * as k8s from "../common/kubernetes";
import { DEFAULT_VPC_CIDR } from "../../config/backup";
import type { PostgresConfig } from "../../config/backup";
import { LABEL } from "../common/labels";
import { TAG, awsTags } from "../common/tags";
import { maxConnections } from "./connections";
import { EXTRA_VOLUMES, type PodExtras } from "../deploy/podTemplate";
import { DATABASE_CA_DIR, DATABASE_CA_FILE, instanceIdentifier } from "./naming";

/** RDS refuses `/`, `@`, `"` and space in a master password; these marks are also URL-unreserved. */
export const PASSWORD_SPECIALS = "-_.~";

/** Pod annotation naming the database instance: a restore changes it, which rolls the app's pods. */
export const DATABASE_ANNOTATION = "launchpad.dev/database-instance";

export interface PostgresDatabaseArgs {
    readonly environment: string;
    readonly app: string;
    readonly namespace: pulumi.Input<string>;
    /** Labels of the app's objects. */
    readonly labels: Record<string, string>;
    readonly config: PostgresConfig;
    /** Production: deletion protection, a final snapshot, retained when removed from the stack. */
    readonly production: boolean;
    /** KMS key that encrypts storage (the environment's backup key). */
    readonly kmsKeyArn: pulumi.Input<string>;
    /** Tags that put the instance in the environment's backup selection (`launchpad:backup=<plan>`). */
    readonly backupTags: Record<string, string>;
}

/** `api-v2` -> `api_v2`. */
export function defaultDatabaseName(app: string): string {
    return app.replace(/-/g, "_");
}

/**
 * A PostgreSQL database on RDS for one app, named `<name>-db` throughout:
 * - DB parameter group (TLS enforced), DB subnet group when subnets are given;
 * - instance `<env>-<app>` (a new one, `<env>-<app>-restored-<hash>`, when created from a snapshot):
 *   storage encrypted with the environment's KMS key, automated backups with the configured retention
 *   and window, tags copied to snapshots, tagged `launchpad:backup=<plan>` for AWS Backup, not public;
 *   in production also deletion protection, a final snapshot and `retainOnDelete`;
 * - the password: @pulumi/random RandomPassword `<name>-db-password` (32 characters, its `result` a
 *   secret output), never in plain text; see docs/backup.md for why not an RDS-managed password;
 * - Kubernetes Secret `<app>-db` (PGHOST, PGPORT, PGDATABASE, PGUSER, PGPASSWORD, PGSSLMODE,
 *   DATABASE_URL, and PGSSLROOTCERT with a CA bundle) that the app receives through `envFrom`: TLS is
 *   required (`sslmode=require`); with `caBundle` the app also verifies the server's certificate and
 *   host name (`verify-full`) against the bundle, mounted read-only at DATABASE_CA_FILE;
 * - NetworkPolicy `<app>-db-egress`: the app's pods may reach `networkCidr` on the database port (the
 *   environment denies all egress by default).
 */
export class PostgresDatabase extends pulumi.ComponentResource {
    public readonly instance: aws.rds.Instance;
    /** RDS instance identifier (known before `up`). */
    public readonly identifier: string;
    public readonly address: pulumi.Output<string>;
    /** Name of the Kubernetes Secret with the connection settings. */
    public readonly secretName: string;
    /** What the app's pods get: `envFrom` the connection Secret, and the CA bundle's volume and mount when one is set. */
    public readonly pod: Required<Pick<PodExtras, "envFrom" | "volumes" | "volumeMounts">>;
    /** Pod annotations that roll the app's pods when the database instance changes (restore). */
    public readonly podAnnotations: Record<string, string>;
    /** The Secret: pods start only once it exists. */
    public readonly secret: k8s.core.v1.Secret;

    constructor(name: string, args: PostgresDatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
        super("launchpad:data:PostgresDatabase", name, {}, opts);
        const c = args.config;
        const child = { parent: this };
        const tags = awsTags(args.environment, { [TAG.app]: args.app });
        const identifier = instanceIdentifier(args.environment, args.app, c.restoreFromSnapshot);
        const dbName = c.databaseName ?? defaultDatabaseName(args.app);
        const major = c.engineVersion.split(".")[0];

        const params = new aws.rds.ParameterGroup(
            `${name}-db`,
            {
                name: `${args.environment}-${args.app}-pg${major}`,
                family: `postgres${major}`,
                description: `Launchpad ${args.environment}/${args.app}`,
                parameters: [
                    { name: "rds.force_ssl", value: "1", applyMethod: "pending-reboot" },
                    { name: "log_min_duration_statement", value: "1000" },
                    // Set, not left to RDS's formula, so the connections alarm knows the limit (./connections.ts).
                    { name: "max_connections", value: String(maxConnections(c)), applyMethod: "pending-reboot" },
                ],
                tags,
            },
            child,
        );
        const subnets = c.subnetIds
            ? new aws.rds.SubnetGroup(`${name}-db`, { name: `${args.environment}-${args.app}`, subnetIds: c.subnetIds, tags }, child)
            : undefined;
        // Drawn once at the first `up` and kept in state (encrypted); `keepers` would rotate it.
        const password = new random.RandomPassword(
            `${name}-db-password`,
            { length: 32, special: true, overrideSpecial: PASSWORD_SPECIALS, minLower: 1, minUpper: 1, minNumeric: 1 },
            child,
        );

        // RDS writes the exported logs to these groups, creating them without expiry unless they exist: with
        // logRetentionDays they are made first, with a retention (CloudWatch Logs encrypts them at rest).
        // Kept with a retained instance.
        const retention = c.logRetentionDays;
        const logGroups =
            retention === undefined
                ? []
                : (["postgresql", "upgrade"] as const).map(
                      (kind) =>
                          new aws.cloudwatch.LogGroup(
                              `${name}-db-${kind}`,
                              { name: `/aws/rds/instance/${identifier}/${kind}`, retentionInDays: retention, tags },
                              { parent: this, ...(args.production ? { retainOnDelete: true } : {}) },
                          ),
                  );

        this.instance = new aws.rds.Instance(
            `${name}-db`,
            {
                identifier,
                engine: "postgres",
                engineVersion: c.engineVersion,
                instanceClass: c.instanceClass,
                allocatedStorage: c.allocatedStorage,
                ...(c.maxAllocatedStorage !== undefined ? { maxAllocatedStorage: c.maxAllocatedStorage } : {}),
                storageType: "gp3",
                storageEncrypted: true,
                kmsKeyId: args.kmsKeyArn,
                dbName,
                username: c.username,
                password: password.result,
                port: c.port,
                multiAz: c.multiAz,
                publiclyAccessible: false,
                parameterGroupName: params.name,
                ...(subnets ? { dbSubnetGroupName: subnets.name } : {}),
                ...(c.securityGroupIds ? { vpcSecurityGroupIds: c.securityGroupIds } : {}),
                // PostgreSQL and upgrade logs in CloudWatch Logs: queries over log_min_duration_statement, errors, upgrades.
                enabledCloudwatchLogsExports: ["postgresql", "upgrade"],
                backupRetentionPeriod: c.backupRetentionDays,
                backupWindow: c.backupWindow,
                maintenanceWindow: c.maintenanceWindow,
                copyTagsToSnapshot: true,
                deleteAutomatedBackups: !args.production,
                // With a major version alone the provider reads the upgraded minor version as matching it
                // (engineVersionActual); a pinned minor version would read as a downgrade after an upgrade.
                autoMinorVersionUpgrade: !c.engineVersion.includes("."),
                deletionProtection: args.production,
                skipFinalSnapshot: !args.production,
                ...(args.production ? { finalSnapshotIdentifier: `${identifier}-final` } : {}),
                applyImmediately: !args.production,
                ...(c.restoreFromSnapshot ? { snapshotIdentifier: c.restoreFromSnapshot } : {}),
                tags: { ...tags, ...args.backupTags },
            },
            {
                parent: this,
                ...(logGroups.length > 0 ? { dependsOn: logGroups } : {}),
                ...(args.production ? { retainOnDelete: true } : {}),
            },
        );

        const secretName = `${args.app}-db`;
        // libpq's TLS settings, given both as PG* variables and in the URL's query.
        const ssl: { sslmode: string; sslrootcert?: string } = c.caBundle
            ? { sslmode: "verify-full", sslrootcert: DATABASE_CA_FILE }
            : { sslmode: "require" };
        const query = Object.entries(ssl)
            .map(([k, v]) => `${k}=${v}`)
            .join("&");
        const url = pulumi.interpolate`postgresql://${c.username}:${password.result}@${this.instance.address}:${c.port}/${dbName}?${query}`;
        this.secret = new k8s.core.v1.Secret(
            `${name}-db`,
            {
                metadata: { name: secretName, namespace: args.namespace, labels: args.labels },
                type: "Opaque",
                stringData: {
                    PGHOST: this.instance.address,
                    PGPORT: String(c.port),
                    PGDATABASE: dbName,
                    PGUSER: c.username,
                    PGPASSWORD: password.result,
                    PGSSLMODE: ssl.sslmode,
                    ...(ssl.sslrootcert ? { PGSSLROOTCERT: ssl.sslrootcert } : {}),
                    DATABASE_URL: pulumi.secret(url),
                },
            },
            child,
        );
        new k8s.networking.v1.NetworkPolicy(
            `${name}-db-egress`,
            {
                metadata: { name: `${args.app}-db-egress`, namespace: args.namespace, labels: args.labels },
                spec: {
                    podSelector: { matchLabels: { [LABEL.name]: args.app } },
                    policyTypes: ["Egress"],
                    egress: [
                        { to: [{ ipBlock: { cidr: c.networkCidr ?? DEFAULT_VPC_CIDR } }], ports: [{ protocol: "TCP", port: c.port }] },
                    ],
                },
            },
            child,
        );

        this.identifier = identifier;
        this.address = this.instance.address;
        this.secretName = secretName;
        const ca = c.caBundle;
        this.pod = {
            envFrom: [{ secretRef: { name: secretName } }],
            // The key alone, as ca.pem: the kubelet refreshes the file when the ConfigMap changes, and libpq
            // reads it at every connection, so a rotated bundle needs no restart.
            volumes: ca
                ? [{ name: EXTRA_VOLUMES.databaseCa, configMap: { name: ca.configMap, items: [{ key: ca.key, path: "ca.pem" }] } }]
                : [],
            volumeMounts: ca ? [{ name: EXTRA_VOLUMES.databaseCa, mountPath: DATABASE_CA_DIR, readOnly: true }] : [],
        };
        this.podAnnotations = { [DATABASE_ANNOTATION]: identifier };
        // `pod` and `podAnnotations` are wiring for the app's deployment: not registered again (see AppMonitoring).
        this.registerOutputs({ identifier, address: this.address, secretName });
    }
}
