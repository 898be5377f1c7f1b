// Configuration of backups (`launchpad:backup`) and of the data an app owns (`apps.<app>.data`).
// Cross-field rules (lock retention range, production lock, data needs backup) live in refineBackup,
// called once from the schema's superRefine.
import { z } from "zod";
import { ENVIRONMENT_NAME_LIMIT } from "../components/backup/naming";
import { KNOWN_FAMILIES, defaultMaxConnections } from "../components/data/connections";
import { DATABASE_CA_DIR, RDS_IDENTIFIER, instanceIdentifier } from "../components/data/naming";
import { awsId, dnsSubdomain, intRange, ipv4Cidr } from "./primitives";
import { backupBlackout, cronStartSpans, dailySpans, describeSpan, maintenanceSpan, overlaps } from "./windows";
import type { RefineHook } from "./primitives";

/** AWS Backup schedule expression: `cron(<minutes> <hours> <day-of-month> <month> <day-of-week> <year>)`. */
const awsCron = z.string().regex(/^cron\((\S+ ){5}\S+\)$/, { error: "expected an AWS cron expression such as cron(0 3 * * ? *)" });
/** Standard five-field cron (Velero schedules). */
const cron5 = z.string().regex(/^(\S+ ){4}\S+$/, { error: "expected a five-field cron expression such as 0 3 * * *" });
const awsRegion = z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, { error: "expected an AWS region such as eu-central-1" });
const k8sName = z.string().regex(/^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/, { error: "expected a lowercase DNS label" });

/** RDS's windows (UTC): the daily backup window `hh:mm-hh:mm`, the weekly maintenance window `ddd:hh:mm-ddd:hh:mm`. */
const DAILY_WINDOW = /^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$/;
const WEEKLY_WINDOW = /^(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):[0-5]\d-(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):[0-5]\d$/;

/** Minutes AWS Backup has to start a job after its scheduled time (each rule's `startWindow`). */
export const BACKUP_START_WINDOW_MINUTES = 60;

export const vaultLockModes = ["governance", "compliance"] as const;
export type VaultLockMode = (typeof vaultLockModes)[number];

export const backupSchema = z.strictObject({
    kms: z
        .strictObject({
            /** Waiting period before a scheduled key deletion takes effect (7-30 days). */
            deletionWindowDays: intRange(7, 30).default(30),
        })
        .default({ deletionWindowDays: 30 }),
    /**
     * Vault lock. `governance`: users with the right IAM permission can still remove the lock;
     * `compliance`: after `changeableForDays` nobody can, not even the account root. Required in production.
     */
    lock: z
        .strictObject({
            mode: z.enum(vaultLockModes),
            minRetentionDays: intRange(1, 36500),
            maxRetentionDays: intRange(1, 36500),
            /** Compliance mode only: grace period before the lock becomes immutable (at least 3 days). */
            changeableForDays: intRange(3, 36500).default(3),
        })
        .optional(),
    /** Days recovery points are kept, per rule. */
    retention: z.strictObject({ dailyDays: intRange(1, 36500), weeklyDays: intRange(1, 36500) }),
    schedule: z
        .strictObject({ daily: awsCron.default("cron(0 3 * * ? *)"), weekly: awsCron.default("cron(0 4 ? * SUN *)") })
        .default({ daily: "cron(0 3 * * ? *)", weekly: "cron(0 4 ? * SUN *)" }),
    /** Second region every recovery point is copied to (same retention), for regional disasters. */
    copyRegion: awsRegion.optional(),
    /** Lifecycle of the S3 bucket that receives exports (database dumps, Velero archives). */
    exports: z
        .strictObject({
            infrequentAccessAfterDays: intRange(30, 36500).default(30),
            glacierAfterDays: intRange(31, 36500).default(90),
            expireAfterDays: intRange(1, 36500).default(365),
            noncurrentExpireAfterDays: intRange(1, 36500).default(30),
            /** Days the export bucket's S3 server access logs (who read or wrote which export) are kept. */
            accessLogDays: intRange(1, 36500).default(400),
        })
        .default({
            infrequentAccessAfterDays: 30,
            glacierAfterDays: 90,
            expireAfterDays: 365,
            noncurrentExpireAfterDays: 30,
            accessLogDays: 400,
        }),
    /** Velero, for what lives in the cluster (the app's objects and volumes). */
    velero: z
        .strictObject({
            /** Namespace Velero runs in; its Backup and Schedule objects live there. */
            namespace: k8sName.default("velero"),
            /** Periodic backups of each data-owning app. */
            schedule: cron5.default("0 3 * * *"),
            /** BackupStorageLocation; Velero's default location when absent. */
            storageLocation: k8sName.optional(),
            /** How long `pulumi up` waits for a release backup to complete before failing. */
            timeoutMinutes: intRange(1, 720).default(30),
        })
        .default({ namespace: "velero", schedule: "0 3 * * *", timeoutMinutes: 30 }),
});
export type BackupConfig = z.infer<typeof backupSchema>;

