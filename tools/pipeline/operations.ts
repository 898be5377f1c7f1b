// Every routine release operation as one edit of a project's files: the operations `npm run release`
// offers and the documented edits it does not (a new release version, a flag raise, a kill switch, a
// new canary or direct release). The release-operation matrix (test/pipeline/matrix.{prod,staging}.spec.ts) applies
// them to a scratch copy of the real stacks and checks each plan diff against `changeSets.ts`.
import * as fs from "node:fs";
import * as path from "node:path";
import { Document, isMap, parseDocument } from "yaml";
import { appPlan } from "../../components/app/plan";
import { parseConfig } from "../../config/load";
import { appsOf, applyOperation, keepLayout, OperationError, RawRelease, RawStrategy } from "./releaseOps";
import { readStackConfig, schemaValues } from "../plan/stackConfig";

/** A project folder: `Pulumi.yaml`, `Pulumi.<stack>.yaml`, `release/`. */
export interface Project {
    dir: string;
    stack: string;
}

const stackFile = (p: Project) => path.join(p.dir, `Pulumi.${p.stack}.yaml`);
const read = (file: string) => fs.readFileSync(file, "utf8");

/** Edits one YAML file through the Document API, keeping comments and layout. */
function editYaml(file: string, edit: (doc: Document) => void): void {
    const text = read(file);
    const doc = parseDocument(text, { merge: true });
    edit(doc);
    fs.writeFileSync(file, keepLayout(text, doc.toString({ lineWidth: 0, flowCollectionPadding: false })));
}

/** The stack's apps as written (before validation). */
export function stackApps(p: Project): Record<string, { strategy?: RawStrategy; [k: string]: unknown }> {
    return appsOf(read(stackFile(p)));
}

/** Every release (image and version) a stack file's apps run or hold ready, in app order. */
export function releasesOf(p: Project): Required<RawRelease>[] {
    const { apps } = parseConfig(schemaValues(readStackConfig(p.dir, p.stack)));
    return Object.keys(apps)
        .sort()
        .flatMap((a) => appPlan(a, apps[a]).releases.map((r) => r.release))
        .filter((r): r is Required<RawRelease> => r.image !== undefined);
}

/** The first app (by name) whose strategy is `type`. */
export function firstApp(p: Project, type: string): string | undefined {
    const apps = stackApps(p);
    return Object.keys(apps)
        .sort()
        .find((a) => apps[a].strategy?.type === type);
}

function releaseOp(p: Project, args: Parameters<typeof applyOperation>[2]): void {
    fs.writeFileSync(stackFile(p), applyOperation(read(stackFile(p)), p.stack, args, p.dir).text);
}

/** The operations of `npm run release` (tools/pipeline/releaseOps.ts), as the CLI applies them. */
export const release = {
    switch: (p: Project, app: string) => releaseOp(p, { op: "switch", app }),
    canaryStep: (p: Project, app: string, weight: number) => releaseOp(p, { op: "canary-step", app, weight }),
    abort: (p: Project, app: string) => releaseOp(p, { op: "abort", app }),
    promote: (p: Project, app: string) => releaseOp(p, { op: "promote", app }),
    /** `rollback --to <ref>`: `previous` is the app's strategy in the stack file at that revision. */
    rollback: (p: Project, app: string, previous: RawStrategy) => releaseOp(p, { op: "rollback", app, previous }),
};

const at = (app: string, ...rest: string[]) => ["config", "launchpad:apps", app, "strategy", ...rest];

