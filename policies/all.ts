// Every Launchpad policy, in the order the pack reports them. Importing this module has no side
// effects (unlike index.ts, whose PolicyPack starts the analyzer server).
import type { Policies } from "@pulumi/policy";
import { artifactPolicies } from "./artifacts";
import { backupPolicies } from "./backups";
import { capacityPolicies } from "./capacity";
import { flagPolicies } from "./flags";
import { observabilityPolicies } from "./observability";
import { productionPolicies } from "./production";
import { releasePolicies } from "./release";
import { rolloutPolicies } from "./rollout";
import { securityPolicies } from "./security";

export const PACK_NAME = "launchpad-release-gates";

export const policies: Policies = [
    ...artifactPolicies,
    ...backupPolicies,
    ...rolloutPolicies,
    ...observabilityPolicies,
    ...releasePolicies,
    ...securityPolicies,
    ...productionPolicies,
    ...capacityPolicies,
    ...flagPolicies,
];