/** A snapshot name (`prod-api-release-2-4-0`), an AWS Backup one (`awsbackup:job-...`) or a snapshot ARN. */
const snapshotId = z
    .string()
    .regex(/^(arn:aws[a-z-]*:rds:[a-z0-9-]+:\d{12}:snapshot:)?(awsbackup:)?[a-zA-Z](?!.*--)[a-zA-Z0-9-]{0,254}(?<!-)$/, {
        error: "expected an RDS snapshot identifier (letters, digits, single hyphens, starting with a letter; awsbackup:job-... or a snapshot ARN)",
    });

/** The retention periods CloudWatch Logs accepts (PutRetentionPolicy), in days. */
export const LOG_RETENTION_DAYS = [
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

/** The range AWS gives an account's default VPC, where RDS puts a database without a subnet group. */
export const DEFAULT_VPC_CIDR = "172.31.0.0/16";

export const postgresSchema = z.strictObject({
    /**
     * Engine version; its major version picks the parameter group family. A major version alone (`16`)
     * takes RDS's minor upgrades in the maintenance window; a minor version (`16.4`) pins it and turns
     * them off, since a pinned version the database has moved past would read as a downgrade, which RDS
     * refuses.
     */
    engineVersion: z
        .string()
        .regex(/^\d+(\.\d+)?$/, { error: "expected a PostgreSQL major version such as 16, or a pinned minor version such as 16.4" })
        .default("16"),
    instanceClass: z
        .string()
        .regex(/^db\.[a-z0-9]+\.[a-z0-9]+$/, { error: "expected an RDS instance class such as db.t4g.micro" })
        .default("db.t4g.micro"),
    /** GiB. */
    allocatedStorage: intRange(20, 65536).default(20),
    /** Storage autoscaling ceiling, GiB; off when absent. */
    maxAllocatedStorage: intRange(21, 65536).optional(),
    /**
     * PostgreSQL's max_connections (RDS allows 6-8388607), set in the parameter group; the connections
     * alarm fires above 80% of it. Unset: RDS's default formula over the instance class's memory,
     * LEAST(memory/9531392, 5000) (components/data/connections.ts); required for a class whose memory
     * Launchpad does not know. A change applies at the instance's next reboot (a static parameter).
     */
    maxConnections: intRange(6, 8388607).optional(),
    /** Days of automated backups (point-in-time recovery window); RDS allows 1-35. */
    backupRetentionDays: intRange(1, 35).default(7),
    /**
     * Days CloudWatch Logs keeps the database's PostgreSQL and upgrade logs (slow queries carry their
     * literal values), one of the periods CloudWatch Logs accepts: the stack then creates the two log
     * groups itself, before the instance. Unset, RDS creates them on its first export, never expiring.
     * Opt-in because a live database already has its groups: import them first (docs/backup.md).
     */
    logRetentionDays: z
        .union(LOG_RETENTION_DAYS.map((d) => z.literal(d)) as unknown as [z.ZodLiteral<number>, z.ZodLiteral<number>], {
            error: `expected one of the retention periods CloudWatch Logs accepts: ${LOG_RETENTION_DAYS.join(", ")}`,
        })
        .optional(),
    /** UTC window of the automated backup; RDS refuses one that overlaps the maintenance window. */
    backupWindow: z
        .string()
        .regex(DAILY_WINDOW, { error: "expected hh:mm-hh:mm (UTC)" })
        .refine((w) => !DAILY_WINDOW.test(w) || dailySpans(w)[0].length >= 30, { error: "expected at least 30 minutes (RDS)" })
        .default("02:00-02:30"),
    /**
     * UTC window of RDS's weekly maintenance (minor version upgrades, patches). Outside the backup window
     * and clear of the AWS Backup rules: AWS Backup starts no RDS job within an hour before or during it.
     */
    maintenanceWindow: z
        .string()
        .regex(WEEKLY_WINDOW, { error: "expected ddd:hh:mm-ddd:hh:mm (UTC), such as sun:06:00-sun:07:00" })
        .refine((w) => !WEEKLY_WINDOW.test(w) || maintenanceSpan(w).length >= 30, { error: "expected at least 30 minutes (RDS)" })
        .default("sun:06:00-sun:07:00"),
    multiAz: z.boolean().default(false),
    port: intRange(1150, 65535).default(5432),
    /** Database name; defaults to the app name with '-' replaced by '_'. */
    databaseName: z
        .string()
        .regex(/^[a-z][a-z0-9_]{0,62}$/, { error: "expected a PostgreSQL identifier (a-z, 0-9, _)" })
        .optional(),
    username: z
        .string()
        .regex(/^[a-z][a-z0-9_]{0,15}$/, { error: "expected a user name (a-z, 0-9, _; at most 16 characters)" })
        .default("app"),
    /**
     * Subnets of the DB subnet group (private subnets of the environment's VPC). Required in production:
     * without them RDS puts the instance in the account's default VPC.
     */
    subnetIds: z.array(awsId("subnet", "a subnet id", "subnet-0123abcd")).optional(),
    /** VPC security groups of the instance (`vpcSecurityGroupIds`). Required in production. */
    securityGroupIds: z.array(awsId("sg", "a security group id", "sg-0123abcd")).optional(),
    /**
     * Where the database lives: the app's pods may reach this range on the database port. Required with
     * `subnetIds` (the range of their VPC, or of the subnets); without them the database is in the
     * account's default VPC, whose range AWS makes 172.31.0.0/16 (DEFAULT_VPC_CIDR).
     */
    networkCidr: ipv4Cidr.optional(),
    /**
     * Restore: create the database from this snapshot (a release snapshot such as
     * `prod-api-release-2-4-0`, or any manual/automated one). Creates a new instance; see docs/backup.md.
     */
    restoreFromSnapshot: snapshotId.optional(),
    /**
     * The CA bundle the app verifies the database's certificate and host name with (libpq's
     * `sslmode=verify-full`): a key of a ConfigMap in the environment's namespace holding AWS's RDS CA
     * certificates, which the cluster provides (trust-manager, or a ConfigMap made from AWS's bundle).
     * Unset: `sslmode=require`, encrypted but the server's certificate not verified.
     */
    caBundle: z
        .strictObject({
            /** The ConfigMap's name. */
            configMap: dnsSubdomain,
            /** Its key holding the PEM certificates, such as `global-bundle.pem`. */
            key: z.string().regex(/^(?!\.$|\.\.)[-._a-zA-Z0-9]{1,253}$/, {
                error: "expected a ConfigMap key (A-Z, a-z, 0-9, '-', '_', '.'; not '.' nor beginning with '..')",
            }),
        })
        .optional(),
});
export type PostgresConfig = z.infer<typeof postgresSchema>;

const quantity = z.string().regex(/^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti)$/, { error: "expected a storage size such as 10Gi" });

