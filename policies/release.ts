// Release gates on people: the launch was announced early enough and falls outside every freeze
// window (announced); the release has notes naming the changes, the rollback steps and any data
// migration, and the announcement and notices link to them (documented). Both read the release
// record (ConfigMap launchpad-release, components/release).
import * as fs from "node:fs";
import * as path from "node:path";
import type { StackValidationPolicy } from "@pulumi/policy";
import { notesPath } from "./shared/releaseFacts";
import { HOUR, Props, UNKNOWN_VALUE, describe, known, releaseRecord } from "./common";
import { REPO_ROOT } from "./evidence";

export interface FreezeWindow {
    name: string;
    start: string;
    end: string;
}

export interface AnnouncedConfig {
    minLeadTimeHours: number;
    freezeWindows: FreezeWindow[];
}

export const announced: StackValidationPolicy = {
    name: "announced",
    description:
        "The release was announced on a channel at least the configured lead time before launch, and the launch is outside every freeze window.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            minLeadTimeHours: {
                type: "number",
                minimum: 0,
                default: 48,
                description: "Smallest time between announcedAt and launchAt, in hours.",
            },
            freezeWindows: {
                type: "array",
                default: [],
                description: "Periods in which nothing launches: [{name, start, end}] as ISO 8601 date-times, end exclusive.",
                items: {
                    type: "object",
                    required: ["name", "start", "end"],
                    additionalProperties: false,
                    properties: {
                        name: { type: "string" },
                        start: { type: "string", format: "date-time" },
                        end: { type: "string", format: "date-time" },
                    },
                },
            },
        },
    },
    validateStack: (args, report) => {
        const cfg = args.getConfig<AnnouncedConfig>();
        const r = releaseRecord(args.resources);
        if (!r.found) {
            report(`${r.error}.`, r.resource?.urn);
            return;
        }
        const f = r.facts;
        const at = r.resource.urn;
        const key = (k: string) => `launchpad:release.${k}`;
        if (!f.announcedAt || !f.channel) {
            report(
                `release ${f.version} has no announcement: announce it, then set ${key("announcedAt")} (when) and ${key("channel")} (where).`,
                at,
            );
        }
        if (!f.launchAt) {
            report(
                `release ${f.version} has no launch time: set ${key("launchAt")} so that the lead time and freeze windows can be checked.`,
                at,
            );
            return;
        }
        const launch = Date.parse(f.launchAt);
        if (f.announcedAt) {
            const lead = (launch - Date.parse(f.announcedAt)) / HOUR;
            if (lead < cfg.minLeadTimeHours)
                report(
                    `release ${f.version} was announced ${f.announcedAt}, ${lead >= 0 ? `${lead.toFixed(1)} hours before` : `${(-lead).toFixed(1)} hours after`} its launch at ${f.launchAt}; stakeholders need at least ${cfg.minLeadTimeHours} hours: move ${key("launchAt")} to ${new Date(Date.parse(f.announcedAt) + cfg.minLeadTimeHours * HOUR).toISOString()} or later.`,
                    at,
                );
        }
        for (const w of cfg.freezeWindows) {
            if (launch >= Date.parse(w.start) && launch < Date.parse(w.end))
                report(
                    `release ${f.version} launches ${f.launchAt}, inside the freeze window '${w.name}' (${w.start} to ${w.end}): move ${key("launchAt")} after ${w.end} (and announce the new date).`,
                    at,
                );
        }
    },
};

export interface DocumentedConfig {
    notesDir: string;
    /** Notes by file name (`2.4.0.md` -> Markdown), for a pack that runs without the repository. */
    notes?: Record<string, string>;
    sections: { name: string; heading: string }[];
}