/** Documented edits (docs/pipeline.md): what a person or CI writes by hand or with `pulumi config set --path`. */
export const edits = {
    /** A new canary release: `strategy.canary` set, at weight 0 (the canary starts without traffic). */
    canaryStart(p: Project, app: string, candidate: { image: string; version: string }): void {
        editYaml(stackFile(p), (doc) => {
            if (doc.getIn(at(app, "canary"))) throw new OperationError(`${app} already has a canary release`);
            doc.setIn(at(app, "canary"), doc.createNode(candidate));
            doc.setIn(at(app, "weight"), 0);
        });
    },
    /** An abort recorded in the stack: `strategy.canary` removed, so the pod template runs the stable release again. */
    canaryRemoved(p: Project, app: string): void {
        editYaml(stackFile(p), (doc) => {
            if (!doc.getIn(at(app, "canary"))) throw new OperationError(`${app} has no canary release`);
            doc.deleteIn(at(app, "canary"));
            doc.setIn(at(app, "weight"), 0);
        });
    },
    /** A new release of a direct app: `strategy.release` set to the new image and version. */
    directRelease(p: Project, app: string, next: { image: string; version: string }): void {
        editYaml(stackFile(p), (doc) => doc.setIn(at(app, "release"), doc.createNode(next)));
    },
    /** A new version of a blue-green app goes to the idle slot. */
    idleSlotRelease(p: Project, app: string, slot: string, next: { image: string; version: string }): void {
        editYaml(stackFile(p), (doc) => doc.setIn(at(app, "slots", slot), doc.createNode(next)));
    },
    /**
     * A new release version: `launchpad:release` (version, announcement, launch time) and, when `notes`
     * is given, its notes `release/notes/<version>.md` (without them the `documented` gate refuses it).
     */
    newVersion(p: Project, next: { version: string; announcedAt: string; launchAt: string }, notes?: string): void {
        editYaml(stackFile(p), (doc) => {
            const key = ["config", "launchpad:release"];
            if (!isMap(doc.getIn(key))) throw new OperationError(`Pulumi.${p.stack}.yaml has no launchpad:release`);
            for (const [k, v] of Object.entries(next)) doc.setIn([...key, k], v);
        });
        if (notes !== undefined) {
            fs.mkdirSync(path.join(p.dir, "release", "notes"), { recursive: true });
            fs.writeFileSync(path.join(p.dir, "release", "notes", `${next.version}.md`), notes);
        }
    },
    /**
     * The test runs CI records for the release (`npm run evidence:junit` per image): every artifact of
     * `release/evidence.json` passed again at `finishedAt`.
     */
    testsPassed(p: Project, finishedAt: string): void {
        const file = path.join(p.dir, "release", "evidence.json");
        const evidence = JSON.parse(read(file)) as { artifacts: { finishedAt: string }[] };
        for (const a of evidence.artifacts) a.finishedAt = finishedAt;
        fs.writeFileSync(file, `${JSON.stringify(evidence, null, 2)}\n`);
    },
    /** A flag raise: `launchpad:flags.flags.<flag>.environments.<stack>.rollout.percentage` in Pulumi.yaml. */
    flagRollout(p: Project, flag: string, percentage: number): void {
        editYaml(path.join(p.dir, "Pulumi.yaml"), (doc) =>
            doc.setIn(["config", "launchpad:flags", "value", "flags", flag, "environments", p.stack, "rollout", "percentage"], percentage),
        );
    },
    /** A flag turned off (or on): `launchpad:flags.flags.<flag>.environments.<stack>.state` in Pulumi.yaml. */
    flagState(p: Project, flag: string, state: "ENABLED" | "DISABLED"): void {
        editYaml(path.join(p.dir, "Pulumi.yaml"), (doc) =>
            doc.setIn(["config", "launchpad:flags", "value", "flags", flag, "environments", p.stack, "state"], state),
        );
    },
    /** A kill switch: `launchpad:flags.flags.<flag>.environments.<stack>.killed` in Pulumi.yaml. */
    flagKill(p: Project, flag: string, killed = true): void {
        editYaml(path.join(p.dir, "Pulumi.yaml"), (doc) =>
            doc.setIn(["config", "launchpad:flags", "value", "flags", flag, "environments", p.stack, "killed"], killed),
        );
    },
};