export const volumeSchema = z.strictObject({
    /** Requested size of the PersistentVolumeClaim `<app>-data`. */
    size: quantity,
    /** Where the app's container mounts it. */
    mountPath: z.string().startsWith("/", { error: "expected an absolute path" }).default("/var/lib/app"),
    /**
     * StorageClass; the cluster's default when absent. Required in production, where it must be one that
     * encrypts its volumes at rest (on EKS, the EBS CSI driver with `encrypted: "true"`).
     */
    storageClassName: k8sName.optional(),
    /**
     * `ReadWriteOnce` volumes attach to one node: only a single pod that is stopped before its
     * replacement starts (replicas 1, direct strategy, rollout recreate) can use one safely.
     */
    accessMode: z.enum(["ReadWriteOnce", "ReadWriteMany"]).default("ReadWriteOnce"),
});
export type VolumeConfig = z.infer<typeof volumeSchema>;

/** The data an app owns. Its presence makes the app "data-owning": backed up before every rollout. */
export const appDataSchema = z.strictObject({
    /** A PostgreSQL database on RDS, its connection Secret `<app>-db` given to the app. */
    postgres: postgresSchema.optional(),
    /** A PersistentVolumeClaim `<app>-data` mounted into the app's pods; Velero backs up its contents. */
    volume: volumeSchema.optional(),
});
export type AppDataConfig = z.infer<typeof appDataSchema>;

/** The data stores an app declares, in `ANNOTATION.data` order. */
export function dataKinds(data: AppDataConfig | undefined): string[] {
    return data ? (Object.keys(data) as (keyof AppDataConfig)[]).filter((k) => data[k] !== undefined).sort() : [];
}

/** `/data/` -> `/data`: one mount point however it is written. */
const unslashed = (p: string) => p.replace(/(.)\/+$/, "$1");

interface Shape {
    environment: { name: string; tier: string };
    apps: Record<string, { data?: AppDataConfig; replicas: number; writablePaths: string[]; strategy: { type: string; rollout?: string } }>;
    backup?: BackupConfig;
}

