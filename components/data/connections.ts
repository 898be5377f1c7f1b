// PostgreSQL's max_connections on RDS. RDS's default is LEAST(DBInstanceClassMemory/9531392, 5000), a
// value the program cannot read; Launchpad sets the parameter itself, to the same formula over the
// instance class's memory (or to `maxConnections` from the config), so that the connections alarm
// compares with the limit the database really has.

/** GiB of memory per vCPU of the RDS instance families whose memory is proportional to their size. */
const GIB_PER_VCPU: Readonly<Record<string, number>> = {
    // General purpose.
    m5: 4,
    m5d: 4,
    m6g: 4,
    m6gd: 4,
    m6i: 4,
    m6id: 4,
    m6idn: 4,
    m6in: 4,
    m7g: 4,
    m7i: 4,
    m8g: 4,
    m8gd: 4,
    // Memory optimised.
    r5: 8,
    r5b: 8,
    r5d: 8,
    r6g: 8,
    r6gd: 8,
    r6i: 8,
    r6id: 8,
    r6idn: 8,
    r6in: 8,
    r7g: 8,
    r7i: 8,
    r8g: 8,
    r8gd: 8,
    z1d: 8,
    x2g: 16,
    x2idn: 16,
    x2iedn: 32,
    x2iezn: 32,
};

/** GiB of memory of the burstable classes (db.t3, db.t4g) by size. */
const BURSTABLE_GIB: Readonly<Record<string, number>> = { micro: 1, small: 2, medium: 4, large: 8, xlarge: 16, "2xlarge": 32 };
const BURSTABLE = new Set(["t3", "t4g"]);

/**
 * A burstable class (db.t3, db.t4g): its CPU is a baseline plus credits, and RDS runs it in Unlimited mode,
 * so sustained load above the baseline is not throttled but charged (the cpu-credits alarm).
 */
export function isBurstable(instanceClass: string): boolean {
    return BURSTABLE.has(instanceClass.split(".")[1] ?? "");
}

/** The families whose memory this module knows, for error messages. */
export const KNOWN_FAMILIES: readonly string[] = [...BURSTABLE, ...Object.keys(GIB_PER_VCPU)];

/** vCPUs of a size: large 2, xlarge 4, <n>xlarge 4n; undefined for metal and other sizes. */
function vcpus(size: string): number | undefined {
    if (size === "large") return 2;
    const m = /^(\d*)xlarge$/.exec(size);
    return m ? 4 * (m[1] === "" ? 1 : Number(m[1])) : undefined;
}

/** The memory of an RDS instance class such as `db.m7g.large` in GiB, or undefined when it is not known here. */
export function instanceClassMemoryGiB(instanceClass: string): number | undefined {
    const [, family, size] = instanceClass.split(".");
    if (family === undefined || size === undefined) return undefined;
    if (BURSTABLE.has(family)) return BURSTABLE_GIB[size];
    const perVcpu = GIB_PER_VCPU[family];
    const n = vcpus(size);
    return perVcpu !== undefined && n !== undefined ? perVcpu * n : undefined;
}

/**
 * RDS's default max_connections for PostgreSQL, LEAST(DBInstanceClassMemory/9531392, 5000), over the class's
 * memory counted as AWS's own worked example counts it (GiB figure × 10^9 bytes, which stays under the
 * nominal memory as DBInstanceClassMemory does); undefined for a class whose memory is not known here.
 */
export function defaultMaxConnections(instanceClass: string): number | undefined {
    const gib = instanceClassMemoryGiB(instanceClass);
    return gib === undefined ? undefined : Math.min(Math.floor((gib * 1e9) / 9531392), 5000);
}

/** The max_connections a database gets: `maxConnections` from its config, else RDS's default for its class. */
export function maxConnections(pg: { instanceClass: string; maxConnections?: number }): number {
    const n = pg.maxConnections ?? defaultMaxConnections(pg.instanceClass);
    // The config schema refuses a class without a known default unless maxConnections is set.
    if (n === undefined) throw new Error(`max_connections of ${pg.instanceClass} is unknown: set maxConnections`);
    return n;
}
