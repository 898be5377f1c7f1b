// The Launchpad policy pack as the Pulumi engine loads it (`pulumi up --policy-pack policies`).
// Policies live in domain modules beside this file; this file only assembles them.
import { PolicyPack } from "@pulumi/policy";
import { flagPolicies } from "./flags";

new PolicyPack("launchpad-release-gates", {
    policies: [...flagPolicies],
});
