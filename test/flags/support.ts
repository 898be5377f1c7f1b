// Shared by the flags tests: a flags config on top of the real prod stack, and the real flagd engine.
import * as fs from "node:fs";
import * as path from "node:path";
import { DefaultLogger } from "@openfeature/core";
import { FlagdCore, MemoryStorage } from "@openfeature/flagd-core";
import { parseConfig } from "../../config/load";
import type { FlagsConfig, FlagsConfigInput } from "../../config/flags";
import { documentJson } from "../../components/flags/render";
import type { FlagdDocument } from "../../components/flags/flagd";
import { PROJECT_DIR } from "../../tools/plan/plan";
import { fixtureRaw } from "../harness";

/** Loads a document into flagd-core with strict schema validation (what flagd refuses, this throws on). */
export function flagd(doc: FlagdDocument | string): FlagdCore {
    const storage = new MemoryStorage(new DefaultLogger());
    storage.setConfigurations(typeof doc === "string" ? doc : documentJson(doc), true);
    return new FlagdCore(storage);
}

/** The prod stack's raw config with `launchpad:flags` replaced. */
export function prodWithFlags(flags: FlagsConfigInput, environment = "prod"): Record<string, any> {
    const raw = fixtureRaw("prod");
    raw.flags = flags;
    raw.environment.name = environment;
    return raw;
}

/** A validated flags config for `flags` (environments staging, prod), checked against the prod stack's apps. */
export function flagsConfig(flags: Partial<FlagsConfigInput>): FlagsConfig {
    const cfg = parseConfig(prodWithFlags({ environments: ["staging", "prod"], ...flags }));
    if (!cfg.flags) throw new Error("no flags");
    return cfg.flags;
}

/** 10,000 synthetic users. */
export const USERS = Array.from({ length: 10_000 }, (_, i) => `user-${i}`);

/** The CRD folder the plan's --crds takes (never copied into the repo), or undefined when absent. */
export function crdsDir(): string | undefined {
    const dir = path.resolve(PROJECT_DIR, "..", "shared", "crds");
    return fs.existsSync(dir) ? dir : undefined;
}

/** In a mocha `before`: the CRD folder, or skip (fail under CI=true) when it is missing. */
export function requireCrds(ctx: Mocha.Context): string {
    const dir = crdsDir();
    if (dir) return dir;
    if (process.env.CI === "true") throw new Error("../shared/crds is required under CI=true (OpenFeature and Velero CRDs)");
    console.log("  skipping tests that need ../shared/crds (the OpenFeature CRDs)");
    ctx.skip();
}
