// When an RDS database is busy with something else: its weekly maintenance window, its daily automated
// backup window, and the AWS Backup rules that snapshot it. Two rules AWS enforces and the stack checks
// before anything is created:
// - RDS refuses a maintenance window that overlaps the backup window (CreateDBInstance/ModifyDBInstance:
//   "must not conflict with the preferred backup window");
// - AWS Backup does not start an RDS backup job within an hour before or during the maintenance window
//   (AWS Backup developer guide, backup plan options): a rule whose whole start window falls there never
//   runs on that day, and nothing fails loudly.
// Times are minutes of the week (UTC), Sunday 00:00 = 0.

const WEEK = 7 * 24 * 60;
const DAY = 24 * 60;
const DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] as const;

/** A span of the week: `start` in [0, WEEK), `length` in minutes (a span may wrap past Saturday night). */
export interface Span {
    start: number;
    length: number;
}

const hhmm = (s: string): number => Number(s.slice(0, 2)) * 60 + Number(s.slice(3, 5));

/** `sun:04:00-sun:05:00` -> the span; RDS's `ddd:hh24:mi-ddd:hh24:mi`. */
export function maintenanceSpan(window: string): Span {
    const [from, to] = window.split("-");
    const at = (p: string) => DAYS.indexOf(p.slice(0, 3) as (typeof DAYS)[number]) * DAY + hhmm(p.slice(4));
    const start = at(from);
    return { start, length: (at(to) - start + WEEK) % WEEK };
}

/** `02:00-02:30` -> one span per day of the week; RDS's `hh24:mi-hh24:mi`. */
export function dailySpans(window: string): Span[] {
    const [from, to] = window.split("-");
    const length = (hhmm(to) - hhmm(from) + DAY) % DAY;
    return DAYS.map((_, d) => ({ start: d * DAY + hhmm(from), length }));
}

/** AWS cron day-of-week: `?`/`*`, names (SUN), numbers (1 = Sunday), lists and ranges of them. */
function cronDays(field: string): number[] | undefined {
    if (field === "?" || field === "*") return [0, 1, 2, 3, 4, 5, 6];
    const day = (t: string): number | undefined => {
        const n = DAYS.indexOf(t.toLowerCase() as (typeof DAYS)[number]);
        if (n >= 0) return n;
        return /^[1-7]$/.test(t) ? Number(t) - 1 : undefined;
    };
    const out = new Set<number>();
    for (const part of field.split(",")) {
        const [a, b] = part.split("-").map(day);
        if (a === undefined || (part.includes("-") && b === undefined)) return undefined;
        for (let d = a; ; d = (d + 1) % 7) {
            out.add(d);
            if (b === undefined || d === b) break;
        }
    }
    return [...out].sort();
}

/**
 * The start windows of an AWS Backup rule (`cron(<min> <hour> <dom> <month> <dow> <year>)`, UTC): one
 * span of `startWindowMinutes` from each time it fires in a week. Undefined when the expression is not
 * one fixed time on whole days of the week (a day of the month, a step, a range of hours): the check
 * then says nothing rather than guess.
 */
export function cronStartSpans(cron: string, startWindowMinutes: number): Span[] | undefined {
    const fields = /^cron\((.*)\)$/.exec(cron)?.[1].split(" ");
    if (!fields || fields.length !== 6) return undefined;
    const [min, hour, dom, month, dow] = fields;
    if (!/^\d{1,2}$/.test(min) || !/^\d{1,2}$/.test(hour) || month !== "*" || !(dom === "?" || dom === "*")) return undefined;
    const days = cronDays(dow);
    return days?.map((d) => ({ start: d * DAY + Number(hour) * 60 + Number(min), length: startWindowMinutes }));
}

/** Whether two spans of the week share a minute (a span may wrap past the end of the week). */
export function overlaps(a: Span, b: Span): boolean {
    const d = (b.start - a.start + WEEK) % WEEK;
    return d < a.length || (WEEK - d) % WEEK < b.length;
}

/** `Sunday 04:00-05:00` for messages. */
export function describeSpan(s: Span): string {
    const t = (m: number) => `${String(Math.floor((m % DAY) / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;
    const day = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"][Math.floor(s.start / DAY)];
    return `${day} ${t(s.start)}-${t((s.start + s.length) % WEEK)}`;
}

/** What AWS Backup will not start an RDS job in: the hour before the maintenance window, and the window. */
export function backupBlackout(maintenance: Span): Span {
    return { start: (maintenance.start - 60 + WEEK) % WEEK, length: maintenance.length + 60 };
}
