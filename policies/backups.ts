// Release gates on data: a data-owning workload rolls out only after a backup of its data for this
// release (backup-before-deploy), and every stateful resource is covered by a backup plan that keeps
// copies long enough (backup-coverage). Written against the backups contract (docs/release-checklist.md):
// Deployments carry ANNOTATION.data and dependsOn the release backup (Velero Backup and/or RDS snapshot);
// AWS stores are tagged `launchpad:backup=<plan>` and selected by that plan.
import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { ANNOTATION, LABEL, recordedVersions } from "./shared/labels";
import { TAG } from "./shared/tags";
import {
    DAY,
    TYPE,
    WORKLOAD_KINDS,
    containersOf,
    describe,
    durationHours,
    known,
    podSpec,
    releaseRecord,
    transitiveDependencies,
    workloadTypes,
    Props,
    describeVm,
    vmDeploys,
} from "./common";

const BACKUP_TYPES: string[] = [TYPE.VeleroBackup, TYPE.RdsSnapshot, TYPE.RdsClusterSnapshot];

/** The data a workload declares (`launchpad.dev/data: postgres,volume`). */
export function declaredData(w: PolicyResource): string[] {
    const v = w.props.metadata?.annotations?.[ANNOTATION.data];
    return typeof v === "string"
        ? v
              .split(",")
              .map((s) => s.trim())
              .filter((s) => s !== "")
        : [];
}

/** Signs that a workload owns data: it mounts a PersistentVolumeClaim or takes a database Secret (`<app>-db`). */
export function dataSigns(w: PolicyResource): string[] {
    const spec = podSpec(w.type, w.props);
    const signs: string[] = [];
    for (const v of (spec?.volumes ?? []) as Props[])
        if (v.persistentVolumeClaim) signs.push(`mounts PersistentVolumeClaim '${v.persistentVolumeClaim.claimName}'`);
    if (w.type === TYPE.StatefulSet && (w.props.spec?.volumeClaimTemplates ?? []).length > 0) signs.push("has volumeClaimTemplates");
    for (const { container } of containersOf(spec)) {
        for (const e of (container.envFrom ?? []) as Props[])
            if (typeof e.secretRef?.name === "string" && /-db$/.test(e.secretRef.name))
                signs.push(`takes database Secret '${e.secretRef.name}'`);
        for (const e of (container.env ?? []) as Props[]) {
            const name = e.valueFrom?.secretKeyRef?.name;
            if (typeof name === "string" && /-db$/.test(name)) signs.push(`takes database Secret '${name}'`);
        }
    }
    return [...new Set(signs)];
}

/**
 * Does a backup resource belong to this release: its release annotation/label/tag says so, or, without
 * one, its name carries the version? The marks come first: a release backup's name ends in a suffix drawn at `up`, so
 * during a preview that creates it the name is unknown (read through `known`, never thrown).
 */
export function isForRelease(b: PolicyResource, version: string): boolean {
    const v = version.replace(/^v/, "");
    const forms = [v, v.replace(/\./g, "-")];
    const meta = b.props.metadata ?? {};
    const marks = [meta.annotations?.[ANNOTATION.release], meta.labels?.[ANNOTATION.release], b.props.tags?.[TAG.release]].filter(
        (m): m is string => typeof m === "string",
    );
    // A backup that says which release it is for is taken at its word: its name may carry app versions
    // that look like another release's.
    if (marks.length > 0) return marks.some((m) => m.replace(/^v/, "") === v);
    const names = [
        b.name,
        known(() => meta.name),
        known(() => b.props.dbSnapshotIdentifier),
        known(() => b.props.dbClusterSnapshotIdentifier),
    ];
    return names.some((n) => typeof n === "string" && forms.some((f) => n.includes(f)));
}

/** `describe`, for a backup whose physical name may be unknown during preview: its logical name then. */
function describeBackup(b: PolicyResource): string {
    const name = known(() => b.props.metadata?.name);
    return typeof name === "string" ? describe(b) : `${b.type.split(":").pop()} ${b.name}`;
}

