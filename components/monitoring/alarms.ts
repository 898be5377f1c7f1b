// CloudWatch alarms for an environment's databases and the EventBridge pattern for failed backups, as
// plain data. Each alarm states how many datapoints out of how many periods must breach (M of N) and how
// a missing datapoint counts, chosen per metric (see docs/monitoring.md).

export type TreatMissingData = "breaching" | "notBreaching" | "ignore" | "missing";

export interface AlarmSpec {
    /** Suffix of the alarm's name: `<env>-<app>-db-<suffix>`. */
    readonly suffix: string;
    readonly metricName: string;
    readonly namespace: "AWS/RDS";
    readonly statistic: "Average" | "Minimum" | "Maximum";
    readonly comparisonOperator: "GreaterThanThreshold" | "LessThanThreshold";
    readonly threshold: number;
    /** Seconds per datapoint. */
    readonly period: number;
    /** N: datapoints looked at. */
    readonly evaluationPeriods: number;
    /** M: datapoints that must breach. */
    readonly datapointsToAlarm: number;
    readonly treatMissingData: TreatMissingData;
    readonly description: string;
}

/** What monitoring needs to know about one RDS instance (created by the backup/data component). */
export interface DatabaseAlarmArgs {
    /**
     * Allocated storage in GiB; the free-storage alarm fires under 10% of it, or under 5% with storage
     * autoscaling, which RDS starts at 10% free (so the alarm says autoscaling did not keep up: its
     * six-hour cooldown, or the ceiling reached). @default 2 GiB absolute threshold
     */
    readonly allocatedStorageGiB?: number;
    /** Storage autoscaling is on (`maxAllocatedStorage` set). @default false */
    readonly storageAutoscaling?: boolean;
    /** `max_connections` of the instance (components/data/connections.ts); the alarm fires above 80% of it. */
    readonly maxConnections: number;
    /**
     * A burstable class (db.t3, db.t4g, components/data/connections.ts): adds the cpu-credits alarm, since
     * the CPU alarm's 80% is far above such a class's baseline (10% to 40% of its vCPUs). @default false
     */
    readonly burstable?: boolean;
}

const GiB = 1024 ** 3;

/** The alarms of one primary instance. */
export function databaseAlarms(db: DatabaseAlarmArgs): AlarmSpec[] {
    const { maxConnections } = db;
    const share = db.storageAutoscaling ? 0.05 : 0.1;
    const freeStorage = db.allocatedStorageGiB !== undefined ? Math.round(db.allocatedStorageGiB * GiB * share) : 2 * GiB;
    return [
        {
            suffix: "cpu",
            metricName: "CPUUtilization",
            namespace: "AWS/RDS",
            statistic: "Average",
            comparisonOperator: "GreaterThanThreshold",
            threshold: 80,
            period: 60,
            evaluationPeriods: 5,
            datapointsToAlarm: 3,
            // A gap (maintenance, failover) says nothing about load: keep the current state.
            treatMissingData: "ignore",
            description: "Average CPU above 80% in 3 of the last 5 minutes",
        },
        {
            suffix: "free-storage",
            metricName: "FreeStorageSpace",
            namespace: "AWS/RDS",
            statistic: "Minimum",
            comparisonOperator: "LessThanThreshold",
            threshold: freeStorage,
            period: 300,
            evaluationPeriods: 3,
            datapointsToAlarm: 2,
            // A running instance always reports free storage; silence means it is down or unreachable.
            treatMissingData: "breaching",
            description: `Free storage under ${(freeStorage / GiB).toFixed(1)} GiB in 2 of the last 3 five-minute periods`,
        },
        {
            suffix: "connections",
            metricName: "DatabaseConnections",
            namespace: "AWS/RDS",
            statistic: "Maximum",
            comparisonOperator: "GreaterThanThreshold",
            threshold: Math.floor(maxConnections * 0.8),
            period: 60,
            evaluationPeriods: 5,
            datapointsToAlarm: 3,
            // No datapoint means no connections were counted, which is not an excess.
            treatMissingData: "notBreaching",
            description: `More than 80% of max_connections (${maxConnections}) in 3 of the last 5 minutes`,
        },
        ...(db.burstable ? [cpuCreditsAlarm()] : []),
    ];
}

/**
 * Burstable classes run in Unlimited mode on RDS: once the credit balance is spent the instance borrows
 * surplus credits, and surplus beyond what it can earn back in 24 hours is charged. Charges say the
 * load has stayed above the class's baseline: a larger or a fixed-performance class is due. CPU credit
 * metrics come every five minutes.
 */
function cpuCreditsAlarm(): AlarmSpec {
    return {
        suffix: "cpu-credits",
        metricName: "CPUSurplusCreditsCharged",
        namespace: "AWS/RDS",
        statistic: "Maximum",
        comparisonOperator: "GreaterThanThreshold",
        threshold: 0,
        period: 300,
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
        // No datapoint means nothing was charged.
        treatMissingData: "notBreaching",
        description:
            "Surplus CPU credits charged in 2 of the last 3 five-minute periods: sustained load above the burstable class's baseline",
    };
}

/** The alarm of one read replica: it reports ReplicaLag itself. */
export function replicaLagAlarm(): AlarmSpec {
    return {
        suffix: "replica-lag",
        metricName: "ReplicaLag",
        namespace: "AWS/RDS",
        statistic: "Maximum",
        comparisonOperator: "GreaterThanThreshold",
        threshold: 60,
        period: 60,
        evaluationPeriods: 10,
        datapointsToAlarm: 5,
        // A replica that stops reporting lag has stopped replicating as far as anyone can tell.
        treatMissingData: "breaching",
        description: "Replica more than 60 s behind its primary in 5 of the last 10 minutes",
    };
}

/** EventBridge pattern: AWS Backup jobs that did not complete. */
export function backupFailurePattern() {
    return {
        source: ["aws.backup"],
        "detail-type": ["Backup Job State Change", "Copy Job State Change", "Restore Job State Change"],
        detail: { state: ["FAILED", "ABORTED", "EXPIRED"] },
    };
}

/** A readable SNS message for a failed backup job (EventBridge input transformer). */
export function backupFailureMessage(environment: string) {
    return {
        inputPaths: {
            type: "$.detail-type",
            state: "$.detail.state",
            resource: "$.detail.resourceArn",
            message: "$.detail.statusMessage",
            time: "$.time",
        },
        inputTemplate: `"[${environment}] AWS Backup: <type> <state> at <time> for <resource>: <message>. Runbook: docs/monitoring.md#backupjobfailed"`,
    };
}