/** The body under a Markdown heading matching `heading` (a regular expression), up to the next heading of the same or higher level. */
export function sectionBody(markdown: string, heading: string): string | undefined {
    const lines = markdown.split(/\r?\n/);
    const re = new RegExp(`^(#{1,6})\\s*(${heading})\\b`, "i");
    const start = lines.findIndex((l) => re.test(l));
    if (start < 0) return undefined;
    const level = re.exec(lines[start])![1].length;
    const end = lines.findIndex((l, i) => i > start && /^(#{1,6})\s/.test(l) && /^(#{1,6})/.exec(l)![1].length <= level);
    return lines
        .slice(start + 1, end < 0 ? undefined : end)
        .join("\n")
        .trim();
}

/** Every known string among a dynamic resource's inputs (not its serialized provider), unknown ones skipped. */
function knownStrings(props: Props): string[] {
    const out: string[] = [];
    const walk = (v: unknown, top: boolean) => {
        if (typeof v === "string") out.push(v);
        else if (v && typeof v === "object")
            for (const k of Object.keys(v)) {
                if (top && k === "__provider") continue;
                const x = known(() => (v as Props)[k] as unknown);
                if (x !== UNKNOWN_VALUE) walk(x, false);
            }
    };
    walk(props, true);
    return out;
}

export const documented: StackValidationPolicy = {
    name: "documented",
    description:
        "The release has release notes (release/notes/<version>.md) naming the changes, the rollback steps and any data migration, and the release record and notices link to them.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            notesDir: {
                type: "string",
                default: "release/notes",
                description: "Directory of <version>.md release notes (relative to the repository root, or absolute).",
            },
            notes: {
                type: "object",
                additionalProperties: { type: "string" },
                description:
                    "The notes themselves by file name (<version>.md -> Markdown): a published pack has no repository to read them from.",
            },
            sections: {
                type: "array",
                description: "Sections the notes must have, each non-empty: a name and a heading regular expression.",
                items: {
                    type: "object",
                    required: ["name", "heading"],
                    properties: { name: { type: "string" }, heading: { type: "string" } },
                },
                default: [
                    { name: "Changes", heading: "changes|what's changed" },
                    { name: "Rollback", heading: "rollback" },
                    { name: "Data migration", heading: "data migrations?" },
                ],
            },
        },
    },
    validateStack: (args, report) => {
        const cfg = args.getConfig<DocumentedConfig>();
        const r = releaseRecord(args.resources);
        if (!r.found) {
            report(`${r.error}.`, r.resource?.urn);
            return;
        }
        const version = r.facts.version;
        const name = path.basename(notesPath(version));
        const file = path.resolve(REPO_ROOT, cfg.notesDir, name);
        const shown = cfg.notes ? `documented.notes["${name}"] (pack config)` : path.join(cfg.notesDir, name);
        let text: string | undefined;
        try {
            text = cfg.notes ? cfg.notes[name] : fs.readFileSync(file, "utf8");
            if (text === undefined) throw new Error("no notes");
        } catch {
            report(
                `release ${version} has no release notes: write ${shown} with the sections ${cfg.sections.map((s) => `'## ${s.name}'`).join(", ")}.`,
                r.resource.urn,
            );
        }
        if (text !== undefined) {
            for (const s of cfg.sections) {
                const body = sectionBody(text, s.heading);
                if (body === undefined)
                    report(
                        `${shown} has no '## ${s.name}' section: add it (write "None." under it if there is nothing to say).`,
                        r.resource.urn,
                    );
                else if (body === "") report(`${shown}: the '## ${s.name}' section is empty: say what it is (or "None.").`, r.resource.urn);
            }
        }
        const url = r.facts.notesUrl;
        // Release notices (validation domain: pulumi-nodejs:dynamic/validation:ReleaseNotice) are dynamic
        // resources whose type or name says notice: one of their inputs must carry the link. Inputs only `up`
        // will know (the topic ARN) are skipped: the link comes from the release record, known in preview.
        for (const n of args.resources.filter((x) => x.type.startsWith("pulumi-nodejs:dynamic") && /notice/i.test(`${x.type} ${x.name}`))) {
            const texts = knownStrings(n.props);
            if (!texts.some((t) => t.includes(url)))
                report(
                    `${describe(n)} does not link to the release notes (${url}): pass the release record's notesUrl to the notice.`,
                    n.urn,
                );
        }
    },
};

export const releasePolicies = [announced, documented];