/**
 * The versions a release backup says it was taken before (annotation `launchpad.dev/versions` of a
 * Velero Backup, tag `launchpad:versions` of a snapshot); undefined when it records none.
 */
export function versionsBefore(b: PolicyResource): string[] | undefined {
    const meta = b.props.metadata ?? {};
    const record = meta.annotations?.[ANNOTATION.versions] ?? b.props.tags?.[TAG.versions];
    return typeof record === "string" ? recordedVersions(record) : undefined;
}

export interface BackupBeforeDeployConfig {
    kinds: string[];
}

export const backupBeforeDeploy: StackValidationPolicy = {
    name: "backup-before-deploy",
    description:
        "Every workload that owns data declares it (annotation launchpad.dev/data) and its rollout depends on a backup of that data taken for this release and before the version it runs (Velero Backup or RDS snapshot recording it); VM app deploys wait for every backup taken for the release.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            kinds: {
                type: "array",
                items: { type: "string", enum: ["Deployment", "Rollout", "StatefulSet", "DaemonSet"] },
                default: [...WORKLOAD_KINDS],
                description: "Workload kinds checked.",
            },
        },
    },
    validateStack: (args, report) => {
        const cfg = args.getConfig<BackupBeforeDeployConfig>();
        const workloads = args.resources.filter((r) => workloadTypes(cfg.kinds).includes(r.type));
        const owning = workloads.filter((w) => declaredData(w).length > 0);
        for (const w of workloads) {
            const signs = dataSigns(w);
            if (signs.length > 0 && declaredData(w).length === 0)
                report(
                    `${describe(w)} ${signs.join(" and ")} but does not declare the data it owns: give the app's backup settings so that its Deployments carry the annotation ${ANNOTATION.data} (e.g. postgres) and wait for the release backup.`,
                    w.urn,
                );
        }
        const vms = vmDeploys(args.resources);
        if (owning.length === 0 && vms.length === 0) args.notApplicable("no workload declares data");
        const release = releaseRecord(args.resources);
        if (!release.found) {
            report(`${release.error}; backup-before-deploy needs the release version to find the release backup.`);
            return;
        }
        const version = release.facts.version;
        // A VM release may touch any of the stack's data: its Ansible run waits for every release backup.
        const releaseBackups = args.resources.filter((r) => BACKUP_TYPES.includes(r.type) && isForRelease(r, version));
        for (const vm of vms) {
            const waits = new Set(transitiveDependencies(vm.resource, args.resources).map((d) => d.urn));
            const missing = releaseBackups.filter((b) => !waits.has(b.urn));
            if (missing.length > 0)
                report(
                    `${describeVm(vm)} does not wait for ${missing.map((b) => describeBackup(b)).join(", ")}, taken for release ${version}: the Ansible run must depend on the release's backups (VmApp's after), so that no host changes before they exist.`,
                    vm.resource.urn,
                );
            // A new archive under the same release needs backups taken before it, as a new version of a workload does.
            const installs = vm.vars.launchpad_release_version;
            const stale = releaseBackups.filter(
                (b) => waits.has(b.urn) && typeof installs === "string" && !(versionsBefore(b) ?? [installs]).includes(installs),
            );
            if (stale.length > 0)
                report(
                    `${describeVm(vm)} installs version ${installs}, but ${stale.map((b) => `${describeBackup(b)} (${versionsBefore(b)!.join(", ")})`).join(", ")} ${stale.length === 1 ? "was" : "were"} taken before other versions: a VM release may touch any of the stack's data, so the release backups must record it (as AppBackup does through vmPodReleases) and be taken anew for it.`,
                    vm.resource.urn,
                );
        }
        for (const w of owning) {
            const backups = transitiveDependencies(w, args.resources).filter((d) => BACKUP_TYPES.includes(d.type));
            const forRelease = backups.filter((b) => isForRelease(b, version));
            const data = declaredData(w).join(", ");
            // The code the workload runs: a new version of a data owner needs a backup taken before it too.
            const runs = w.props.metadata?.labels?.[LABEL.version] ?? w.props.spec?.template?.metadata?.labels?.[LABEL.version];
            if (backups.length === 0) {
                report(
                    `${describe(w)} owns data (${data}) but does not depend on any backup: its rollout must wait for the release backup (a Velero Backup or RDS snapshot named after release ${version}) through the deployment's beforeRollout dependencies.`,
                    w.urn,
                );
            } else if (forRelease.length === 0) {
                report(
                    `${describe(w)} owns data (${data}) and depends on ${backups.map((b) => describeBackup(b)).join(", ")}, none of which is for release ${version}: record the release in the pre-deploy backup (annotation ${ANNOTATION.release} of a Velero Backup, tag ${TAG.release} of a snapshot), as AppBackup does.`,
                    w.urn,
                );
            } else if (typeof runs === "string" && !forRelease.some((b) => versionsBefore(b)?.includes(runs))) {
                const recorded = forRelease
                    .map((b) => `${describeBackup(b)} (${versionsBefore(b)?.join(", ") || "no versions recorded"})`)
                    .join(", ");
                report(
                    `${describe(w)} owns data (${data}) and runs version ${runs}, but its release backups were taken before other versions: ${recorded}. A new version of a data-owning app needs a backup of its own before it rolls out: record the versions the app runs in the backup (annotation ${ANNOTATION.versions} of a Velero Backup, tag ${TAG.versions} of a snapshot) and name it after them, as AppBackup does.`,
                    w.urn,
                );
            }
        }
    },
};