/**
 * The database's maintenance window against its backup window (RDS refuses an overlap) and against the
 * start windows of the environment's AWS Backup rules (AWS Backup starts no RDS job within an hour
 * before or during it, so such a rule would skip that day's backup without an error).
 */
function windowProblems(
    pg: { maintenanceWindow: string; backupWindow: string },
    schedule: { daily: string; weekly: string } | undefined,
    path: (string | number)[],
    ctx: Parameters<RefineHook<Shape>>[1],
): void {
    // Malformed windows are reported where they are written.
    if (!WEEKLY_WINDOW.test(pg.maintenanceWindow) || !DAILY_WINDOW.test(pg.backupWindow)) return;
    const maintenance = maintenanceSpan(pg.maintenanceWindow);
    const clash = dailySpans(pg.backupWindow).find((s) => overlaps(s, maintenance));
    if (clash)
        ctx.addIssue({
            code: "custom",
            path: [...path, "maintenanceWindow"],
            input: pg.maintenanceWindow,
            message: `overlaps backupWindow (${pg.backupWindow} daily, ${describeSpan(clash)} that week): RDS refuses a maintenance window that overlaps the automated backup window`,
        });
    const blackout = backupBlackout(maintenance);
    for (const rule of ["daily", "weekly"] as const) {
        const cron = schedule?.[rule];
        const hit = cron ? cronStartSpans(cron, BACKUP_START_WINDOW_MINUTES)?.find((s) => overlaps(s, blackout)) : undefined;
        if (hit)
            ctx.addIssue({
                code: "custom",
                path: [...path, "maintenanceWindow"],
                input: pg.maintenanceWindow,
                message: `AWS Backup starts no RDS backup within an hour before or during the maintenance window (${describeSpan(blackout)}), and the ${rule} rule (launchpad:backup.schedule.${rule}, ${cron}) starts ${describeSpan(hit)}: that backup would not run. Move the maintenance window or the rule`,
            });
    }
}

