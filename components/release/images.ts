import type { AppConfig } from "../../config/schema";
import { appPlan } from "../app/plan";

/**
 * Every image a stack runs (all slots and tracks of all apps), sorted and unique: exported as the stack
 * output `images`, from which CI records what pre-production verified (release/verified-staging.json).
 */
export function deployedImages(apps: Readonly<Record<string, AppConfig>>): string[] {
    const images = Object.entries(apps).flatMap(([name, a]) => appPlan(name, a).releases.map((r) => r.release.image));
    // Apps built by the stack have no configured image: their digest is known only after the build.
    return [...new Set(images.filter((i): i is string => i !== undefined))].sort();
}
