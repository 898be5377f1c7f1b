import type { AppConfig } from "../../config/schema";

/**
 * Every image a stack runs (all slots and tracks of all apps), sorted and unique: exported as the stack
 * output `images`, from which CI records what pre-production verified (release/verified-staging.json).
 */
export function deployedImages(apps: Readonly<Record<string, AppConfig>>): string[] {
    const images = Object.values(apps).flatMap((a) => {
        const s = a.strategy;
        switch (s.type) {
            case "direct":
                return [s.release.image];
            case "blueGreen":
                return [s.slots.blue.image, s.slots.green.image];
            case "canary":
                return [s.stable.image, ...(s.canary ? [s.canary.image] : [])];
        }
    });
    // Apps built by the stack have no configured image: their digest is known only after the build.
    return [...new Set(images.filter((i): i is string => i !== undefined))].sort();
}