export interface BackupCoverageConfig {
    minRetentionDays: number;
    minPointInTimeDays: number;
}

const STATEFUL_AWS: string[] = [TYPE.RdsInstance, TYPE.RdsCluster, TYPE.EbsVolume, TYPE.DynamoTable, TYPE.EfsFileSystem];

/** Longest retention (days) of an AWS Backup plan's rules; Infinity when a rule never expires copies. */
export function planRetentionDays(plan: PolicyResource): number {
    const rules = (plan.props.rules ?? []) as Props[];
    if (rules.length === 0) return 0;
    return Math.max(...rules.map((r) => (r.lifecycle?.deleteAfter === undefined ? Infinity : Number(r.lifecycle.deleteAfter))));
}

/** The tag values an AWS Backup selection selects on `launchpad:backup`. */
function selectedPlans(sel: PolicyResource): string[] {
    const tags = [
        ...((sel.props.selectionTags ?? []) as Props[]),
        ...((sel.props.conditions ?? []).flatMap?.((c: Props) => c.stringEquals ?? []) ?? []),
    ];
    return tags.filter((t) => t.key === TAG.backup || t.key === `aws:ResourceTag/${TAG.backup}`).map((t) => String(t.value));
}

export const backupCoverage: StackValidationPolicy = {
    name: "backup-coverage",
    description:
        "Every stateful resource (RDS instance or cluster, EBS volume, DynamoDB table, EFS file system, PersistentVolumeClaim) is covered by a backup plan whose retention meets the minimum.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            minRetentionDays: {
                type: "number",
                minimum: 1,
                default: 30,
                description: "Shortest acceptable retention of backup copies, in days.",
            },
            minPointInTimeDays: {
                type: "integer",
                minimum: 0,
                default: 1,
                description: "Shortest acceptable automated-backup retention (point-in-time recovery window) of an RDS database, in days.",
            },
        },
    },
    validateStack: (args, report) => {
        const cfg = args.getConfig<BackupCoverageConfig>();
        const stores = args.resources.filter((r) => STATEFUL_AWS.includes(r.type));
        const pvcs = args.resources.filter((r) => r.type === TYPE.PersistentVolumeClaim);
        const claimTemplates = args.resources.filter(
            (r) => r.type === TYPE.StatefulSet && (r.props.spec?.volumeClaimTemplates ?? []).length > 0,
        );
        if (stores.length + pvcs.length + claimTemplates.length === 0) args.notApplicable("no stateful resources");

        const plans = new Map<string, PolicyResource>();
        for (const p of args.resources.filter((r) => r.type === TYPE.BackupPlan)) plans.set(String(p.props.name ?? p.name), p);
        const selected = new Set(args.resources.filter((r) => r.type === TYPE.BackupSelection).flatMap(selectedPlans));
        for (const s of stores) {
            // The plan's daily copies cannot undo a bad migration at 14:05; only point-in-time recovery can.
            const pitr = s.props.backupRetentionPeriod;
            if (
                (s.type === TYPE.RdsInstance || s.type === TYPE.RdsCluster) &&
                !s.props.replicateSourceDb &&
                (pitr ?? 0) < cfg.minPointInTimeDays
            )
                report(
                    `${describe(s)} keeps automated backups ${pitr ?? 0} days (backupRetentionPeriod), so point-in-time recovery reaches back less than the ${cfg.minPointInTimeDays} days this stack requires: raise launchpad:apps.<app>.data.postgres.backupRetentionDays.`,
                    s.urn,
                );
            const plan = s.props.tags?.[TAG.backup];
            if (typeof plan !== "string" || plan === "") {
                report(
                    `${describe(s)} is stateful but has no '${TAG.backup}' tag: tag it with the environment's AWS Backup plan name (awsTags(env, { [TAG.backup]: <plan> })).`,
                    s.urn,
                );
                continue;
            }
            const p = plans.get(plan);
            if (!p) {
                report(
                    `${describe(s)} is tagged ${TAG.backup}=${plan} but the stack has no aws:backup/plan:Plan named '${plan}': create the plan or fix the tag.`,
                    s.urn,
                );
                continue;
            }
            if (!selected.has(plan)) {
                report(
                    `${describe(s)} is tagged ${TAG.backup}=${plan} but no aws:backup/selection:Selection selects that tag: add a selection with selectionTags [{type: STRINGEQUALS, key: ${TAG.backup}, value: ${plan}}].`,
                    s.urn,
                );
                continue;
            }
            const days = planRetentionDays(p);
            if (days < cfg.minRetentionDays)
                report(
                    `${describe(s)} is backed up by plan '${plan}', which keeps copies ${days} days; this stack requires at least ${cfg.minRetentionDays}: raise the rules' lifecycle.deleteAfter.`,
                    s.urn,
                );
        }

        // Volumes: a Velero Schedule covering the namespace with a long enough ttl.
        const schedules = args.resources.filter((r) => r.type === TYPE.VeleroSchedule);
        const covering = (ns: string | undefined) =>
            schedules.filter((s) => {
                const t = s.props.spec?.template ?? {};
                const included: string[] = t.includedNamespaces ?? ["*"];
                const excluded: string[] = t.excludedNamespaces ?? [];
                return (
                    (included.includes("*") || (ns !== undefined && included.includes(ns))) &&
                    !(ns !== undefined && excluded.includes(ns)) &&
                    t.snapshotVolumes !== false
                );
            });
        for (const v of [...pvcs, ...claimTemplates]) {
            const ns = v.props.metadata?.namespace;
            const cover = covering(ns);
            if (cover.length === 0) {
                report(
                    `${describe(v)} holds data but no Velero Schedule backs up namespace '${ns}': add a velero.io/v1 Schedule whose template includes the namespace and snapshots volumes.`,
                    v.urn,
                );
                continue;
            }
            const hours = Math.max(...cover.map((s) => durationHours(s.props.spec?.template?.ttl ?? "720h") ?? 0));
            if (hours * 3600_000 < cfg.minRetentionDays * DAY)
                report(
                    `${describe(v)} is backed up by a Velero Schedule whose ttl keeps copies ${(hours / 24).toFixed(1)} days; this stack requires at least ${cfg.minRetentionDays}: raise spec.template.ttl (e.g. ${cfg.minRetentionDays * 24}h).`,
                    v.urn,
                );
        }
    },
};

export const backupPolicies = [backupBeforeDeploy, backupCoverage];