/** Rules that span keys: called once from launchpadSchema's superRefine. */
export const refineBackup: RefineHook<Shape> = (cfg, ctx) => {
    const b = cfg.backup;
    for (const [name, app] of Object.entries(cfg.apps)) {
        if (!app.data) continue;
        if (dataKinds(app.data).length === 0)
            ctx.addIssue({
                code: "custom",
                path: ["apps", name, "data"],
                input: app.data,
                message: "expected at least one data store (postgres, volume)",
            });
        else if (!b)
            ctx.addIssue({
                code: "custom",
                path: ["backup"],
                input: undefined,
                message: `required: app '${name}' declares data, which needs the environment's backup plan`,
            });
        const vol = app.data.volume;
        if (
            vol?.accessMode === "ReadWriteOnce" &&
            (app.replicas !== 1 || app.strategy.type !== "direct" || app.strategy.rollout !== "recreate")
        )
            ctx.addIssue({
                code: "custom",
                path: ["apps", name, "data", "volume", "accessMode"],
                input: vol.accessMode,
                message:
                    "a ReadWriteOnce volume attaches to one node: use it with replicas: 1 and strategy direct with rollout: recreate, or set ReadWriteMany (a StorageClass that supports it)",
            });
        if (vol && vol.storageClassName === undefined && cfg.environment.tier === "production")
            ctx.addIssue({
                code: "custom",
                path: ["apps", name, "data", "volume", "storageClassName"],
                input: undefined,
                message:
                    "required in production: a StorageClass that encrypts its volumes at rest (the cluster's default may not, and Launchpad cannot read a class's parameters)",
            });
        if (vol && app.writablePaths.some((p) => unslashed(p) === unslashed(vol.mountPath)))
            ctx.addIssue({
                code: "custom",
                path: ["apps", name, "data", "volume", "mountPath"],
                input: vol.mountPath,
                message: `expected a path not in writablePaths (${app.writablePaths.join(", ")}), which are emptyDirs`,
            });
        const pg = app.data.postgres;
        if (pg?.caBundle) {
            // Kubernetes refuses two mounts at one path; the CA bundle's directory is Launchpad's.
            const taken = [...app.writablePaths, ...(vol ? [vol.mountPath] : [])].find((p) => unslashed(p) === DATABASE_CA_DIR);
            if (taken !== undefined)
                ctx.addIssue({
                    code: "custom",
                    path: ["apps", name, "data", "postgres", "caBundle"],
                    input: pg.caBundle,
                    message: `the CA bundle is mounted at ${DATABASE_CA_DIR}, which writablePaths or data.volume.mountPath also name: choose another path there`,
                });
        }
        if (pg && typeof cfg.environment.name === "string") {
            const identifier = instanceIdentifier(cfg.environment.name, name, pg.restoreFromSnapshot);
            if (!RDS_IDENTIFIER.test(identifier))
                ctx.addIssue({
                    code: "custom",
                    path: ["apps", name, "data", "postgres"],
                    input: identifier,
                    message: `the RDS instance identifier <environment>-<app>${pg.restoreFromSnapshot ? "-restored-<hash>" : ""} must have at most 63 characters and no '--' (RDS refuses it): shorten the environment or app name`,
                });
        }
        if (pg?.subnetIds && pg.subnetIds.length > 0 && pg.networkCidr === undefined)
            ctx.addIssue({
                code: "custom",
                path: ["apps", name, "data", "postgres", "networkCidr"],
                input: pg.networkCidr,
                message: `required with subnetIds: the address range of their VPC (or of the subnets themselves), which ${name}'s pods may reach on the database port`,
            });
        if (pg && cfg.environment.tier === "production") {
            for (const key of ["subnetIds", "securityGroupIds"] as const) {
                if (!pg[key] || pg[key].length === 0)
                    ctx.addIssue({
                        code: "custom",
                        path: ["apps", name, "data", "postgres", key],
                        input: pg[key],
                        message: `required in production: ${key === "subnetIds" ? "the private subnets of the DB subnet group" : "the instance's VPC security groups"} (without them RDS uses the account's default VPC)`,
                    });
            }
        }
        if (pg) windowProblems(pg, b?.schedule, ["apps", name, "data", "postgres"], ctx);
        if (pg && pg.maxConnections === undefined && defaultMaxConnections(pg.instanceClass) === undefined)
            ctx.addIssue({
                code: "custom",
                path: ["apps", name, "data", "postgres", "maxConnections"],
                input: pg.maxConnections,
                message: `required with instanceClass ${pg.instanceClass}, whose memory Launchpad does not know (it knows the sizes of db.${KNOWN_FAMILIES.join(", db.")}): the connections alarm fires above 80% of it`,
            });
        if (pg?.maxAllocatedStorage !== undefined && pg.maxAllocatedStorage <= pg.allocatedStorage)
            ctx.addIssue({
                code: "custom",
                path: ["apps", name, "data", "postgres", "maxAllocatedStorage"],
                input: pg.maxAllocatedStorage,
                message: `expected more than allocatedStorage (${pg.allocatedStorage})`,
            });
    }
    if (!b) return;
    const limit = ENVIRONMENT_NAME_LIMIT;
    if (typeof cfg.environment.name === "string" && cfg.environment.name.length > limit.length)
        ctx.addIssue({
            code: "custom",
            path: ["environment", "name"],
            input: cfg.environment.name,
            message: `expected at most ${limit.length} characters with launchpad:backup: AWS allows at most ${limit.max} in ${limit.name}, which is named after it`,
        });
    if (cfg.environment.tier === "production" && !b.lock)
        ctx.addIssue({
            code: "custom",
            path: ["backup", "lock"],
            input: undefined,
            message: "required in production: a vault lock (mode governance|compliance, minRetentionDays, maxRetentionDays)",
        });
    if (b.lock) {
        const { minRetentionDays: min, maxRetentionDays: max } = b.lock;
        if (min > max)
            ctx.addIssue({
                code: "custom",
                path: ["backup", "lock", "minRetentionDays"],
                input: min,
                message: `expected at most maxRetentionDays (${max})`,
            });
        for (const rule of ["dailyDays", "weeklyDays"] as const) {
            const days = b.retention[rule];
            if (days < min || days > max)
                ctx.addIssue({
                    code: "custom",
                    path: ["backup", "retention", rule],
                    input: days,
                    message: `expected ${min}-${max}: the vault lock refuses recovery points kept outside its retention range`,
                });
        }
    }
    const e = b.exports;
    if (e.glacierAfterDays <= e.infrequentAccessAfterDays)
        ctx.addIssue({
            code: "custom",
            path: ["backup", "exports", "glacierAfterDays"],
            input: e.glacierAfterDays,
            message: `expected more than infrequentAccessAfterDays (${e.infrequentAccessAfterDays})`,
        });
    if (e.expireAfterDays <= e.glacierAfterDays)
        ctx.addIssue({
            code: "custom",
            path: ["backup", "exports", "expireAfterDays"],
            input: e.expireAfterDays,
            message: `expected more than glacierAfterDays (${e.glacierAfterDays})`,
        });
};
